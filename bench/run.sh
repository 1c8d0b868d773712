#!/usr/bin/env bash
# npm run bench: runs the engine benchmark (bench/engine.bench.ts), then prints its result as ratios.
# Arguments pass through: `npm run bench -- --quick` (tiny model, seconds), `--no-torch`, `--out-dir DIR`.
# The bench installs the PyTorch peer's Debian packages itself (bench/torch/setup.sh: root or sudo); a section
# that cannot run fails the bench with the reason. `--no-torch` measures without the peer, on purpose.
set -euo pipefail
cd "$(dirname "$0")/.."
result=$(npx tsx bench/engine.bench.ts "$@")
npx tsx bench/summary.ts "$result"
