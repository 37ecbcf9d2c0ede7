"""How fast can this CPU run the policy network's convolutions? The 9x9 policy's stack (a 5x5
then six 3x3 convolutions, 64 filters, 48 input planes) three ways, batch B, random weights:
XLA's convolution (what the engine runs), im2col plus one XLA matrix product, and ONNX Runtime
on one thread when ``onnxruntime`` and ``onnx`` are installed. Prints positions/s and CPU over
wall time, so positions per CPU second can be compared (issue #25's profile).

    python benchmarks/conv_backends.py 9 16
    python benchmarks/conv_backends.py 19 8
"""
from __future__ import annotations

import sys
import time

import jax
import jax.numpy as jnp
import numpy as np

LAYERS, FILTERS, PLANES = 8, 64, 48


def timed(name: str, run, batch: int, seconds: float = 2.0) -> None:
    run()
    t, c, reps = time.perf_counter(), time.process_time(), 0
    while time.perf_counter() - t < seconds:
        run()
        reps += 1
    wall = time.perf_counter() - t
    cpu = time.process_time() - c
    print(f"{name:>8}: {wall / reps * 1e3:6.2f} ms a batch of {batch}, {batch * reps / wall:7.0f} pos/s, "
          f"CPU/wall {cpu / wall:.2f}, {batch * reps / cpu:7.0f} pos per CPU second")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 9
    batch = int(sys.argv[2]) if len(sys.argv) > 2 else 16
    rng = np.random.default_rng(0)
    ws = [(rng.normal(size=(5, 5, PLANES, FILTERS)) * 0.05).astype(np.float32)] + \
         [(rng.normal(size=(3, 3, FILTERS, FILTERS)) * 0.05).astype(np.float32) for _ in range(LAYERS - 2)]
    x = rng.integers(0, 2, size=(batch, n, n, PLANES)).astype(np.float32)
    flops = 2 * n * n * sum(w.size for w in ws)
    print(f"{n}x{n}: {flops / 1e6:.1f} MFLOP a position")
    jws = [jnp.asarray(w) for w in ws]

    @jax.jit
    def conv(x):
        for w in jws:
            x = jax.nn.relu(jax.lax.conv_general_dilated(x, w, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC")))
        return x

    @jax.jit
    def im2col(x):
        for w in jws:
            k = w.shape[0]
            p = k // 2
            xp = jnp.pad(x, ((0, 0), (p, p), (p, p), (0, 0)))
            cols = jnp.concatenate([xp[:, i:i + n, j:j + n, :] for i in range(k) for j in range(k)], axis=-1)
            x = jax.nn.relu(cols.reshape(batch * n * n, -1) @ w.reshape(-1, w.shape[-1])).reshape(batch, n, n, -1)
        return x

    jx = jnp.asarray(x)
    assert float(jnp.max(jnp.abs(conv(jx) - im2col(jx)))) < 1e-3
    timed("xla conv", lambda: conv(jx).block_until_ready(), batch)
    timed("im2col", lambda: im2col(jx).block_until_ready(), batch)
    try:
        import onnxruntime as ort
        from onnx import TensorProto, helper, numpy_helper
    except ImportError:
        print("onnxruntime: not installed (pip install onnx onnxruntime)")
        return
    inits, nodes, name = [], [], "x"
    for i, w in enumerate(ws):
        k = w.shape[0]
        inits += [numpy_helper.from_array(np.ascontiguousarray(w.transpose(3, 2, 0, 1)), f"w{i}"),
                  numpy_helper.from_array(np.zeros(FILTERS, np.float32), f"b{i}")]
        nodes += [helper.make_node("Conv", [name, f"w{i}", f"b{i}"], [f"c{i}"], pads=[k // 2] * 4),
                  helper.make_node("Relu", [f"c{i}"], [f"r{i}"])]
        name = f"r{i}"
    graph = helper.make_graph(nodes, "policy_stack", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, PLANES, n, n])],
                              [helper.make_tensor_value_info(name, TensorProto.FLOAT, None)], inits)
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    session = ort.InferenceSession(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString(),
                                   options, providers=["CPUExecutionProvider"])
    xin = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
    timed("onnxrt", lambda: session.run(None, {"x": xin}), batch)


if __name__ == "__main__":
    main()
