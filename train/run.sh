#!/usr/bin/env bash
# npm run train:models: makes the embedded default pair from scratch, deterministically, on this machine's CPU.
#   1. PyTorch for /usr/bin/python3 (Debian's python3-torch, OpenBLAS, tcmalloc: bench/torch/setup.sh)
#   2. data: WordNet corpus, tokenizer, instruction examples (train/data/build.ts)
#   3. token ids, made by the engine's own tokenizer and chat template (train/tokenize.ts)
#   4. the trainer's self-checks (test/train/test_*.py, a few seconds)
#   5. pre-training, then instruction tuning (train/train.py; each stage resumable)
#   6. export: models/wordnet-base and models/wordnet-tuned (Hugging Face folders, model cards)
# Everything intermediate lives in train/.work (git-ignored). Interrupted, it resumes where it stopped: finished
# steps are skipped, an unfinished stage continues from its last saved state; a stage whose input files changed
# starts again (new instruction data re-runs instruction tuning only). --fresh deletes train/.work first.
# Environment: TRAIN_WORK (default train/.work), TRAIN_MODELS (default models); TRAIN_THREADS and
# TRAIN_BLAS_THREADS override the recipe's torch and OpenBLAS thread counts (1 and 2, the fastest here, see
# train/train.py; other counts change the weights in their last bits); TRAIN_PRETRAIN_STEPS / TRAIN_SFT_STEPS shorten a stage (dry runs only: the
# committed models come from the recipe's step counts in train/train.py).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
work=${TRAIN_WORK:-train/.work}
models=${TRAIN_MODELS:-models}
if [[ ${1:-} == --fresh ]]; then rm -rf "$work"; fi
mkdir -p "$work/logs"

started=$SECONDS
# each phase's start is printed and logged (WORK/logs/run.tsv: phase, seconds since start, date)
phase() {
  printf '\n== %s (%s since start)\n' "$1" "$(date -u -d @$((SECONDS - started)) +%H:%M:%S)"
  printf '%s\t%s\t%s\n' "$1" $((SECONDS - started)) "$(date -Is)" >> "$work/logs/run.tsv"
}

phase "PyTorch"
bash bench/torch/setup.sh
tcmalloc=/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4
[[ -f $tcmalloc ]] || { echo "tcmalloc missing after setup: $tcmalloc" >&2; exit 1; }
# tcmalloc (4x fewer page faults here), OpenMP threads that sleep instead of spinning; train.py sets the thread counts
py() { LD_PRELOAD=$tcmalloc${LD_PRELOAD:+:$LD_PRELOAD} OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 "$@"; }
threads=(${TRAIN_THREADS:+--threads "$TRAIN_THREADS"} ${TRAIN_BLAS_THREADS:+--blas-threads "$TRAIN_BLAS_THREADS"})

phase "data"
data_files=(corpus.train.txt corpus.valid.txt sft.train.jsonl tokenizer/tokenizer.json tokenizer/tokenizer_config.json)
if [[ -f $work/.data-done ]]; then
  echo "data: $work is built already"
else
  npx tsx train/data/build.ts --out "$work"
  for f in "${data_files[@]}"; do [[ -f $work/$f ]] || { echo "data: build.ts did not write $work/$f" >&2; exit 1; }; done
  touch "$work/.data-done"
fi

phase "tokenise"
npx tsx train/tokenize.ts --work "$work"

phase "self-checks"
py -m unittest discover -s test/train -p 'test_*.py' 2>&1 | tail -n 3

phase "pre-training"
py train/train.py pretrain --work "$work" "${threads[@]}" ${TRAIN_PRETRAIN_STEPS:+--max-steps "$TRAIN_PRETRAIN_STEPS"}
phase "instruction tuning"
py train/train.py sft --work "$work" "${threads[@]}" ${TRAIN_SFT_STEPS:+--max-steps "$TRAIN_SFT_STEPS"}

phase "export"
py train/train.py export --work "$work" --stage pretrain --out "$models/wordnet-base"
py train/train.py export --work "$work" --stage sft --out "$models/wordnet-tuned" --base-name wordnet-base

phase "done"
echo "models: $models/wordnet-base, $models/wordnet-tuned; logs: $work/logs"
