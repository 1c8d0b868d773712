"""Input->output attribution the way the paper's code computes it (PyTorch peer for bench/).

float32, parameters not frozen (weight gradients are computed too), one forward over prompt+response
embeddings (a leaf tensor), then per response token m: p = softmax(logits[pos_m - 1])[y_m],
p.backward(retain_graph=True), A[:, m] = (E.grad * E).sum(-1) over the prompt rows.

  run.sh attribution.py --model DIR --ids-json FILE --out FILE.json [--threads 2] [--repeat K]
  run.sh attribution.py --check     # autograd vs float64 central finite differences, tiny random model
Run through run.sh (tcmalloc preloaded); OMP_WAIT_POLICY=PASSIVE is set here before torch is imported.
Timing excludes model load and follows a warm-up; "seconds" = fastest of --repeat runs (this VM's speed
drifts a lot between runs). model.zero_grad() keeps torch 1.13's default (grads zero-filled, not None).
"""
import argparse
import ctypes
import json
import os
import sys
import tempfile
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # must precede `import torch`
import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_llama import load_llama  # noqa: E402
from make_random_llama import write_random_llama  # noqa: E402

DEFAULT_THREADS = 2  # torch + OpenBLAS threads; on the 2-vCPU box 2 beat 1 (about 9.5 s vs 13 s); --threads


def set_threads(n, blas=None):
    """torch.set_num_threads does not reach Debian's OpenBLAS (pthread build, its own pool sized to the
    cores): set both, or a '1-thread' run still multiplies matrices on 2 threads. Returns BLAS threads."""
    torch.set_num_threads(n)
    with open("/proc/self/maps") as f:
        libs = sorted({l.split()[-1] for l in f if "libopenblas" in l})
    if not libs:
        return None
    ob = ctypes.CDLL(libs[0])
    ob.openblas_set_num_threads(blas or n)
    return ob.openblas_get_num_threads()


def attribute(model, prompt_ids, response_ids, backward_limit=None):
    """Returns (probabilities [M], attribution [N][M] tensor, forward seconds).
    backward_limit: only the first k response tokens get a backward (the warm-up uses this)."""
    ids = torch.tensor(list(prompt_ids) + list(response_ids))
    N, M = len(prompt_ids), len(response_ids)
    t0 = time.perf_counter()
    E = model.embed[ids].detach().clone().requires_grad_(True)
    logits = model(E)
    forward_s = time.perf_counter() - t0
    probs, A = [], torch.zeros(N, M, dtype=E.dtype)
    for m in range(M if backward_limit is None else min(M, backward_limit)):
        p = logits[N + m - 1].softmax(-1)[response_ids[m]]
        model.zero_grad()
        E.grad = None
        p.backward(retain_graph=True)
        A[:, m] = (E.grad[:N] * E[:N]).sum(-1).detach()
        probs.append(p.item())
    return probs, A, forward_s


def finite_difference(model, prompt_ids, response_ids, eps=1e-4):
    """A[n,m] = d/de p_m(E with row n scaled by (1+e)) at e=0, float64 central differences."""
    model = model.double()
    ids = torch.tensor(list(prompt_ids) + list(response_ids))
    N, M = len(prompt_ids), len(response_ids)
    pos = torch.arange(N - 1, N + M - 1)
    with torch.no_grad():
        E = model.embed[ids].clone()

        def probs(Ex):
            return model(Ex)[pos].softmax(-1)[torch.arange(M), torch.tensor(response_ids)]

        A = torch.zeros(N, M, dtype=torch.float64)
        for n in range(N):
            Ep, Em = E.clone(), E.clone()
            Ep[n] *= 1 + eps
            Em[n] *= 1 - eps
            A[n] = (probs(Ep) - probs(Em)) / (2 * eps)
    return A


def self_check():
    gen = torch.Generator().manual_seed(1)
    with tempfile.TemporaryDirectory() as d:
        # std 0.3 so that probabilities and gradients are far from flat (a 0.02 model is near-uniform)
        write_random_llama(d, hidden=32, layers=2, heads=4, kv_heads=2, inter=64, vocab=50, std=0.3, seed=1)
        prompt = torch.randint(0, 50, (9,), generator=gen).tolist()
        resp = torch.randint(0, 50, (4,), generator=gen).tolist()
        probs, A, _ = attribute(load_llama(d), prompt, resp)
        B = finite_difference(load_llama(d), prompt, resp)
    A = A.double()
    col = B.abs().max(0).values
    rel_col = ((A - B).abs() / col).max().item()
    rel_elem = ((A - B).abs() / B.abs().clamp_min(1e-3 * col.max())).max().item()
    print(f"probabilities: {[round(p, 5) for p in probs]}")
    print(f"max |A| = {A.abs().max().item():.3e}; max error relative to column max: {rel_col:.2e}; "
          f"max elementwise relative error: {rel_elem:.2e}")
    ok = rel_col <= 1e-3
    print("self-check", "OK" if ok else "FAILED")
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model")
    ap.add_argument("--ids-json")
    ap.add_argument("--out")
    ap.add_argument("--threads", type=int, default=DEFAULT_THREADS)
    ap.add_argument("--blas-threads", type=int, help="OpenBLAS threads (default: --threads)")
    ap.add_argument("--repeat", type=int, default=1, help="timed runs; 'seconds' is the fastest")
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    blas_threads = set_threads(a.threads, a.blas_threads)
    if a.check:
        sys.exit(self_check())
    if not (a.model and a.ids_json and a.out):
        ap.error("--model, --ids-json and --out are required (or --check)")
    with open(a.ids_json) as f:
        ids = json.load(f)
    prompt, resp = ids["prompt_ids"], ids["response_ids"]
    model = load_llama(a.model)
    attribute(model, prompt, resp, backward_limit=2)  # warm-up: same shapes, one forward + two backwards
    runs = []
    for _ in range(max(1, a.repeat)):
        t0 = time.perf_counter()
        probs, A, forward_s = attribute(model, prompt, resp)
        runs.append((time.perf_counter() - t0, forward_s))
    seconds, forward_s = min(runs)
    out = {"seconds": seconds, "forward_seconds": forward_s, "probabilities": probs,
           "attribution": A.tolist(), "threads": torch.get_num_threads(), "blas_threads": blas_threads,
           "torch_version": torch.__version__, "seconds_all": [r[0] for r in runs]}
    with open(a.out, "w") as f:
        json.dump(out, f)
    print(f"seconds {seconds:.3f} (forward {forward_s:.3f}; all {[round(r[0], 2) for r in runs]}) "
          f"threads {out['threads']} blas {blas_threads} "
          f"N={len(prompt)} M={len(resp)} -> {a.out}")


if __name__ == "__main__":
    main()
