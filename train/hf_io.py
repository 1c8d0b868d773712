"""Hugging Face checkpoint folders, written and read without `transformers` or the `safetensors` package:
config.json as transformers writes a LlamaConfig, generation_config.json, model.safetensors (float32) and
the tokenizer files copied beside them.

safetensors layout: 8-byte little-endian header length N, N bytes of JSON header (padded with spaces to a
multiple of 8, so the data that follows is aligned), then the raw little-endian tensor bytes. The header
maps each name to {dtype, shape, data_offsets: [start, end)} relative to the data, plus
`__metadata__: {format: pt}` as torch's save_file writes.
"""
import json
import os
import shutil
import struct

import torch

_DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}
_NAMES = {v: k for k, v in _DTYPES.items()}


def write_safetensors(path, tensors, metadata=None):
    names = sorted(tensors)
    header, blobs, offset = {}, [], 0
    for name in names:
        t = tensors[name].detach().contiguous().cpu()
        if t.dtype not in _NAMES:
            raise ValueError(f"{name}: dtype {t.dtype} not supported")
        # numpy has no bfloat16: its bits travel as int16; '<' pins little-endian whatever the host
        blob = (t.view(torch.int16).numpy().astype("<i2") if t.dtype == torch.bfloat16 else t.numpy().astype(t.numpy().dtype.newbyteorder("<"))).tobytes()
        header[name] = {"dtype": _NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    header["__metadata__"] = {"format": "pt", **(metadata or {})}
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-len(raw) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for blob in blobs:
            f.write(blob)
    os.replace(tmp, path)


def read_safetensors(path):
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
        dtype = _DTYPES[info["dtype"]]
        t = torch.frombuffer(raw, dtype=dtype) if raw else torch.empty(0, dtype=dtype)
        out[name] = t.reshape(info["shape"])
    return out


def llama_config(shape, bos_token_id, eos_token_id, pad_token_id):
    """config.json as transformers' LlamaConfig.save_pretrained writes it (sorted keys, indent 2), less
    `transformers_version`: no transformers wrote this file."""
    return {
        "architectures": ["LlamaForCausalLM"],
        "attention_bias": False,
        "attention_dropout": 0.0,
        "bos_token_id": bos_token_id,
        "eos_token_id": eos_token_id,
        "head_dim": shape.head_dim,
        "hidden_act": "silu",
        "hidden_size": shape.hidden_size,
        "initializer_range": shape.initializer_range,
        "intermediate_size": shape.intermediate_size,
        "max_position_embeddings": shape.max_position_embeddings,
        "mlp_bias": False,
        "model_type": "llama",
        "num_attention_heads": shape.num_attention_heads,
        "num_hidden_layers": shape.num_hidden_layers,
        "num_key_value_heads": shape.num_key_value_heads,
        "pad_token_id": pad_token_id,
        "pretraining_tp": 1,
        "rms_norm_eps": shape.rms_norm_eps,
        "rope_scaling": None,
        "rope_theta": shape.rope_theta,
        "tie_word_embeddings": shape.tie_word_embeddings,
        "torch_dtype": "float32",
        "use_cache": True,
        "vocab_size": shape.vocab_size,
    }


def _write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def save_checkpoint(out_dir, model, tokenizer_dir, special_ids, readme=None, extra_files=None):
    """Writes an HF checkpoint folder. special_ids: {bos, eos, pad}. extra_files: {name: json-able}."""
    os.makedirs(out_dir, exist_ok=True)
    _write_json(os.path.join(out_dir, "config.json"), llama_config(model.shape, special_ids["bos"], special_ids["eos"], special_ids["pad"]))
    _write_json(os.path.join(out_dir, "generation_config.json"), {
        "_from_model_config": True,
        "bos_token_id": special_ids["bos"],
        "eos_token_id": special_ids["eos"],
        "pad_token_id": special_ids["pad"],
    })
    write_safetensors(os.path.join(out_dir, "model.safetensors"), {k: v.float() for k, v in model.hf_state_dict().items()})
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copyfile(os.path.join(tokenizer_dir, name), os.path.join(out_dir, name))
    for name, obj in (extra_files or {}).items():
        with open(os.path.join(out_dir, name), "w", encoding="utf-8") as f:
            f.write(json.dumps(obj, separators=(",", ":")) + "\n")
    if readme is not None:
        with open(os.path.join(out_dir, "README.md"), "w", encoding="utf-8") as f:
            f.write(readme)


def load_checkpoint(folder):
    """(LlamaShape, {name: tensor}) of an HF llama folder written by save_checkpoint (or transformers)."""
    from model import LlamaShape

    with open(os.path.join(folder, "config.json")) as f:
        cfg = json.load(f)
    shape = LlamaShape(
        vocab_size=cfg["vocab_size"],
        hidden_size=cfg["hidden_size"],
        intermediate_size=cfg["intermediate_size"],
        num_hidden_layers=cfg["num_hidden_layers"],
        num_attention_heads=cfg["num_attention_heads"],
        num_key_value_heads=cfg.get("num_key_value_heads") or cfg["num_attention_heads"],
        max_position_embeddings=cfg["max_position_embeddings"],
        rms_norm_eps=cfg.get("rms_norm_eps", 1e-6),
        rope_theta=cfg.get("rope_theta", 10000.0),
        tie_word_embeddings=cfg.get("tie_word_embeddings", False),
        initializer_range=cfg.get("initializer_range", 0.02),
    )
    return shape, read_safetensors(os.path.join(folder, "model.safetensors"))
