// Hugging Face names to llama.cpp's, and the q/k row order: the converter's permutation (written here from
// its reshape/swapaxes definition) undone by unpermutedRows gives back the Hugging Face rows.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ggufTensorName, unpermutedRows } from '../../src/gguf/tensorNames';

test('llama-layout names, with and without the model. prefix; unknown names have none', () => {
  const pairs: [string, string | undefined][] = [
    ['model.embed_tokens.weight', 'token_embd.weight'],
    ['norm.weight', 'output_norm.weight'],
    ['lm_head.weight', 'output.weight'],
    ['model.layers.0.input_layernorm.weight', 'blk.0.attn_norm.weight'],
    ['model.layers.11.post_attention_layernorm.weight', 'blk.11.ffn_norm.weight'],
    ['model.layers.3.self_attn.q_proj.weight', 'blk.3.attn_q.weight'],
    ['model.layers.3.self_attn.k_proj.bias', 'blk.3.attn_k.bias'],
    ['model.layers.3.self_attn.v_proj.weight', 'blk.3.attn_v.weight'],
    ['model.layers.3.self_attn.o_proj.weight', 'blk.3.attn_output.weight'],
    ['model.layers.3.self_attn.q_norm.weight', 'blk.3.attn_q_norm.weight'],
    ['model.layers.3.mlp.gate_proj.weight', 'blk.3.ffn_gate.weight'],
    ['model.layers.3.mlp.up_proj.weight', 'blk.3.ffn_up.weight'],
    ['model.layers.3.mlp.down_proj.weight', 'blk.3.ffn_down.weight'],
    ['model.layers.3.mlp.experts.0.down_proj.weight', undefined],
    ['model.rotary_emb.inv_freq', undefined],
  ];
  for (const [hf, gguf] of pairs) assert.equal(ggufTensorName(hf), gguf, hf);
});

test("the converter's q/k permutation, W.reshape(heads, 2, d/2, cols).swapaxes(1, 2), undone row by row", () => {
  for (const [heads, d] of [
    [1, 8],
    [4, 6],
    [2, 128],
  ] as const) {
    const rows = heads * d;
    // converter: gguf[h, i, s] = hf[h, s, i] in (heads, d/2, 2) order
    const ggufRowHolds = new Int32Array(rows); // the HF row each GGUF row holds
    for (let h = 0; h < heads; h++)
      for (let i = 0; i < d / 2; i++)
        for (let s = 0; s < 2; s++) ggufRowHolds[h * d + i * 2 + s] = h * d + s * (d / 2) + i;
    const order = unpermutedRows(rows, heads);
    for (let r = 0; r < rows; r++) assert.equal(ggufRowHolds[order[r]], r, `heads ${heads}, d ${d}, row ${r}`);
  }
  assert.deepEqual([...unpermutedRows(8, 1)], [0, 2, 4, 6, 1, 3, 5, 7]);
  assert.throws(() => unpermutedRows(12, 4), /not an even head size/);
});

test('hfTensorName inverts ggufTensorName on every llama-layout name', async () => {
  const { hfTensorName } = await import('../../src/gguf/tensorNames');
  for (const hf of [
    'model.embed_tokens.weight',
    'model.norm.weight',
    'lm_head.weight',
    'model.layers.7.input_layernorm.weight',
    'model.layers.7.post_attention_layernorm.weight',
    'model.layers.7.self_attn.q_proj.weight',
    'model.layers.7.self_attn.v_proj.bias',
    'model.layers.7.self_attn.o_proj.weight',
    'model.layers.7.self_attn.k_norm.weight',
    'model.layers.7.mlp.down_proj.weight',
  ]) {
    assert.equal(hfTensorName(ggufTensorName(hf)!), hf);
  }
  assert.equal(hfTensorName('rope_freqs.weight'), undefined);
  assert.equal(hfTensorName('blk.0.ffn_gate_exps.weight'), undefined);
});

test(
  "per family: Gemma's and OLMo 2's norms, Phi-3's fused projections, a mixture's stacked and " + 'single experts',
  async () => {
    const { hfTensorName, tensorNaming } = await import('../../src/gguf/tensorNames');
    const gemma = tensorNaming('gemma3_text');
    assert.equal(hfTensorName('blk.2.ffn_norm.weight', gemma), 'model.layers.2.pre_feedforward_layernorm.weight');
    assert.equal(
      hfTensorName('blk.2.post_attention_norm.weight', gemma),
      'model.layers.2.post_attention_layernorm.weight',
    );
    assert.equal(hfTensorName('blk.2.post_ffw_norm.weight', gemma), 'model.layers.2.post_feedforward_layernorm.weight');
    const olmo = tensorNaming('olmo2');
    assert.equal(
      hfTensorName('blk.0.post_attention_norm.weight', olmo),
      'model.layers.0.post_attention_layernorm.weight',
    );
    assert.equal(hfTensorName('blk.0.attn_norm.weight', olmo), undefined);
    const phi = tensorNaming('phi3');
    assert.equal(hfTensorName('blk.1.attn_qkv.weight', phi), 'model.layers.1.self_attn.qkv_proj.weight');
    assert.equal(hfTensorName('blk.1.ffn_up.weight', phi), 'model.layers.1.mlp.gate_up_proj.weight');
    assert.equal(ggufTensorName('model.layers.1.mlp.gate_up_proj.weight', phi), 'blk.1.ffn_up.weight');
    const qwen = tensorNaming('qwen3_moe');
    const stacked = hfTensorName('blk.3.ffn_down_exps.weight', qwen);
    assert.equal(typeof stacked, 'function');
    assert.equal((stacked as (e: number) => string)(5), 'model.layers.3.mlp.experts.5.down_proj.weight');
    assert.equal(hfTensorName('blk.3.ffn_gate_inp.weight', qwen), 'model.layers.3.mlp.gate.weight');
    assert.equal(ggufTensorName('model.layers.3.mlp.experts.5.up_proj.weight', qwen), 'blk.3.ffn_up_exps.weight');
    const mixtral = tensorNaming('mixtral');
    // early Mixtral files: one tensor per expert
    assert.equal(
      hfTensorName('blk.0.ffn_gate.7.weight', mixtral),
      'model.layers.0.block_sparse_moe.experts.7.w1.weight',
    );
    assert.equal(
      (hfTensorName('blk.0.ffn_up_exps.weight', mixtral) as (e: number) => string)(2),
      'model.layers.0.block_sparse_moe.experts.2.w3.weight',
    );
  },
);
