#!/usr/bin/env bash
# The front door as a user meets it (issue #22), run by .ci/run after the test suite:
#  1. a wheel built from this checkout, installed with no extras in a fresh virtual environment,
#     played from a directory outside the checkout: the default player and the policy player each
#     answer `genmove b` with a vertex on 9x9 and 19x19, with the shipped networks loaded;
#  2. the README's first command, exactly as written, in another fresh virtual environment.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export NUMBA_CACHE_DIR="$work/numba-cache"   # an empty cache: the first move compiles, as a user's does

fail() { echo "front door: FAIL: $*" >&2; exit 1; }

# A GTP session: $1 = python environment's bin dir, rest = extra arguments of `go-engine gtp`.
session() {
    local bin="$1"; shift
    printf 'boardsize 9\nclear_board\ngenmove b\nboardsize 19\nclear_board\ngenmove b\nquit\n' \
        | "$bin/go-engine" gtp "$@" >"$work/out.txt" 2>"$work/err.txt" || { cat "$work/err.txt" >&2; fail "go-engine gtp $* exited $?"; }
    local moves
    moves=$(grep -cE '^= ([A-HJ-T]([1-9]|1[0-9])|pass|resign)$' "$work/out.txt" || true)
    [ "$moves" = 2 ] || { cat "$work/out.txt" "$work/err.txt" >&2; fail "go-engine gtp $*: expected 2 moves, got $moves"; }
    for n in 9 19; do
        grep -q "policy_$n.npz" "$work/err.txt" || { cat "$work/err.txt" >&2; fail "go-engine gtp $*: policy_$n.npz not loaded"; }
    done
    echo "front door: go-engine gtp $* answered $(grep -E '^= [A-T]' "$work/out.txt" | tr '\n' ' ')"
}

echo "front door: wheel in a fresh virtual environment"
python -m venv "$work/wheel-venv"
"$work/wheel-venv/bin/python" -m pip install -q --upgrade pip >/dev/null 2>&1 || true
"$work/wheel-venv/bin/python" -m pip wheel -q --no-deps -w "$work/dist" "$repo"
"$work/wheel-venv/bin/python" -m pip install -q "$work"/dist/go_engine-*.whl
cd "$work"   # outside the checkout: nothing may be found through a path relative to it
"$work/wheel-venv/bin/python" - <<'PY'
import go_engine, go_engine.data
from go_engine.shipped import shipped_data_dir
assert "site-packages" in go_engine.__file__, go_engine.__file__
for name in ("policy_9.npz", "value_9.npz", "policy_19.npz", "rollout_9.npz", "policy_9.md"):
    assert (shipped_data_dir() / name).is_file(), name
print("front door: shipped weights found in", shipped_data_dir())
PY
start=$(date +%s)
session "$work/wheel-venv/bin"
echo "front door: default player, cold Numba cache, 9x9 + 19x19: $(( $(date +%s) - start )) s"
session "$work/wheel-venv/bin" --player policy

echo "front door: the README's first command in a fresh virtual environment"
python -m venv "$work/readme-venv"
cp -r "$repo" "$work/checkout"   # a clean copy: `pip install -e .` must not depend on earlier builds
rm -rf "$work/checkout/.venv" "$work/checkout"/*.egg-info "$work/checkout/build"
(
    cd "$work/checkout"
    # shellcheck disable=SC1091
    source "$work/readme-venv/bin/activate"
    python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
    printf 'boardsize 9\nclear_board\ngenmove b\nquit\n' >"$work/readme-in.txt"
    pip install -q -e . && go-engine gtp <"$work/readme-in.txt" >"$work/readme-out.txt" 2>"$work/readme-err.txt" \
        || { cat "$work/readme-err.txt" >&2; fail "pip install -e . && go-engine gtp"; }
    grep -qE '^= [A-HJ-T][0-9]+$' "$work/readme-out.txt" || { cat "$work/readme-out.txt" "$work/readme-err.txt" >&2; fail "no move from the README's command"; }
    echo "front door: README command answered $(grep -E '^= [A-T]' "$work/readme-out.txt")"
)
echo "front door: OK"
