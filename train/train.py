"""Trains the embedded default pair: `pretrain` (next-token prediction on the WordNet corpus) makes the base
model, `sft` (instruction tuning on chat-formatted examples, with some pre-training text mixed in) makes its
instruction-tuned sibling, and `export` writes either as a Hugging Face checkpoint folder. This is the
reference trainer of the pair, small and single-threaded on purpose; it is not a general training library.

    train.py pretrain|sft [--work train/.work] [--max-steps N] [--threads 1]
    train.py export --stage pretrain|sft --out models/NAME
    train.py bench [--seconds 60] [--threads 1] [--seq-len 128 --batch 16] [--shape D,LAYERS,FF,HEADS]

Input: WORK/tokens/ from train/tokenize.ts (the engine's own tokenizer and chat template made the ids).
Each stage keeps WORK/state/<stage>.pt (model, optimizer, step, RNG) and saves it every few minutes and at
its end; running a stage again resumes it, or does nothing once it is done. The budgets are step counts,
never wall-clock limits, and all data order comes from seeds, so a run resumed any number of times ends
with the same weights as one run straight through. Logs: WORK/logs/<stage>.jsonl.

Batches are rows of SEQ_LEN tokens into which whole documents are packed (a document longer than a row is
cut into row-sized pieces); segment ids keep attention inside each document and positions restart at 0 for
each, so a packed document is computed exactly as it is alone at inference (prompt at position 0).

Shape letters: B rows, T tokens a row, V vocabulary.
"""
import argparse
import ctypes
import json
import math
import os
import shutil
import signal
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hf_io  # noqa: E402
from model import LlamaForCausalLM, LlamaShape  # noqa: E402

# ---------------------------------------------------------------------------------------------------------
# The recipe. Shape and step counts come from throughput measured on this 2-vCPU machine (AMD Zen) with
# `train.py bench`: one step = forward + backward + AdamW on 16 x 128 token slots of the real data, tcmalloc,
# OpenBLAS; only runs during which other processes used < 0.15 CPU count. Debian's torch reaches OpenBLAS
# through libblas.so.3 and never tells it torch's thread count, so the two are set apart:
#   torch 1 thread, OpenBLAS 2 threads: 4,075 / 3,795 / 3,778 tok/s   <- the recipe
#   torch 1 thread, OpenBLAS 1 thread:  3,052 / 3,157 / 2,886 tok/s
#   torch 2 threads, OpenBLAS 2 threads: 3,952 / 3,655 tok/s
#   instruction-tuning batches (logits only where a target counts, fewer on SFT rows): 5,228 tok/s
# use_deterministic_algorithms(True) changes no CPU kernel this model uses; two runs with OpenBLAS on 2 threads
# ended with bitwise-equal weights (it splits matrices between threads, never a sum), but weights made with
# another thread count or CPU kernel differ in the last bits, so the thread counts are part of the recipe.
# At ~3,900 / ~5,000 tok/s: pre-training 4,500 steps (9.2M slots) ~ 39 min, tuning 3,000 steps ~ 21 min, with
# ~1.5 min of validation; with data, tokenising and export the pipeline is ~70 min, ~90 min if the machine runs
# 1.5x slower (its measured drift). Other busy processes on the machine slow it 1.5-2.5x: run it alone.
# Peak learning rate: 400-step trial schedules at 1.5e-3 and 3e-3 were equal within 0.3% of validation loss;
# 2e-3 sits between them.

SEED = 1234
SEQ_LEN = 128  # T; also max_position_embeddings: the model is not trained beyond it
BATCH = 16  # B rows a step: 2,048 token slots
SHAPE = dict(hidden_size=192, intermediate_size=512, num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=4,
             rms_norm_eps=1e-5, rope_theta=10000.0, tie_word_embeddings=True)
STAGES = {
    "pretrain": dict(steps=4500, lr=2e-3, min_lr=2e-4, warmup=200, weight_decay=0.1, lm_rows=BATCH,
                     eval_every=500, eval_rows=256),
    "sft": dict(steps=3000, lr=1e-3, min_lr=1e-4, warmup=100, weight_decay=0.1, lm_rows=3,  # 3 of 16 rows: ~20% text
                eval_every=250, eval_rows=256),
}
THREADS, BLAS_THREADS = 1, 2  # torch's own, OpenBLAS's (measured fastest; see above)
BETAS = (0.9, 0.95)
GRAD_CLIP = 1.0
LOG_EVERY = 10  # steps between train-loss log lines
SAVE_EVERY_S = 300  # seconds between state saves (when they happen does not change the result)
PACK_POOL = 64  # open rows a document may go into: rows 97.7% full on the corpus, 79% with one open row


# ---------------------------------------------------------------------------------------------------------
# Data: token files from train/tokenize.ts, packed into rows.

class Split:
    """One tokenised split: ids (uint16), document offsets (uint32, n+1) and for SFT a per-token loss flag."""

    def __init__(self, tokens_dir, name):
        base = os.path.join(tokens_dir, name)
        self.name = name
        self.ids = np.fromfile(base + ".u16", dtype="<u2")
        self.docs = np.fromfile(base + ".docs.u32", dtype="<u4").astype(np.int64)
        self.loss = np.fromfile(base + ".loss.u8", dtype=np.uint8) if os.path.exists(base + ".loss.u8") else None
        if self.docs[-1] != len(self.ids):
            raise ValueError(f"{base}: document offsets do not match the tokens; run train/tokenize.ts again")

    def pieces(self, T, split_long):
        """(start, end) of each document; longer than T: cut into T-sized pieces, or dropped (SFT)."""
        out, dropped = [], 0
        for s, e in zip(self.docs[:-1].tolist(), self.docs[1:].tolist()):
            if e - s <= T:
                out.append((s, e))
            elif split_long:
                out.extend((p, min(p + T, e)) for p in range(s, e, T))
            else:
                dropped += 1
        return out, dropped


def pack(pieces, T, order):
    """Places pieces (in `order`) into rows of T tokens: each goes into the first of up to PACK_POOL open rows
    with room; with none, the fullest open row is closed. Returns rows as lists of piece indices."""
    open_rows, rows = [], []  # open row: [room, [piece indices]]
    for i in order.tolist():
        n = pieces[i][1] - pieces[i][0]
        for r in open_rows:
            if r[0] >= n:
                r[0] -= n
                r[1].append(i)
                if r[0] < 4:  # nothing fits any more
                    open_rows.remove(r)
                    rows.append(r[1])
                break
        else:
            if len(open_rows) == PACK_POOL:
                full = min(open_rows, key=lambda r: r[0])
                open_rows.remove(full)
                rows.append(full[1])
            open_rows.append([T - n, [i]])
    rows.extend(r[1] for r in open_rows)
    return rows


class RowStream:
    """An endless, seeded sequence of packed rows over a split: epoch e packs a permutation of the pieces
    drawn from seed (seed, e). Row k of the stream is the same whatever happened before (resumable)."""

    def __init__(self, split, T, seed, shuffle=True):
        self.split, self.T, self.seed, self.shuffle = split, T, seed, shuffle
        self.pieces, self.dropped = split.pieces(T, split_long=split.loss is None)
        self._epoch, self._rows, self._first = -1, None, 0  # cached epoch, its rows, index of its first row

    def _epoch_rows(self, e):
        if self.shuffle:
            order = np.random.default_rng([self.seed, e]).permutation(len(self.pieces))
        else:
            order = np.arange(len(self.pieces))
        return pack(self.pieces, self.T, order)

    def rows(self, start, count):
        """Rows start..start+count-1 of the stream, as lists of pieces."""
        out = []
        k = start
        while len(out) < count:
            if self._rows is None or k < self._first:
                self._epoch, self._rows, self._first = 0, self._epoch_rows(0), 0
            while k >= self._first + len(self._rows):
                self._first += len(self._rows)
                self._epoch += 1
                self._rows = self._epoch_rows(self._epoch)
            out.append([self.pieces[i] for i in self._rows[k - self._first]])
            k += 1
        return out

    @property
    def epoch(self):
        return self._epoch


def collate(rows, split, T, pad_id):
    """Rows of pieces -> input ids, positions, segments (B, T) and target ids / target weights (B, T-1).
    A target counts when it lies in the same piece as its input (never across documents) and, for SFT
    data, when it is a response token."""
    B = len(rows)
    ids = np.full((B, T), pad_id, dtype=np.int64)
    pos = np.zeros((B, T), dtype=np.int64)
    seg = np.zeros((B, T), dtype=np.int64)  # 0: padding (attends to padding only; never a target)
    train = np.zeros((B, T), dtype=bool)  # the token may be predicted
    for b, row in enumerate(rows):
        t = 0
        for j, (s, e) in enumerate(row):
            n = e - s
            ids[b, t:t + n] = split.ids[s:e]
            pos[b, t:t + n] = np.arange(n)
            seg[b, t:t + n] = j + 1
            train[b, t:t + n] = True if split.loss is None else split.loss[s:e].astype(bool)
            t += n
    same = (seg[:, 1:] == seg[:, :-1]) & (seg[:, 1:] != 0)
    weight = (same & train[:, 1:]).astype(np.float32)
    t = torch.from_numpy
    return t(ids), t(pos), t(seg), t(ids[:, 1:].copy()), t(weight)


def batch_loss(model, batch):
    """Sum of cross-entropy over the counted targets, and their number."""
    ids, pos, seg, tgt, w = batch
    at = torch.zeros(ids.shape, dtype=torch.bool)
    at[:, :-1] = w > 0  # position t predicts token t+1
    logits = model(ids, position_ids=pos, segment_ids=seg, logits_at=at)  # (N, V)
    return F.cross_entropy(logits, tgt[w > 0], reduction="sum"), w.sum()


class Batches:
    """Batch k of a stage: `lm_rows` rows of corpus text (loss on every token) and BATCH - lm_rows rows of
    instruction examples (loss on response tokens), each stream read at its own offset, so batch k is a
    function of k alone."""

    def __init__(self, stage, tokens_dir, lm_rows, pad_id, seq_len=SEQ_LEN, batch=BATCH):
        self.n_lm, self.n_sft, self.T, self.pad_id = lm_rows, batch - lm_rows, seq_len, pad_id
        self.lm_stream = RowStream(Split(tokens_dir, "corpus.train"), seq_len, seed=[SEED, 0 if stage == "pretrain" else 1])
        self.sft_stream = RowStream(Split(tokens_dir, "sft.train"), seq_len, seed=[SEED, 3]) if self.n_sft else None

    def batch(self, k):
        parts = [collate(self.lm_stream.rows(k * self.n_lm, self.n_lm), self.lm_stream.split, self.T, self.pad_id)] if self.n_lm else []
        if self.n_sft:
            parts.append(collate(self.sft_stream.rows(k * self.n_sft, self.n_sft), self.sft_stream.split, self.T, self.pad_id))
        return tuple(torch.cat(p) for p in zip(*parts))


# ---------------------------------------------------------------------------------------------------------
# Helpers: setup, schedule, progress, state files.

def set_blas_threads(n):
    """Debian's torch calls BLAS through libblas.so.3 (here OpenBLAS) without telling it torch's thread count:
    OpenBLAS starts one thread per CPU unless told otherwise. Returns the count it uses after, or None."""
    try:
        lib = ctypes.CDLL("libblas.so.3")
        lib.openblas_set_num_threads(n)
        return lib.openblas_get_num_threads()
    except (OSError, AttributeError):  # not OpenBLAS: it has its own setting (e.g. MKL follows torch)
        return None


def setup_torch(threads, blas_threads):
    torch.manual_seed(SEED)
    torch.set_num_threads(threads)
    set_blas_threads(blas_threads)
    if torch.get_num_interop_threads() != 1:
        torch.set_num_interop_threads(1)  # allowed once a process, before any parallel work
    # deterministic kernels; on CPU no op this model uses has another kernel, so it costs nothing
    torch.use_deterministic_algorithms(True)


def stage_inputs(meta, stage):
    """Hashes of the files a stage learns from. Pre-training reads only the corpus and the tokenizer, so new
    instruction data (sft.*) leaves a finished pre-training valid and only instruction tuning runs again."""
    inputs = meta.get("inputs") or {}
    return {k: v for k, v in inputs.items() if stage == "sft" or not k.startswith("sft.")}


def lr_at(step, h):
    """Linear warmup to lr, cosine decay to min_lr at the last step."""
    if step < h["warmup"]:
        return h["lr"] * (step + 1) / h["warmup"]
    progress = (step - h["warmup"]) / max(1, h["steps"] - h["warmup"])
    return h["min_lr"] + 0.5 * (h["lr"] - h["min_lr"]) * (1 + math.cos(math.pi * min(1.0, progress)))


def fmt_time(s):
    s = int(max(0, s))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


class Progress:
    """A one-line progress bar on a terminal (\\r), a plain line every 30 s otherwise (logs, CI)."""

    def __init__(self, label, total):
        self.label, self.total = label, total
        self.tty = sys.stderr.isatty()
        self.last = 0.0

    def update(self, done, elapsed, rate_done, rate_elapsed, extra=""):
        now = time.time()
        if not self.tty and now - self.last < 30 and done < self.total:
            return
        self.last = now
        frac = done / max(1, self.total)
        eta = (self.total - done) * rate_elapsed / max(1, rate_done)
        bar = "█" * int(frac * 24) + "░" * (24 - int(frac * 24))
        line = f"{self.label} {bar} {100 * frac:5.1f}% {done}/{self.total} | {extra} | {fmt_time(elapsed)} elapsed, ETA {fmt_time(eta)}"
        sys.stderr.write(("\r" + line + "\033[K") if self.tty else line + "\n")
        sys.stderr.flush()

    def close(self):
        if self.tty:
            sys.stderr.write("\n")


def save_state(path, state):
    tmp = path + ".tmp"
    torch.save(state, tmp)
    os.replace(tmp, path)  # a kill during the save leaves the previous state whole


def load_meta(work):
    path = os.path.join(work, "tokens", "meta.json")
    if not os.path.exists(path):
        sys.exit(f"{path}: not found; run `npx tsx train/tokenize.ts --work {work}` first")
    with open(path) as f:
        return json.load(f)


def make_shape(meta, shape=None, seq_len=SEQ_LEN):
    return LlamaShape(vocab_size=meta["vocabSize"], max_position_embeddings=seq_len, **(shape or SHAPE))


def make_optimizer(model, h):
    # weight decay on matrices only (embedding included), not on norm weights
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    rest = [p for n, p in model.named_parameters() if p.dim() < 2]
    return torch.optim.AdamW([{"params": decay, "weight_decay": h["weight_decay"]}, {"params": rest, "weight_decay": 0.0}],
                             lr=h["lr"], betas=BETAS, eps=1e-8)


@torch.no_grad()
def evaluate(model, stream, rows, pad_id):
    """Mean loss per counted target over the first `rows` rows (all rows of the split if None)."""
    model.eval()
    if rows is None:
        rows = len(stream._epoch_rows(0))
    total, count = 0.0, 0.0
    for k in range(0, rows, BATCH):
        batch = collate(stream.rows(k, min(BATCH, rows - k)), stream.split, stream.T, pad_id)
        s, n = batch_loss(model, batch)
        total, count = total + s.item(), count + n.item()
    model.train()
    return total / max(1.0, count)


# ---------------------------------------------------------------------------------------------------------
# A training stage.

def run_stage(stage, args):
    work = args.work
    meta = load_meta(work)
    h = dict(STAGES[stage])
    if args.max_steps is not None:  # a short run (dry run, test) keeps the whole schedule, scaled down
        scale = args.max_steps / h["steps"]
        h.update(steps=args.max_steps, warmup=max(1, int(h["warmup"] * scale)),
                 eval_every=max(1, int(h["eval_every"] * scale)), eval_rows=min(h["eval_rows"], 4 * BATCH))
    if args.lr is not None:  # experiments: another peak learning rate, the floor kept at a tenth of it
        h.update(lr=args.lr, min_lr=args.lr / 10)
    setup_torch(args.threads, args.blas_threads)
    state_dir, log_dir = os.path.join(work, "state"), os.path.join(work, "logs")
    os.makedirs(state_dir, exist_ok=True)
    os.makedirs(log_dir, exist_ok=True)
    state_path, log_path = os.path.join(state_dir, f"{stage}.pt"), os.path.join(log_dir, f"{stage}.jsonl")

    tokens_dir = os.path.join(work, "tokens")
    pad_id = meta["special"]["pad"]
    shape = make_shape(meta)
    model = LlamaForCausalLM(shape)
    optimizer = make_optimizer(model, h)
    step, elapsed, tokens_seen = 0, 0.0, 0

    data_id = stage_inputs(meta, stage)  # hashes of the data this stage's token ids were made from
    state = torch.load(state_path) if os.path.exists(state_path) else None
    if state is not None and state.get("data") != data_id:
        print(f"{stage}: {state_path} was trained on other data than {tokens_dir} holds now; {stage} starts again")
        state = None
    if state is not None:
        if state["done"]:
            print(f"{stage}: done already ({state['step']} steps; {state_path})")
            return
        if state["hparams"] != h or state["shape"] != shape.to_dict():
            sys.exit(f"{state_path}: saved with other settings; delete it to start {stage} again")
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        torch.set_rng_state(state["rng"])
        step, elapsed, tokens_seen = state["step"], state["elapsed"], state["tokens"]
        print(f"{stage}: resuming at step {step}/{h['steps']}")
        keep_log_until(log_path, step)
    else:
        if stage == "sft":
            base_path = os.path.join(state_dir, "pretrain.pt")
            base = torch.load(base_path) if os.path.exists(base_path) else None
            if base is None or not base["done"]:
                sys.exit(f"sft: {base_path} is missing or unfinished; run `train.py pretrain` first")
            if base.get("data") != stage_inputs(meta, "pretrain"):
                sys.exit(f"sft: {base_path} was trained on other data than {tokens_dir} holds now; run pretrain again")
            model.load_state_dict(base["model"])
        if os.path.exists(log_path):
            os.remove(log_path)

    data = Batches(stage, tokens_dir, h["lm_rows"], pad_id)
    if data.sft_stream is not None and data.sft_stream.dropped:
        print(f"sft: {data.sft_stream.dropped} examples longer than {SEQ_LEN} tokens left out")
    lm_stream, sft_stream = data.lm_stream, data.sft_stream
    lm_valid = RowStream(Split(tokens_dir, "corpus.valid"), SEQ_LEN, seed=[SEED, 2], shuffle=False)
    sft_valid = RowStream(Split(tokens_dir, "sft.valid"), SEQ_LEN, seed=[SEED, 4], shuffle=False) if stage == "sft" else None

    def evals(rows):
        """Validation losses over the first `rows` rows of each validation stream (None: all of them)."""
        nonlocal eval_s
        t = time.time()
        out = {"val_loss": evaluate(model, lm_valid, rows, pad_id)}
        if sft_valid is not None:
            out["val_sft_loss"] = evaluate(model, sft_valid, rows, pad_id)
        eval_s += time.time() - t
        return out

    params = model.num_parameters()
    print(f"{stage}: {params:,} parameters, {h['steps']} steps of {BATCH}x{SEQ_LEN} tokens, "
          f"threads {torch.get_num_threads()} (BLAS {set_blas_threads(args.blas_threads)})")
    log = open(log_path, "a")
    progress = Progress(stage, h["steps"])
    t0 = time.time() - elapsed
    last_save = time.time()
    start_step, start_time = step, time.time()
    eval_s = 0.0  # seconds spent in validation since start_time (left out of the training rate)
    window = []  # (loss sum, count) of the steps since the last log line

    def state_dict(done, final=None):
        return {"stage": stage, "step": step, "done": done, "hparams": h, "shape": shape.to_dict(), "model": model.state_dict(),
                "optimizer": optimizer.state_dict(), "rng": torch.get_rng_state(), "elapsed": time.time() - t0,
                "tokens": tokens_seen, "params": params, "final": final, "data": data_id}

    # Ctrl-C / SIGTERM: finish the step under way, save, stop (a step cut in half could not be resumed exactly)
    stop = []
    previous = {sig: signal.signal(sig, lambda signum, frame: stop.append(signum)) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while step < h["steps"]:
            lr = lr_at(step, h)
            for g in optimizer.param_groups:
                g["lr"] = lr
            batch = data.batch(step)
            s, n = batch_loss(model, batch)
            loss = s / n.clamp(min=1)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), GRAD_CLIP)
            optimizer.step()
            step += 1
            tokens_seen += int((batch[2] != 0).sum())  # real (non-padding) tokens
            window.append((s.item(), n.item()))
            now = time.time()
            rate = (step - start_step) * BATCH * SEQ_LEN / max(1e-9, now - start_time - eval_s)
            if step % LOG_EVERY == 0 or step == h["steps"]:
                train_loss = sum(a for a, _ in window) / max(1.0, sum(b for _, b in window))
                window = []
                log.write(json.dumps({"step": step, "loss": round(train_loss, 5), "lr": lr, "tokens": tokens_seen,
                                      "elapsed_s": round(now - t0, 1), "tok_per_s": round(rate)}) + "\n")
                log.flush()
                progress.loss = train_loss
            if step % h["eval_every"] == 0 and step < h["steps"]:
                ev = evals(h["eval_rows"])
                log.write(json.dumps({"step": step, "eval": True, **{k: round(v, 5) for k, v in ev.items()}}) + "\n")
                log.flush()
                progress.val = ev["val_loss"]
            extra = f"loss {progress.loss:.3f}" if hasattr(progress, "loss") else "loss …"
            if hasattr(progress, "val"):
                extra += f" val {progress.val:.3f}"
            progress.update(step, now - t0, step - start_step, now - start_time, f"{extra} | {rate:,.0f} tok/s")
            if now - last_save > SAVE_EVERY_S:
                save_state(state_path, state_dict(False))
                last_save = time.time()
            if (stop or (args.stop_after is not None and step >= args.stop_after)) and step < h["steps"]:
                progress.close()
                log.close()
                save_state(state_path, state_dict(False))
                print(f"{stage}: stopped after step {step}; state saved to {state_path}, run again to resume")
                if stop:
                    sys.exit(130)
                return
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    progress.close()

    # the end of the stage: full validation, last log line, final state
    final = evals(None)
    with open(log_path) as f:
        recent = [json.loads(l) for l in f if '"loss"' in l][-10:]
    final["train_loss"] = sum(r["loss"] for r in recent) / max(1, len(recent))
    final["epochs"] = {"corpus": lm_stream.epoch}
    if sft_stream is not None:
        final["epochs"]["sft"] = sft_stream.epoch
    log.write(json.dumps({"step": step, "eval": True, "final": True, **{k: (round(v, 5) if isinstance(v, float) else v) for k, v in final.items()}}) + "\n")
    log.close()
    save_state(state_path, state_dict(True, final))
    print(f"{stage}: done in {fmt_time(time.time() - t0)}; train loss {final['train_loss']:.4f}, validation loss {final['val_loss']:.4f}"
          + (f", SFT validation loss {final['val_sft_loss']:.4f}" if "val_sft_loss" in final else ""))


def keep_log_until(path, step):
    """After a resume the log may hold lines past the saved step: drop them, they will be written again."""
    if not os.path.exists(path):
        return
    with open(path) as f:
        lines = [l for l in f if json.loads(l)["step"] <= step]
    with open(path, "w") as f:
        f.writelines(lines)


# ---------------------------------------------------------------------------------------------------------
# Export: an HF checkpoint folder, reference logits for the engine-agreement test, a model card.

GREEDY_STEPS = 12


@torch.no_grad()
def reference_logits(model, prompts, eos_id):
    """For each prompt: PyTorch's float32 logits after it, and its greedy continuation (no cache, stopping
    after EOS as the engine does) with the margin between the best and second-best logit at each step
    (where the engine may differ on near-ties)."""
    out = []
    for p in prompts:
        ids = list(p["ids"])
        logits = model(torch.tensor([ids]))[0, -1]
        greedy, margins = [], []
        row = logits
        for _ in range(GREEDY_STEPS):
            if len(ids) >= model.shape.max_position_embeddings:
                break
            top = row.topk(2)
            greedy.append(int(top.indices[0]))
            margins.append(round(float(top.values[0] - top.values[1]), 6))
            ids.append(greedy[-1])
            if greedy[-1] == eos_id:
                break
            row = model(torch.tensor([ids]))[0, -1]
        out.append({"name": p["name"], "chat": p["chat"], "text": p["text"], "ids": p["ids"],
                    "logits": [round(float(x), 5) for x in logits], "logsumexp": round(float(torch.logsumexp(logits, 0)), 6),
                    "greedy": greedy, "margins": margins})
    return out


def model_card(name, stage, state, meta, base_name):
    s = state["shape"]
    h = state["hparams"]
    f = state["final"]
    counts = meta["counts"]
    if stage == "pretrain":
        what = ("The base model of the pair: a small Llama pre-trained with next-token prediction on English prose "
                "rendered from WordNet 3.1. It continues text; it was never shown an instruction.")
    else:
        families = sorted(meta.get("sftFamilies", {}))
        what = (f"The instruction-tuned sibling of `{base_name}`: that model fine-tuned on instruction/answer pairs "
                f"generated from WordNet in {len(families)} task families ({', '.join(families)}), with "
                "pre-training text mixed in.")
    lines = [
        f"# {name}",
        "",
        what,
        "",
        "Made by `npm run train:models` (`train/` in the Instruction Lens repository, PyTorch) as the embedded default "
        "pair that Instruction Lens compares. A small research model, not an assistant: what it knows is roughly "
        "what WordNet's glosses say.",
        "",
        "## Model",
        "",
        "| | |",
        "|---|---|",
        "| architecture | `LlamaForCausalLM` (RMSNorm, RoPE, SwiGLU, tied input/output embeddings) |",
        f"| hidden size / layers / heads / kv heads | {s['hidden_size']} / {s['num_hidden_layers']} / {s['num_attention_heads']} / {s['num_key_value_heads']} |",
        f"| feed-forward size | {s['intermediate_size']} |",
        f"| vocabulary | {s['vocab_size']} (byte-level BPE trained on the corpus) |",
        f"| context | {s['max_position_embeddings']} tokens (the training length) |",
        f"| parameters | {state['params']:,} |",
        "| weights | float32, `model.safetensors` |",
        "",
        "## Training",
        "",
        "| | |",
        "|---|---|",
        f"| data | {'corpus: ' + format(counts['corpus.train']['tokens'], ',') + ' tokens in ' + format(counts['corpus.train']['documents'], ',') + ' documents (one per synset), every synset whose offset is divisible by 20 held out' if stage == 'pretrain' else 'instructions: ' + format(counts['sft.train']['documents'], ',') + ' examples (' + format(counts['sft.train']['lossTokens'], ',') + ' response tokens); ' + str(h['lm_rows']) + ' of every ' + str(BATCH) + ' rows pre-training text'} |",
        f"| steps | {state['step']:,} of {BATCH} x {SEQ_LEN} tokens (documents packed, attention kept within each) |",
        f"| tokens seen | {state['tokens']:,} |",
        f"| optimizer | AdamW (betas {BETAS[0]}, {BETAS[1]}; weight decay {h['weight_decay']}), lr {h['lr']} with {h['warmup']} warmup steps and cosine decay to {h['min_lr']}, gradient clipping {GRAD_CLIP} |",
        f"| loss | {'next token, every token' if stage == 'pretrain' else 'response tokens (answer + end-of-sequence) of the instruction rows, every token of the text rows'} |",
        f"| final train loss | {f['train_loss']:.4f} (mean of the last 100 steps) |",
        f"| validation loss (held-out corpus) | {f['val_loss']:.4f} |",
    ]
    if "val_sft_loss" in f:
        lines.append(f"| validation loss (held-out instructions, response tokens) | {f['val_sft_loss']:.4f} |")
    lines += [
        f"| training time | {fmt_time(state['elapsed'])} on 2 vCPUs, one thread |",
        f"| seed | {SEED} |",
        "",
        "The loss curve is `train/.work/logs/" + stage + ".jsonl` after a run. `reference_logits.json` holds PyTorch's "
        "logits for three fixed prompts; the project's tests check that its own engine computes the same.",
        "",
    ]
    if stage == "sft":
        lines += ["## Prompt format", "",
                  "The chat template in `tokenizer_config.json`: `<|bos|><|user|>\\n{instruction}\\n<|assistant|>\\n`, "
                  "the answer ends with `<|eos|>`.", ""]
    return "\n".join(lines)


def export(args):
    meta = load_meta(args.work)
    state_path = os.path.join(args.work, "state", f"{args.stage}.pt")
    if not os.path.exists(state_path):
        sys.exit(f"{state_path}: not found; run `train.py {args.stage}` first")
    state = torch.load(state_path)
    if not state["done"]:
        sys.exit(f"{state_path}: the stage is not finished; run `train.py {args.stage}` again")
    setup_torch(THREADS, BLAS_THREADS)
    model = LlamaForCausalLM(LlamaShape(**state["shape"]))
    model.load_state_dict(state["model"])
    model.eval()
    with open(os.path.join(args.work, "tokens", "reference_prompts.json")) as f:
        prompts = json.load(f)
    name = os.path.basename(os.path.normpath(args.out))
    if os.path.isdir(args.out):
        shutil.rmtree(args.out)
    hf_io.save_checkpoint(args.out, model, os.path.join(args.work, "tokenizer"), meta["special"],
                          readme=model_card(name, args.stage, state, meta, args.base_name),
                          extra_files={"reference_logits.json": reference_logits(model, prompts, meta["special"]["eos"])})
    # read back: the folder must reproduce the trained model exactly
    shape, tensors = hf_io.load_checkpoint(args.out)
    again = LlamaForCausalLM(shape)
    again.load_hf_state_dict(tensors)
    x = torch.tensor([prompts[0]["ids"]])
    with torch.no_grad():
        assert torch.equal(again(x), model(x)), "the exported checkpoint does not reproduce the model"
    print(f"export: {args.stage} -> {args.out} ({state['params']:,} parameters)")


# ---------------------------------------------------------------------------------------------------------
# Bench: tokens/s of training steps on the real data, to choose the shape and step counts.

def bench(args):
    meta = load_meta(args.work)
    setup_torch(args.threads, args.blas_threads)
    shape_kw = dict(SHAPE)
    if args.shape:
        d, layers, ff, heads = (int(x) for x in args.shape.split(","))
        shape_kw.update(hidden_size=d, num_hidden_layers=layers, intermediate_size=ff, num_attention_heads=heads, num_key_value_heads=heads)
    model = LlamaForCausalLM(make_shape(meta, shape_kw, args.seq_len))
    h = dict(STAGES[args.bench_stage])
    optimizer = make_optimizer(model, h)
    lm_rows = args.batch if args.bench_stage == "pretrain" else round(h["lm_rows"] * args.batch / BATCH)
    data = Batches(args.bench_stage, os.path.join(args.work, "tokens"), lm_rows, meta["special"]["pad"], args.seq_len, args.batch)
    step, t_start, measured = 0, None, 0
    while True:
        if step == 3:  # the first steps warm up allocators and caches
            t_start, busy_start, own_start = time.time(), cpu_busy_s(), sum(os.times()[:2])
        batch = data.batch(step)
        s, n = batch_loss(model, batch)
        optimizer.zero_grad(set_to_none=True)
        (s / n).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), GRAD_CLIP)
        optimizer.step()
        step += 1
        if t_start is not None:
            measured += args.batch * args.seq_len
            if time.time() - t_start >= args.seconds:
                break
    dt = time.time() - t_start
    others = (cpu_busy_s() - busy_start - (sum(os.times()[:2]) - own_start)) / dt
    real = float((batch[2] != 0).float().mean())
    print(json.dumps({"stage": args.bench_stage, "shape": args.shape or "default", "params": model.num_parameters(), "threads": args.threads,
                      "blas_threads": args.blas_threads, "seq_len": args.seq_len, "batch": args.batch, "steps": step - 3, "seconds": round(dt, 1),
                      "tok_per_s": round(measured / dt), "step_s": round(dt / (step - 3), 4), "fill": round(real, 4),
                      "loss": round(float(s / n), 3),
                      "other_processes_cpus": round(others, 2)}))


def cpu_busy_s():
    """Seconds of CPU time all processes on the machine have used (from /proc/stat), to see contention."""
    with open("/proc/stat") as f:
        user, nice, system, idle, iowait, irq, softirq, steal = (int(x) for x in f.readline().split()[1:9])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("command", choices=["pretrain", "sft", "export", "bench"])
    ap.add_argument("--work", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), ".work"))
    ap.add_argument("--threads", type=int, default=THREADS, help="torch's threads")
    ap.add_argument("--blas-threads", type=int, default=BLAS_THREADS, help="OpenBLAS's threads")
    ap.add_argument("--max-steps", type=int, default=None, help="a short run: this many steps, the schedule scaled to them")
    ap.add_argument("--lr", type=float, default=None, help="another peak learning rate (experiments)")
    ap.add_argument("--stop-after", type=int, default=None, help="save the state after this step and stop (tests resuming)")
    ap.add_argument("--stage", choices=["pretrain", "sft"], help="export: which stage's final model")
    ap.add_argument("--out", help="export: the checkpoint folder to write")
    ap.add_argument("--base-name", default="wordnet-base", help="export: the base model's name, for the tuned model's card")
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--seq-len", type=int, default=SEQ_LEN)
    ap.add_argument("--batch", type=int, default=BATCH)
    ap.add_argument("--shape", help="bench: D,LAYERS,FF,HEADS")
    ap.add_argument("--bench-stage", choices=["pretrain", "sft"], default="pretrain", help="bench: which stage's batches")
    args = ap.parse_args()
    if args.command == "export":
        if not args.stage or not args.out:
            ap.error("export needs --stage and --out")
        export(args)
    elif args.command == "bench":
        bench(args)
    else:
        run_stage(args.command, args)


if __name__ == "__main__":
    main()
