"""The trainer's own checks (PyTorch; run with Debian's python: `/usr/bin/python3 -m unittest discover -s
test/train -p 'test_*.py'`; train/run.sh runs them before training). They check train/model.py against the
independent reference forward in bench/torch/reference_llama.py, the safetensors writer against its reader,
that packing documents into rows changes nothing about each document's logits, that packing places every
document once, and that a stage stopped and resumed ends with the same weights as one run straight through.
"""
import json
import os
import struct
import sys
import tempfile
import unittest
from types import SimpleNamespace

import numpy as np
import torch

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "train"))
sys.path.insert(0, os.path.join(ROOT, "bench", "torch"))

import hf_io  # noqa: E402
import train  # noqa: E402
from model import LlamaForCausalLM, LlamaShape  # noqa: E402
from reference_llama import load_llama  # noqa: E402


def tiny_shape(**kw):
    base = dict(vocab_size=50, hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4,
                num_key_value_heads=2, max_position_embeddings=32, rope_theta=500.0, tie_word_embeddings=False)
    base.update(kw)
    return LlamaShape(**base)


def random_model(shape, seed=0):
    torch.manual_seed(seed)
    m = LlamaForCausalLM(shape)
    with torch.no_grad():  # norms away from 1 so that their weights are exercised
        for n, p in m.named_parameters():
            if n.endswith("norm.weight"):
                p.uniform_(0.5, 1.5)
    return m.eval()


class ModelAgainstReference(unittest.TestCase):
    def check(self, shape):
        m = random_model(shape)
        ids = [3, 17, 5, 42, 8, 8, 1, 30, 29]
        with tempfile.TemporaryDirectory() as d, tempfile.TemporaryDirectory() as tok:
            for name in ("tokenizer.json", "tokenizer_config.json"):
                with open(os.path.join(tok, name), "w") as f:
                    f.write("{}")
            hf_io.save_checkpoint(d, m, tok, {"bos": 0, "eos": 1, "pad": 2})
            ref = load_llama(d)
            with open(os.path.join(d, "config.json")) as f:
                cfg = json.load(f)
        with torch.no_grad():
            got = m(torch.tensor([ids]))[0]
            want = ref(ref.embed[torch.tensor(ids)])
        self.assertLess(float((got - want).abs().max()), 1e-5)
        self.assertEqual(cfg["architectures"], ["LlamaForCausalLM"])
        self.assertEqual(cfg["tie_word_embeddings"], shape.tie_word_embeddings)

    def test_gqa_untied(self):
        self.check(tiny_shape())

    def test_tied(self):
        self.check(tiny_shape(tie_word_embeddings=True, num_key_value_heads=4))


class Safetensors(unittest.TestCase):
    def test_round_trip_and_layout(self):
        tensors = {"b.w": torch.randn(3, 5), "a.h": torch.randn(7).half(), "c.bf": torch.randn(2, 2).bfloat16()}
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "x.safetensors")
            hf_io.write_safetensors(path, tensors)
            back = hf_io.read_safetensors(path)
            with open(path, "rb") as f:
                raw = f.read()
        for k, v in tensors.items():
            self.assertEqual(back[k].dtype, v.dtype)
            self.assertTrue(torch.equal(back[k], v))
        (n,) = struct.unpack("<Q", raw[:8])
        self.assertEqual(n % 8, 0)
        header = json.loads(raw[8:8 + n])
        self.assertEqual(header["__metadata__"], {"format": "pt"})
        self.assertEqual(header["b.w"]["dtype"], "F32")
        self.assertEqual(sum(h["data_offsets"][1] - h["data_offsets"][0] for k, h in header.items() if k != "__metadata__"), len(raw) - 8 - n)


class Packing(unittest.TestCase):
    def test_packed_documents_compute_as_alone(self):
        m = random_model(tiny_shape())
        docs = [[0, 5, 9, 11, 1], [0, 7, 7, 3, 12, 40, 1], [0, 22, 1]]
        ids = sum(docs, []) + [2, 2]  # two padding tokens
        seg = sum(([j + 1] * len(d) for j, d in enumerate(docs)), []) + [0, 0]
        pos = sum((list(range(len(d))) for d in docs), []) + [0, 0]
        with torch.no_grad():
            packed = m(torch.tensor([ids]), position_ids=torch.tensor([pos]), segment_ids=torch.tensor([seg]))[0]
            t = 0
            for d in docs:
                alone = m(torch.tensor([d]))[0]
                self.assertLess(float((packed[t:t + len(d)] - alone).abs().max()), 1e-5)
                t += len(d)

    def test_every_piece_once_and_rows_fit(self):
        rng = np.random.default_rng(0)
        lengths = rng.integers(1, 60, size=3000)
        pieces = list(zip(np.cumsum(lengths) - lengths, np.cumsum(lengths)))
        order = rng.permutation(len(pieces))
        rows = train.pack(pieces, 64, order)
        self.assertEqual(sorted(i for r in rows for i in r), list(range(len(pieces))))
        self.assertTrue(all(sum(lengths[i] for i in r) <= 64 for r in rows))
        self.assertEqual(rows, train.pack(pieces, 64, order))
        self.assertGreater(lengths.sum() / (64 * len(rows)), 0.95)


def write_tokens(work, vocab=40, seed=0):
    """A tiny tokenised work folder: random documents (BOS ... EOS) and SFT examples with loss flags."""
    rng = np.random.default_rng(seed)
    tok = os.path.join(work, "tokens")
    os.makedirs(tok)

    def docs(n, sft):
        ids, starts, loss = [], [], []
        for _ in range(n):
            starts.append(len(ids))
            body = rng.integers(5, vocab, size=int(rng.integers(3, 30))).tolist()
            ids += [0] + body + [1]
            if sft:
                k = len(body) // 2
                loss += [0] * (1 + k) + [1] * (len(body) - k + 1)
        starts.append(len(ids))
        return ids, starts, loss

    for name, n, sft in [("corpus.train", 400, False), ("corpus.valid", 40, False), ("sft.train", 300, True), ("sft.valid", 30, True)]:
        ids, starts, loss = docs(n, sft)
        np.array(ids, dtype="<u2").tofile(os.path.join(tok, name + ".u16"))
        np.array(starts, dtype="<u4").tofile(os.path.join(tok, name + ".docs.u32"))
        if sft:
            np.array(loss, dtype=np.uint8).tofile(os.path.join(tok, name + ".loss.u8"))
    with open(os.path.join(tok, "meta.json"), "w") as f:
        json.dump({"vocabSize": vocab, "special": {"bos": 0, "eos": 1, "pad": 4}, "counts": {}}, f)


class Resume(unittest.TestCase):
    def setUp(self):
        self.saved = (dict(train.SHAPE), {k: dict(v) for k, v in train.STAGES.items()})
        train.SHAPE.update(hidden_size=16, intermediate_size=24, num_hidden_layers=1, num_attention_heads=2, num_key_value_heads=2)
        for h in train.STAGES.values():
            h.update(steps=6, warmup=2, eval_every=3, eval_rows=16)

    def tearDown(self):
        train.SHAPE.clear()
        train.SHAPE.update(self.saved[0])
        train.STAGES.clear()
        train.STAGES.update(self.saved[1])

    def run_stages(self, work, stop_after=None):
        for stage in ("pretrain", "sft"):
            args = SimpleNamespace(work=work, threads=1, blas_threads=1, max_steps=None, stop_after=None, lr=None)
            if stop_after is not None:
                train.run_stage(stage, SimpleNamespace(**{**vars(args), "stop_after": stop_after}))
            train.run_stage(stage, args)
        return torch.load(os.path.join(work, "state", "sft.pt"))

    def test_stopped_and_resumed_equals_straight(self):
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            write_tokens(a)
            write_tokens(b)
            straight = self.run_stages(a)
            resumed = self.run_stages(b, stop_after=4)
            self.assertTrue(straight["done"] and resumed["done"])
            for k, v in straight["model"].items():
                self.assertTrue(torch.equal(v, resumed["model"][k]), k)
            with open(os.path.join(b, "logs", "pretrain.jsonl")) as f:
                log = [json.loads(l) for l in f]
            self.assertEqual([r["step"] for r in log if "loss" in r], [6])  # LOG_EVERY=10: only the last step
            self.assertTrue(log[-1].get("final"))

    def test_new_instruction_data_tunes_again_on_the_same_pretraining(self):
        with tempfile.TemporaryDirectory() as a:
            write_tokens(a)
            meta_path = os.path.join(a, "tokens", "meta.json")

            def set_inputs(**inputs):
                with open(meta_path) as f:
                    meta = json.load(f)
                meta["inputs"] = inputs
                with open(meta_path, "w") as f:
                    json.dump(meta, f)

            set_inputs(**{"corpus.train.txt": "c1", "sft.train.jsonl": "s1"})
            first = self.run_stages(a)
            pretrained = torch.load(os.path.join(a, "state", "pretrain.pt"))
            set_inputs(**{"corpus.train.txt": "c1", "sft.train.jsonl": "s2"})
            again = self.run_stages(a)  # same token ids, new hash: tuning runs again from the kept pre-training
            self.assertEqual(again["data"], {"corpus.train.txt": "c1", "sft.train.jsonl": "s2"})
            self.assertEqual(torch.load(os.path.join(a, "state", "pretrain.pt"))["elapsed"], pretrained["elapsed"])
            for k, v in first["model"].items():
                self.assertTrue(torch.equal(v, again["model"][k]), k)
            set_inputs(**{"corpus.train.txt": "c2", "sft.train.jsonl": "s2"})
            train.run_stage("pretrain", SimpleNamespace(work=a, threads=1, blas_threads=1, max_steps=None, stop_after=None, lr=None))
            self.assertEqual(torch.load(os.path.join(a, "state", "pretrain.pt"))["data"], {"corpus.train.txt": "c2"})


if __name__ == "__main__":
    unittest.main()
