"""Writes a random Hugging Face llama checkpoint (config.json + float32 model.safetensors, by hand).

  /usr/bin/python3 make_random_llama.py OUT_DIR [--hidden 512 --layers 8 --heads 8 --kv-heads 4
      --inter 1536 --vocab 32000 --std 0.02 --tied] [--ids-json FILE --prompt 128 --response 32]
Weights ~ N(0, std); norm weights 1 + N(0, std). Optionally also writes a random ids JSON
({"prompt_ids": [...], "response_ids": [...]}) for attribution.py.
"""
import argparse
import json
import os
import struct

import torch


def write_safetensors(path, tensors):
    """tensors: name -> float32 tensor. Layout: u64 LE header length, JSON header, raw bytes."""
    header, blobs, off = {}, [], 0
    for name, t in tensors.items():
        b = t.detach().contiguous().to(torch.float32).numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)  # pad so tensor data is 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        for b in blobs:
            f.write(b)


def write_random_llama(out, hidden=512, layers=8, heads=8, kv_heads=4, inter=1536, vocab=32000,
                       std=0.02, tied=False, seed=0):
    g = torch.Generator().manual_seed(seed)
    hd = hidden // heads

    def rnd(*shape):
        return torch.randn(*shape, generator=g) * std

    w = {"model.embed_tokens.weight": rnd(vocab, hidden)}
    for i in range(layers):
        p = f"model.layers.{i}."
        w[p + "input_layernorm.weight"] = 1 + rnd(hidden)
        w[p + "self_attn.q_proj.weight"] = rnd(heads * hd, hidden)
        w[p + "self_attn.k_proj.weight"] = rnd(kv_heads * hd, hidden)
        w[p + "self_attn.v_proj.weight"] = rnd(kv_heads * hd, hidden)
        w[p + "self_attn.o_proj.weight"] = rnd(hidden, heads * hd)
        w[p + "post_attention_layernorm.weight"] = 1 + rnd(hidden)
        w[p + "mlp.gate_proj.weight"] = rnd(inter, hidden)
        w[p + "mlp.up_proj.weight"] = rnd(inter, hidden)
        w[p + "mlp.down_proj.weight"] = rnd(hidden, inter)
    w["model.norm.weight"] = 1 + rnd(hidden)
    if not tied:
        w["lm_head.weight"] = rnd(vocab, hidden)
    cfg = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": hidden,
           "num_hidden_layers": layers, "num_attention_heads": heads, "num_key_value_heads": kv_heads,
           "intermediate_size": inter, "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "vocab_size": vocab,
           "tie_word_embeddings": tied, "hidden_act": "silu", "torch_dtype": "float32"}
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    write_safetensors(os.path.join(out, "model.safetensors"), w)
    return sum(t.numel() for t in w.values())


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    for k, v in dict(hidden=512, layers=8, heads=8, kv_heads=4, inter=1536, vocab=32000, seed=0).items():
        ap.add_argument("--" + k.replace("_", "-"), type=int, default=v)
    ap.add_argument("--std", type=float, default=0.02)
    ap.add_argument("--tied", action="store_true")
    ap.add_argument("--ids-json")
    ap.add_argument("--prompt", type=int, default=128)
    ap.add_argument("--response", type=int, default=32)
    a = ap.parse_args()
    n = write_random_llama(a.out, a.hidden, a.layers, a.heads, a.kv_heads, a.inter, a.vocab, a.std, a.tied, a.seed)
    print(f"wrote {a.out}: {n / 1e6:.1f}M parameters")
    if a.ids_json:
        g = torch.Generator().manual_seed(a.seed + 1)
        ids = torch.randint(0, a.vocab, (a.prompt + a.response,), generator=g).tolist()
        with open(a.ids_json, "w") as f:
            json.dump({"prompt_ids": ids[:a.prompt], "response_ids": ids[a.prompt:]}, f)
