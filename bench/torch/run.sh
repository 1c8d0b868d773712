#!/usr/bin/env bash
# Runs a bench/torch script fairly: Debian's /usr/bin/python3 (where python3-torch lives, not pyenv's),
# tcmalloc preloaded, OpenMP threads passive. Usage: bench/torch/run.sh attribution.py --model DIR ...
# (a bare script name resolves inside bench/torch). Run setup.sh once first.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
script=$1; shift
[[ -f $script ]] || script=$here/$script
tc=$(dpkg -L libtcmalloc-minimal4 2>/dev/null | grep -E 'libtcmalloc_minimal\.so\.[0-9]+$' | head -n1 || true)
[[ -n $tc && -f $tc ]] || { echo "tcmalloc missing: run $here/setup.sh" >&2; exit 1; }
export LD_PRELOAD=$tc${LD_PRELOAD:+:$LD_PRELOAD} OMP_WAIT_POLICY=PASSIVE
exec /usr/bin/python3 "$script" "$@"
