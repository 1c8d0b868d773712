"""Reference Llama in plain PyTorch (benchmark peer; no `transformers`).

Loads a Hugging Face llama checkpoint folder (config.json + model.safetensors, F32/F16/BF16 widened
to float32) and runs the forward pass with HF semantics: RMSNorm in float32, RoPE (rotate_half,
inv_freq = 1/theta^(arange(0,d,2)/d)), grouped-query attention, causal softmax scaled by
1/sqrt(head_dim), SwiGLU MLP. `forward` takes input embeddings so gradients w.r.t. them can be taken.
"""
import json
import math
import os
import struct

import torch
import torch.nn.functional as F

_DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}


def read_safetensors(path):
    """Parses a .safetensors file by hand: u64 LE header length, JSON header, raw little-endian bytes."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        raw = bytearray(data[base + start:base + end])  # writable copy, so frombuffer does not warn
        t = torch.frombuffer(raw, dtype=_DTYPES[info["dtype"]]) if raw else torch.empty(0, dtype=_DTYPES[info["dtype"]])
        out[name] = t.reshape(info["shape"]).to(torch.float32)
    return out


def rms_norm(x, w, eps):
    x32 = x.to(torch.promote_types(x.dtype, torch.float32))  # float32 (or float64 in the self-check)
    return (x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + eps)) * w


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


class Llama(torch.nn.Module):
    def __init__(self, cfg, weights):
        super().__init__()
        self.cfg = cfg
        self.d = cfg["hidden_size"]
        self.n_heads = cfg["num_attention_heads"]
        self.n_kv = cfg.get("num_key_value_heads") or self.n_heads
        self.head_dim = cfg.get("head_dim") or self.d // self.n_heads
        self.eps = cfg.get("rms_norm_eps", 1e-6)
        self.theta = cfg.get("rope_theta", 10000.0)
        self.n_layers = cfg["num_hidden_layers"]
        tied = cfg.get("tie_word_embeddings", False) or "lm_head.weight" not in weights
        # Parameters keep requires_grad=True (as in the paper's code): weight gradients are computed too.
        self.params = torch.nn.ParameterDict({k.replace(".", "/"): torch.nn.Parameter(v) for k, v in weights.items()})
        self.lm_head_name = "model.embed_tokens.weight" if tied else "lm_head.weight"

    def w(self, name):
        return self.params[name.replace(".", "/")]

    @property
    def embed(self):
        return self.w("model.embed_tokens.weight")

    def rope(self, T, dtype):
        inv_freq = 1.0 / (self.theta ** (torch.arange(0, self.head_dim, 2, dtype=torch.int64).float() / self.head_dim))
        freqs = torch.outer(torch.arange(T, dtype=torch.float32), inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        return emb.cos().to(dtype), emb.sin().to(dtype)

    def forward(self, inputs_embeds):
        """inputs_embeds: [T, d] (single sequence). Returns logits [T, vocab]."""
        T = inputs_embeds.shape[0]
        cos, sin = self.rope(T, inputs_embeds.dtype)
        mask = torch.full((T, T), float("-inf"), dtype=inputs_embeds.dtype).triu(1)
        rep = self.n_heads // self.n_kv
        h = inputs_embeds
        for i in range(self.n_layers):
            p = f"model.layers.{i}."
            x = rms_norm(h, self.w(p + "input_layernorm.weight"), self.eps)
            q = (x @ self.w(p + "self_attn.q_proj.weight").T).view(T, self.n_heads, self.head_dim).transpose(0, 1)
            k = (x @ self.w(p + "self_attn.k_proj.weight").T).view(T, self.n_kv, self.head_dim).transpose(0, 1)
            v = (x @ self.w(p + "self_attn.v_proj.weight").T).view(T, self.n_kv, self.head_dim).transpose(0, 1)
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
            k = k.repeat_interleave(rep, dim=0)  # GQA: query head j uses kv head j // rep
            v = v.repeat_interleave(rep, dim=0)
            att = (q @ k.transpose(-1, -2)) / math.sqrt(self.head_dim) + mask
            o = (att.softmax(-1) @ v).transpose(0, 1).reshape(T, self.n_heads * self.head_dim)
            h = h + o @ self.w(p + "self_attn.o_proj.weight").T
            x = rms_norm(h, self.w(p + "post_attention_layernorm.weight"), self.eps)
            g = x @ self.w(p + "mlp.gate_proj.weight").T
            u = x @ self.w(p + "mlp.up_proj.weight").T
            h = h + (F.silu(g) * u) @ self.w(p + "mlp.down_proj.weight").T
        h = rms_norm(h, self.w("model.norm.weight"), self.eps)
        return h @ self.w(self.lm_head_name).T


def load_llama(folder):
    with open(os.path.join(folder, "config.json")) as f:
        cfg = json.load(f)
    return Llama(cfg, read_safetensors(os.path.join(folder, "model.safetensors")))
