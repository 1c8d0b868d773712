#!/usr/bin/env bash
# Installs the PyTorch reference peer (Debian packages, for /usr/bin/python3) idempotently:
# python3-torch, OpenBLAS (pthread build: without it torch uses the slow reference BLAS) and tcmalloc.
# Prints the tcmalloc shared object that run.sh preloads. Needs root; non-interactive.
set -euo pipefail
PKGS=(python3-torch libopenblas0-pthread libtcmalloc-minimal4)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
/usr/bin/python3 -c 'import torch; print("torch", torch.__version__)'
lib=$(dpkg -L libtcmalloc-minimal4 | grep -E 'libtcmalloc_minimal\.so\.[0-9]+$' | head -n1)
echo "tcmalloc: $lib"
