"""The value net's optional score path (``score_skip``): off by default, silent at start, and
reading the map's summed score and the side to move when trained."""
from __future__ import annotations

import numpy as np
import pytest

from go_engine.nets.value_config import ValueNetConfig, load_value_weights, save_value_weights

pytest.importorskip("jax")


def _planes(n: int, black_to_move: bool, seed: int = 0) -> np.ndarray:
    from go_engine.features.planes import N_VALUE_PLANES
    from go_engine.nets.value_net import PLAYER_COLOUR_PLANE
    rng = np.random.default_rng(seed)
    planes = rng.integers(0, 2, size=(2, n, n, N_VALUE_PLANES), dtype=np.uint8)
    planes[..., PLAYER_COLOUR_PLANE] = 1 if black_to_move else 0
    return planes


def test_score_skip_needs_the_colour_plane():
    with pytest.raises(ValueError, match="score_skip"):
        ValueNetConfig(board_size=9, layers=2, filters=4, in_planes=48, score_skip=True)


def test_a_new_score_skip_net_answers_as_the_plain_net():
    """The path starts at zero, so a new or resumed run begins where the plain net would."""
    from go_engine.nets.value_net import ValueNet, init_value_variables
    plain = ValueNetConfig(board_size=9, layers=3, filters=8, fc_units=16)
    skip = ValueNetConfig(board_size=9, layers=3, filters=8, fc_units=16, score_skip=True)
    vp, vs = init_value_variables(plain, 3), init_value_variables(skip, 3)
    assert set(vs["params"]) - set(vp["params"]) == {"score_out"}
    planes = _planes(9, True)
    np.testing.assert_allclose(ValueNet(skip).apply(vs, planes), ValueNet(plain).apply(vp, planes), atol=1e-6)


def test_the_skip_reads_the_maps_score_and_the_side_to_move(tmp_path):
    """With the map held at +3 everywhere (own ownership ~ tanh 3 on 81 points) and the rest of
    the head silenced, the value is tanh(w_score * score + w_colour * colour)."""
    import jax

    from go_engine.nets.value_net import SCORE_UNIT, ValueNet, ValueNetRunner, init_value_variables
    cfg = ValueNetConfig(board_size=9, layers=3, filters=8, fc_units=16, score_skip=True)
    params = jax.tree_util.tree_map(np.asarray, init_value_variables(cfg, 0)["params"])
    params["conv_1x1"]["kernel"] = np.zeros_like(params["conv_1x1"]["kernel"])
    params["conv_1x1"]["bias"] = np.full_like(params["conv_1x1"]["bias"], 3.0)
    params["out"]["kernel"] = np.zeros_like(params["out"]["kernel"])
    params["out"]["bias"] = np.zeros_like(params["out"]["bias"])
    params["score_out"]["kernel"] = np.array([[0.05], [-0.5]], np.float32)
    variables = {"params": params}
    score = 81 * np.tanh(3.0) / SCORE_UNIT
    for black, colour in ((True, 1.0), (False, 0.0)):
        got = np.asarray(ValueNet(cfg).apply(variables, _planes(9, black)))
        np.testing.assert_allclose(got, np.tanh(0.05 * score - 0.5 * colour), rtol=1e-5)
    path = tmp_path / "v.npz"
    save_value_weights(path, cfg, variables)
    loaded_cfg, _, _ = load_value_weights(path)
    assert loaded_cfg.score_skip
    runner = ValueNetRunner(path)
    np.testing.assert_allclose(runner.values(_planes(9, False)), np.tanh(0.05 * score), rtol=1e-5)


def test_symmetric_values_are_the_mean_over_the_symmetries():
    """values(planes, k) is the mean of the net over the first k symmetries of each position:
    invariant under any of the 8 when k = 8, and a clear error past 8."""
    from go_engine.features.planes import apply_symmetry
    from go_engine.nets.value_net import ValueNetRunner, init_value_variables
    cfg = ValueNetConfig(board_size=9, layers=3, filters=8, fc_units=16)
    runner = ValueNetRunner(variables=init_value_variables(cfg, 5), config=cfg)
    planes = _planes(9, True, seed=4)
    each = [runner.values(apply_symmetry(planes, k)) for k in range(8)]
    assert not np.allclose(each[0], each[1])  # a random net is not symmetric by itself
    np.testing.assert_allclose(runner.values(planes, 8), np.mean(each, axis=0), atol=1e-6)
    np.testing.assert_allclose(runner.values(planes, 2), np.mean(each[:2], axis=0), atol=1e-6)
    np.testing.assert_allclose(runner.values(apply_symmetry(planes, 5), 8), runner.values(planes, 8), atol=1e-5)
    with pytest.raises(ValueError, match="8 symmetries"):
        runner.values(planes, 9)
