#!/usr/bin/env bash
# Train AlphaGo's 13x192 SL policy on 19x19 on a lent GPU machine, in one `run` call.
# NOT YET RUN ON A GPU: written for the next session that is lent one (see README, "Training").
#
# Prepare here (no device time):
#   go-engine data build --sgf ../shared/data/sgf19/{foxpro,ai19,kgs6d,tom9d}.tar.xz --board-size 19 --out build/d19
#   echo /.whl/ >> .git/info/exclude
#   python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
#       --platform manylinux2014_x86_64 -d .whl sgfmill==1.1.1
# Then: run(command="bash training/gpu/sl19_device.sh", carry=["build/d19", ".whl"], timeout_s=600)
# Everything it writes is under $OUT: the checkpoint folder, metrics, plot, test accuracy.
set -euo pipefail
export PYTHONUNBUFFERED=1
OUT=${OUT:-runs/device}
if ls .whl/*.whl >/dev/null 2>&1; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
fi
export PYTHONPATH=/tmp/site:$PWD${PYTHONPATH:+:$PYTHONPATH}
nvidia-smi --query-gpu=name,memory.total --format=csv | tee "$OUT/gpu.txt"
python3 -c "import jax; print(jax.devices())" | tee -a "$OUT/gpu.txt"
python3 go_engine_cli.py bench net --board-size 19 --json > "$OUT/bench_net_gpu.json" || true
python3 go_engine_cli.py train sl --config training/configs/sl_19x19_gpu.json --out "$OUT/sl19" --quiet \
    2>&1 | tee "$OUT/train.log"
python3 go_engine_cli.py eval policy --weights "$OUT/sl19/policy.npz" --shards build/d19 --split test \
    --max-positions 10000 --json | tee "$OUT/eval_test.json"
