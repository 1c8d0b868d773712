#!/usr/bin/env bash
# Installs the PyTorch reference peer (Debian packages, for /usr/bin/python3) idempotently:
# python3-torch, OpenBLAS (pthread build: without it torch uses the slow reference BLAS) and tcmalloc.
# Prints the tcmalloc shared object that run.sh preloads. Needs root or password-less sudo; non-interactive.
# The bench runs it before it starts (bench/engine.bench.ts), so a fresh machine gets the peer it measures against.
set -euo pipefail
sudo=()
if [[ $EUID -ne 0 ]]; then
  command -v sudo >/dev/null && sudo -n true 2>/dev/null || { echo "bench/torch/setup.sh: installing Debian packages needs root or password-less sudo" >&2; exit 1; }
  sudo=(sudo -n)
fi
PKGS=(python3-torch libopenblas0-pthread libtcmalloc-minimal4)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "bench/torch/setup.sh: apt-get install ${missing[*]} (about a minute on a fresh machine)" >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
/usr/bin/python3 -c 'import torch; print("torch", torch.__version__)'
lib=$(dpkg -L libtcmalloc-minimal4 | grep -E 'libtcmalloc_minimal\.so\.[0-9]+$' | head -n1)
echo "tcmalloc: $lib"
