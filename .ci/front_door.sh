#!/usr/bin/env bash
# The front door as a user meets it (issue #22), run by .ci/run after the test suite:
#  1. a wheel built from this checkout, installed with no extras in a fresh virtual environment,
#     played from a directory outside the checkout, starting from an empty Numba cache: the first
#     `genmove` is answered (by the policy network while the search compiles in the background),
#     then, once the compile is done, the default player and the policy player answer `genmove b`
#     with a vertex on 9x9 and 19x19 with the shipped networks loaded;
#  2. the README's first command, exactly as written, in another fresh virtual environment.
# Prints the seconds from start to the first answered genmove, cold and warm.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
cleanup() { pkill -f go_engine.players.first_run 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
export NUMBA_CACHE_DIR="$work/numba-cache"   # empty: the first start compiles, as a user's does
export GO_ENGINE_FIRST_RUN=background         # what a user gets (the test suite sets "wait")

fail() { echo "front door: FAIL: $*" >&2; exit 1; }
VERTEX='^= ([A-HJ-T]([1-9]|1[0-9])|pass)$'

# gtp BIN INPUT ARGS...: one GTP session, stdout in $work/out.txt, stderr in $work/err.txt
gtp() {
    local bin="$1" input="$2"; shift 2
    printf "$input" | "$bin/go-engine" gtp "$@" >"$work/out.txt" 2>"$work/err.txt" \
        || { cat "$work/err.txt" >&2; fail "go-engine gtp $* exited with an error"; }
}
expect_moves() {  # expect_moves COUNT WHAT
    local got; got=$(grep -cE "$VERTEX" "$work/out.txt" || true)
    [ "$got" = "$1" ] || { cat "$work/out.txt" "$work/err.txt" >&2; fail "$2: expected $1 moves, got $got"; }
}
expect_log() {  # expect_log PATTERN WHAT
    grep -qE "$1" "$work/err.txt" || { cat "$work/err.txt" >&2; fail "$2: no '$1' on stderr"; }
}

echo "front door: wheel in a fresh virtual environment, no extras"
python -m venv "$work/venv"
"$work/venv/bin/python" -m pip install -q --upgrade pip >/dev/null 2>&1 || true
"$work/venv/bin/python" -m pip wheel -q --no-deps -w "$work/dist" "$repo"
"$work/venv/bin/python" -m pip install -q "$work"/dist/go_engine-*.whl
bin="$work/venv/bin"
cd "$work"   # outside the checkout: nothing may be found through a path relative to it
"$bin/python" - <<'PY'
import go_engine
from go_engine.shipped import shipped_data_dir
assert "site-packages" in go_engine.__file__, go_engine.__file__
for name in ("policy_9.npz", "value_9.npz", "policy_19.npz", "rollout_9.npz", "policy_9.md"):
    assert (shipped_data_dir() / name).is_file(), name
print("front door: shipped weights found in", shipped_data_dir())
PY

start=$(date +%s.%N)
gtp "$bin" 'boardsize 9\nclear_board\ngenmove b\nquit\n'
cold=$(echo "$(date +%s.%N) - $start" | bc)
expect_moves 1 "cold start"
expect_log "compiling search kernels" "cold start"
echo "front door: cold cache, 9x9: first genmove answered in ${cold} s ($(grep -E '^= ' "$work/out.txt" | tail -1))"

waited=0
while pgrep -f go_engine.players.first_run >/dev/null; do
    sleep 2; waited=$((waited + 2))
    [ "$waited" -lt 900 ] || fail "the background compile ran past 900 s"
done
echo "front door: background compile finished $(echo "$(date +%s.%N) - $start" | bc) s after the start"

for n in 9 19; do
    start=$(date +%s.%N)
    gtp "$bin" "boardsize $n\nclear_board\ngenmove b\nquit\n"
    warm=$(echo "$(date +%s.%N) - $start" | bc)
    expect_moves 1 "default player ${n}x${n}"
    expect_log "${n}x${n}: policy policy_${n}.npz" "default player ${n}x${n}"
    if grep -q "compiling search kernels" "$work/err.txt"; then fail "warm start ${n}x${n} compiled again"; fi
    echo "front door: warm cache, ${n}x${n}: search move answered in ${warm} s ($(grep -E '^= ' "$work/out.txt" | tail -1); $(grep -E "${n}x${n}: policy" "$work/err.txt"))"
done
gtp "$bin" 'boardsize 9\nclear_board\ngenmove b\nboardsize 19\nclear_board\ngenmove b\nquit\n' --player policy
expect_moves 2 "--player policy"
expect_log "9x9: policy policy_9.npz" "--player policy"
expect_log "19x19: policy policy_19.npz" "--player policy"
echo "front door: --player policy answered on 9x9 and 19x19"

echo "front door: the README's first command in a fresh virtual environment"
python -m venv "$work/readme-venv"
git -C "$repo" ls-files -z | (cd "$repo" && xargs -0 tar cf -) | (mkdir "$work/checkout" && cd "$work/checkout" && tar xf -)
(
    cd "$work/checkout"
    # shellcheck disable=SC1091
    source "$work/readme-venv/bin/activate"
    export NUMBA_CACHE_DIR="$work/numba-cache-readme"
    python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
    printf 'boardsize 9\nclear_board\ngenmove b\nquit\n' \
        | { pip install -q -e . && go-engine gtp; } >"$work/out.txt" 2>"$work/err.txt" \
        || { cat "$work/err.txt" >&2; fail "pip install -e . && go-engine gtp"; }
)
expect_moves 1 "the README's first command"
echo "front door: README command answered $(grep -E '^= ' "$work/out.txt" | tail -1)"
echo "front door: OK"
