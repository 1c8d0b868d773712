"""A Llama causal language model in plain PyTorch whose parameter names and arithmetic are Hugging Face's
`LlamaForCausalLM` (transformers' modeling_llama.py), so a state dict saved from it is an ordinary HF
checkpoint. It is the trainer's model, not a general implementation: no KV cache, no rope scaling, no
biases, no dropout.

What is the same as HF: RMSNorm computed in float32 (`weight * (x * rsqrt(mean(x^2) + eps))`), rotary
embeddings with `rotate_half` and `inv_freq = 1 / theta^(arange(0, Dh, 2) / Dh)` taken at `position_ids`,
grouped-query attention (query head j reads kv head j // (H / Hkv)), softmax in float32 scaled by
1/sqrt(Dh), SwiGLU MLP `down(silu(gate(x)) * up(x))`, final norm, `lm_head` (or the tied embedding).
What is added for training: `segment_ids` turn the causal mask block-diagonal, so several documents
packed into one row attend only within themselves (HF reaches the same with a 4-D attention mask and
per-document `position_ids`); each document then computes exactly what it would alone.

Shape letters: B batch, T tokens, D hidden size, H query heads, K kv heads, Dh head size, F ff size, V vocab.
"""
import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class LlamaShape:
    vocab_size: int
    hidden_size: int
    intermediate_size: int
    num_hidden_layers: int
    num_attention_heads: int
    num_key_value_heads: int
    max_position_embeddings: int
    rms_norm_eps: float = 1e-5
    rope_theta: float = 10000.0
    tie_word_embeddings: bool = True
    initializer_range: float = 0.02

    @property
    def head_dim(self):
        return self.hidden_size // self.num_attention_heads

    def to_dict(self):
        return asdict(self)


class LlamaRMSNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.variance_epsilon = eps

    def forward(self, x):
        dtype = x.dtype
        x = x.to(torch.float32)
        x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.variance_epsilon)
        return self.weight * x.to(dtype)


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


class LlamaRotaryEmbedding(nn.Module):
    """cos/sin tables for positions 0..max_positions-1; indexing them equals HF's per-call
    `inv_freq @ position_ids` (one float32 product per entry either way)."""

    def __init__(self, head_dim, max_positions, theta):
        super().__init__()
        inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.int64).float() / head_dim))
        freqs = torch.outer(torch.arange(max_positions, dtype=torch.int64).float(), inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)  # (P, Dh)
        self.register_buffer("cos_table", emb.cos(), persistent=False)
        self.register_buffer("sin_table", emb.sin(), persistent=False)

    def forward(self, position_ids):
        # (B, T) -> (B, 1, T, Dh), broadcast over heads
        return self.cos_table[position_ids].unsqueeze(1), self.sin_table[position_ids].unsqueeze(1)


class LlamaAttention(nn.Module):
    def __init__(self, s: LlamaShape):
        super().__init__()
        self.h, self.k, self.dh = s.num_attention_heads, s.num_key_value_heads, s.head_dim
        self.q_proj = nn.Linear(s.hidden_size, self.h * self.dh, bias=False)
        self.k_proj = nn.Linear(s.hidden_size, self.k * self.dh, bias=False)
        self.v_proj = nn.Linear(s.hidden_size, self.k * self.dh, bias=False)
        self.o_proj = nn.Linear(self.h * self.dh, s.hidden_size, bias=False)

    def forward(self, x, cos, sin, mask):
        B, T, _ = x.shape
        # one matmul for q, k and v: the same numbers as three, fewer small BLAS calls on this CPU
        w = torch.cat((self.q_proj.weight, self.k_proj.weight, self.v_proj.weight), 0)
        q, k, v = F.linear(x, w).split((self.h * self.dh, self.k * self.dh, self.k * self.dh), -1)
        q = q.view(B, T, self.h, self.dh).transpose(1, 2)  # (B, H, T, Dh)
        k = k.view(B, T, self.k, self.dh).transpose(1, 2)  # (B, K, T, Dh)
        v = v.view(B, T, self.k, self.dh).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if self.k != self.h:  # HF repeat_kv
            k = k.repeat_interleave(self.h // self.k, dim=1)
            v = v.repeat_interleave(self.h // self.k, dim=1)
        att = (q @ k.transpose(2, 3)) / math.sqrt(self.dh) + mask  # (B, H, T, T)
        att = att.softmax(-1, dtype=torch.float32).to(q.dtype)
        o = (att @ v).transpose(1, 2).reshape(B, T, self.h * self.dh)
        return self.o_proj(o)


class LlamaMLP(nn.Module):
    def __init__(self, s: LlamaShape):
        super().__init__()
        self.gate_proj = nn.Linear(s.hidden_size, s.intermediate_size, bias=False)
        self.up_proj = nn.Linear(s.hidden_size, s.intermediate_size, bias=False)
        self.down_proj = nn.Linear(s.intermediate_size, s.hidden_size, bias=False)

    def forward(self, x):
        g, u = F.linear(x, torch.cat((self.gate_proj.weight, self.up_proj.weight), 0)).chunk(2, -1)
        return self.down_proj(F.silu(g) * u)


class LlamaDecoderLayer(nn.Module):
    def __init__(self, s: LlamaShape):
        super().__init__()
        self.self_attn = LlamaAttention(s)
        self.mlp = LlamaMLP(s)
        self.input_layernorm = LlamaRMSNorm(s.hidden_size, s.rms_norm_eps)
        self.post_attention_layernorm = LlamaRMSNorm(s.hidden_size, s.rms_norm_eps)

    def forward(self, h, cos, sin, mask):
        h = h + self.self_attn(self.input_layernorm(h), cos, sin, mask)
        return h + self.mlp(self.post_attention_layernorm(h))


class LlamaModel(nn.Module):
    def __init__(self, s: LlamaShape):
        super().__init__()
        self.embed_tokens = nn.Embedding(s.vocab_size, s.hidden_size)
        self.layers = nn.ModuleList(LlamaDecoderLayer(s) for _ in range(s.num_hidden_layers))
        self.norm = LlamaRMSNorm(s.hidden_size, s.rms_norm_eps)
        self.rotary_emb = LlamaRotaryEmbedding(s.head_dim, s.max_position_embeddings, s.rope_theta)


class LlamaForCausalLM(nn.Module):
    def __init__(self, s: LlamaShape):
        super().__init__()
        self.shape = s
        self.model = LlamaModel(s)
        self.lm_head = nn.Linear(s.hidden_size, s.vocab_size, bias=False)
        self.reset_parameters()
        if s.tie_word_embeddings:
            self.lm_head.weight = self.model.embed_tokens.weight

    def reset_parameters(self):
        # HF's _init_weights: normal(0, initializer_range) for every Linear and Embedding, norms at one. The
        # projections that write into the residual stream get std / sqrt(2 * layers) (GPT-2 / nanoGPT), so
        # the stream's variance does not grow with depth at the start.
        std = self.shape.initializer_range
        for name, p in self.named_parameters():
            if name.endswith("layernorm.weight") or name == "model.norm.weight":
                nn.init.ones_(p)
            elif name.endswith(("o_proj.weight", "down_proj.weight")):
                nn.init.normal_(p, 0.0, std / math.sqrt(2 * self.shape.num_hidden_layers))
            else:
                nn.init.normal_(p, 0.0, std)

    def hf_state_dict(self):
        """Tensors under their HF names; a tied lm_head is left out, as transformers' save_pretrained does."""
        sd = {k: v.detach() for k, v in self.state_dict().items()}
        if self.shape.tie_word_embeddings:
            sd.pop("lm_head.weight", None)
        return sd

    def load_hf_state_dict(self, tensors):
        missing = set(self.hf_state_dict()) - set(tensors)
        if missing:
            raise ValueError(f"checkpoint lacks tensors: {sorted(missing)}")
        with torch.no_grad():
            for name, p in self.state_dict().items():
                if name in tensors:
                    p.copy_(tensors[name].to(p.dtype).reshape(p.shape))

    def num_parameters(self):
        return sum(p.numel() for p in self.parameters())  # a tied matrix counts once

    def forward(self, input_ids, position_ids=None, segment_ids=None, logits_at=None):
        """input_ids (B, T) -> logits (B, T, V). Without position_ids positions are 0..T-1; without
        segment_ids the mask is plain causal. logits_at (B, T) bool: logits (N, V) of those positions only
        (training needs no logits where no target counts, and the output matrix is a third of the work)."""
        B, T = input_ids.shape
        if position_ids is None:
            position_ids = torch.arange(T).expand(B, T)
        allowed = torch.ones(T, T, dtype=torch.bool).tril()  # (T, T)
        if segment_ids is not None:
            allowed = allowed & (segment_ids[:, :, None] == segment_ids[:, None, :])  # (B, T, T)
        else:
            allowed = allowed.expand(B, T, T)
        mask = torch.zeros(B, 1, T, T).masked_fill_(~allowed.unsqueeze(1), float("-inf"))  # (B, 1, T, T)
        cos, sin = self.model.rotary_emb(position_ids)
        h = self.model.embed_tokens(input_ids)  # (B, T, D)
        for layer in self.model.layers:
            h = layer(h, cos, sin, mask)
        if logits_at is not None:
            h = h[logits_at]  # (N, D)
        return self.lm_head(self.model.norm(h))  # (B, T, V) or (N, V)
