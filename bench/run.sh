#!/usr/bin/env bash
# npm run bench: runs the engine benchmark (bench/engine.bench.ts), then prints its result as ratios.
# Arguments pass through: `npm run bench -- --quick` (tiny model, seconds), `--no-torch`, `--out-dir DIR`.
# The PyTorch peer needs bench/torch/setup.sh once; without it that section is reported as skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
result=$(npx tsx bench/engine.bench.ts "$@")
npx tsx bench/summary.ts "$result"
