// Checks the random checkpoint writer: the folder holds what a Hugging Face checkpoint holds, config.json
// parses to the returned config, every tensor reads back (with a reader written here, not src/model's)
// bit for bit as the returned values, the shard index is consistent, and the seed decides everything.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/arch';
import {
  writeRandomCheckpoint,
  type RandomCheckpoint,
  type RandomCheckpointOptions,
} from '../helpers/randomCheckpoint';
import { fromBf16Bits, fromF16Bits, roundTo } from '../helpers/safetensorsWriter';

const root = mkdtempSync(join(tmpdir(), 'random-checkpoint-'));
after(() => rmSync(root, { recursive: true, force: true }));
let count = 0;
const checkpoint = (o: RandomCheckpointOptions) => writeRandomCheckpoint(join(root, `ck${count++}`), o);

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** A minimal safetensors reader: name -> (dtype, shape, values). */
function readSafetensors(path: string): Map<string, { dtype: string; shape: number[]; values: Float64Array }> {
  const buf = readFileSync(path);
  const len = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + len).toString('utf8')) as Record<
    string,
    HeaderEntry | Record<string, string>
  >;
  const base = 8 + len;
  const out = new Map<string, { dtype: string; shape: number[]; values: Float64Array }>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const {
      dtype,
      shape,
      data_offsets: [begin, end],
    } = entry as HeaderEntry;
    const size = dtype === 'F32' ? 4 : 2;
    const values = new Float64Array((end - begin) / size);
    for (let i = 0; i < values.length; i++) {
      const at = base + begin + i * size;
      values[i] =
        dtype === 'F32'
          ? buf.readFloatLE(at)
          : dtype === 'F16'
            ? fromF16Bits(buf.readUInt16LE(at))
            : fromBf16Bits(buf.readUInt16LE(at));
    }
    out.set(name, { dtype, shape, values });
  }
  return out;
}

function readAll(ck: RandomCheckpoint) {
  const all = new Map<string, { dtype: string; shape: number[]; values: Float64Array; file: string }>();
  for (const file of ck.files)
    for (const [name, t] of readSafetensors(join(ck.dir, file))) all.set(name, { ...t, file });
  return all;
}

function assertReadsBack(ck: RandomCheckpoint, dtype: string) {
  const stored = readAll(ck);
  assert.deepEqual([...stored.keys()].sort(), [...ck.weights.keys()].sort());
  for (const [name, values] of ck.weights) {
    const t = stored.get(name)!;
    assert.equal(t.dtype, dtype, name);
    assert.deepEqual(t.shape, ck.shapes.get(name), name);
    assert.equal(t.values.length, values.length, name);
    for (let i = 0; i < values.length; i++) {
      if (!Object.is(t.values[i], values[i]))
        assert.fail(`${name}[${i}]: stored ${t.values[i]}, returned ${values[i]}`);
    }
  }
}

test('each family and dtype: HF files, config.json parsed to the returned config, tensors read back exactly', () => {
  for (const family of ['llama', 'mistral', 'qwen2', 'gpt2'] as const) {
    for (const dtype of ['F32', 'F16', 'BF16'] as const) {
      const ck = checkpoint({ family, dtype, numKvHeads: family === 'gpt2' ? undefined : 2, seed: 31 });
      for (const file of [
        'config.json',
        'generation_config.json',
        'tokenizer.json',
        'tokenizer_config.json',
        'model.safetensors',
      ]) {
        assert.ok(existsSync(join(ck.dir, file)), `${family} ${dtype}: ${file}`);
      }
      const onDisk = JSON.parse(readFileSync(join(ck.dir, 'config.json'), 'utf8'));
      assert.deepEqual(onDisk, ck.configJson);
      const parsed = parseConfig(onDisk);
      assert.ok(parsed.ok);
      assert.deepEqual(parsed.value, ck.config);
      assert.equal(onDisk.torch_dtype, { F32: 'float32', F16: 'float16', BF16: 'bfloat16' }[dtype]);
      assertReadsBack(ck, dtype);
      for (const values of ck.weights.values()) for (const v of values) assert.equal(roundTo(dtype, v), v);
    }
  }
});

test('config.json fields per family, as transformers writes them', () => {
  const llama = checkpoint({
    family: 'llama',
    numKvHeads: 2,
    attentionBias: true,
    ropeTheta: 500000,
    seed: 32,
  }).configJson;
  assert.deepEqual(llama.architectures, ['LlamaForCausalLM']);
  assert.equal(llama.model_type, 'llama');
  assert.equal(llama.num_key_value_heads, 2);
  assert.equal(llama.attention_bias, true);
  assert.equal(llama.rope_theta, 500000);
  assert.equal(llama.rope_scaling, null);
  assert.equal(llama.tie_word_embeddings, false);
  assert.equal(llama.hidden_act, 'silu');

  const qwen = checkpoint({ family: 'qwen2', seed: 32 });
  assert.deepEqual(qwen.configJson.architectures, ['Qwen2ForCausalLM']);
  assert.equal(qwen.configJson.use_sliding_window, false);
  assert.equal(qwen.config.attentionBias, true);
  assert.equal(qwen.config.slidingWindow, null);
  assert.ok(qwen.weights.has('model.layers.1.self_attn.k_proj.bias'));
  assert.ok(!qwen.weights.has('model.layers.1.self_attn.o_proj.bias'));

  const mistral = checkpoint({ family: 'mistral', slidingWindow: 4, seed: 32 });
  assert.deepEqual(mistral.configJson.architectures, ['MistralForCausalLM']);
  assert.equal(mistral.configJson.sliding_window, 4);
  assert.equal(mistral.config.slidingWindow, 4);
  assert.ok(!mistral.weights.has('model.layers.0.self_attn.q_proj.bias'));

  const gpt2 = checkpoint({
    family: 'gpt2',
    intermediateSize: 48,
    hiddenSize: 16,
    numHeads: 2,
    maxPositions: 32,
    seed: 32,
  });
  const g = gpt2.configJson;
  assert.deepEqual(g.architectures, ['GPT2LMHeadModel']);
  assert.deepEqual([g.n_embd, g.n_layer, g.n_head, g.n_positions, g.n_inner], [16, 2, 2, 32, 48]);
  assert.equal(g.activation_function, 'gelu_new');
  assert.equal(g.layer_norm_epsilon, 1e-5);
  assert.equal('tie_word_embeddings' in g, false, 'tied is the default and is not written');
  assert.equal(gpt2.config.intermediateSize, 48);
  assert.equal(checkpoint({ family: 'gpt2', hiddenSize: 16, numHeads: 2, seed: 32 }).configJson.n_inner, null);

  const scaled = checkpoint({
    family: 'llama',
    ropeScaling: { type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 64 },
    seed: 32,
  });
  assert.deepEqual(scaled.configJson.rope_scaling, {
    factor: 8,
    high_freq_factor: 4,
    low_freq_factor: 1,
    original_max_position_embeddings: 64,
    rope_type: 'llama3',
  });
  const linear = checkpoint({ family: 'llama', ropeScaling: { type: 'linear', factor: 2 }, seed: 32 });
  assert.deepEqual(linear.config.ropeScaling, { type: 'linear', factor: 2 });
});

test('HF names and shapes: nn.Linear (out, in) for the llama family, Conv1D (in, out) for gpt2', () => {
  const llama = checkpoint({
    family: 'llama',
    hiddenSize: 32,
    numHeads: 4,
    numKvHeads: 2,
    intermediateSize: 40,
    seed: 33,
  });
  const V = llama.config.vocabSize;
  const s = (ck: RandomCheckpoint, n: string) => ck.shapes.get(n);
  assert.deepEqual(s(llama, 'model.embed_tokens.weight'), [V, 32]);
  assert.deepEqual(s(llama, 'model.layers.0.self_attn.q_proj.weight'), [32, 32]);
  assert.deepEqual(s(llama, 'model.layers.0.self_attn.k_proj.weight'), [16, 32]);
  assert.deepEqual(s(llama, 'model.layers.0.self_attn.v_proj.weight'), [16, 32]);
  assert.deepEqual(s(llama, 'model.layers.0.self_attn.o_proj.weight'), [32, 32]);
  assert.deepEqual(s(llama, 'model.layers.1.mlp.gate_proj.weight'), [40, 32]);
  assert.deepEqual(s(llama, 'model.layers.1.mlp.up_proj.weight'), [40, 32]);
  assert.deepEqual(s(llama, 'model.layers.1.mlp.down_proj.weight'), [32, 40]);
  assert.deepEqual(s(llama, 'model.layers.1.input_layernorm.weight'), [32]);
  assert.deepEqual(s(llama, 'model.layers.1.post_attention_layernorm.weight'), [32]);
  assert.deepEqual(s(llama, 'model.norm.weight'), [32]);
  assert.deepEqual(s(llama, 'lm_head.weight'), [V, 32]);
  assert.equal(checkpoint({ family: 'llama', tie: true, seed: 33 }).weights.has('lm_head.weight'), false);

  const gpt2 = checkpoint({ family: 'gpt2', hiddenSize: 16, numHeads: 2, maxPositions: 24, seed: 33 });
  assert.deepEqual(s(gpt2, 'wte.weight'), [gpt2.config.vocabSize, 16]);
  assert.deepEqual(s(gpt2, 'wpe.weight'), [24, 16]);
  assert.deepEqual(s(gpt2, 'h.0.attn.c_attn.weight'), [16, 48]);
  assert.deepEqual(s(gpt2, 'h.0.attn.c_attn.bias'), [48]);
  assert.deepEqual(s(gpt2, 'h.0.attn.c_proj.weight'), [16, 16]);
  assert.deepEqual(s(gpt2, 'h.1.mlp.c_fc.weight'), [16, 64]);
  assert.deepEqual(s(gpt2, 'h.1.mlp.c_proj.weight'), [64, 16]);
  assert.deepEqual(s(gpt2, 'ln_f.bias'), [16]);
  assert.equal(gpt2.weights.has('lm_head.weight'), false);
  const old = checkpoint({
    family: 'gpt2',
    hiddenSize: 16,
    numHeads: 2,
    maxPositions: 8,
    prefix: true,
    gpt2MaskBuffers: true,
    seed: 33,
  });
  assert.deepEqual(s(old, 'transformer.h.0.attn.bias'), [1, 1, 8, 8]);
  const mask = old.weights.get('transformer.h.0.attn.bias')!;
  assert.equal(mask[1 * 8 + 0], 1);
  assert.equal(mask[0 * 8 + 1], 0);
});

test('sharded: two files and an index whose weight_map and total_size match the files', () => {
  for (const dtype of ['F32', 'BF16'] as const) {
    const ck = checkpoint({ family: 'llama', dtype, shard: true, seed: 34 });
    assert.deepEqual(ck.files, ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);
    assert.equal(existsSync(join(ck.dir, 'model.safetensors')), false);
    const index = JSON.parse(readFileSync(join(ck.dir, 'model.safetensors.index.json'), 'utf8'));
    const stored = readAll(ck);
    assert.deepEqual(Object.keys(index.weight_map).sort(), [...ck.weights.keys()].sort());
    for (const [name, file] of Object.entries(index.weight_map)) assert.equal(stored.get(name)!.file, file, name);
    const bytes = [...ck.weights.values()].reduce((s, v) => s + v.length * (dtype === 'F32' ? 4 : 2), 0);
    assert.equal(index.metadata.total_size, bytes);
    for (const file of ck.files)
      assert.ok(
        [...stored.values()].some((t) => t.file === file),
        `${file} holds a tensor`,
      );
    assertReadsBack(ck, dtype);
  }
});

test('the vocab is the tokenizer vocab rounded up; the seed decides every value', () => {
  const a = checkpoint({ family: 'qwen2', seed: 35 });
  assert.equal(a.config.vocabSize % 8, 0);
  assert.ok(a.config.vocabSize >= a.tokenizer.vocabSize && a.config.vocabSize < a.tokenizer.vocabSize + 8);
  assert.equal(a.config.bosTokenId, a.tokenizer.bosId);
  assert.deepEqual(a.config.eosTokenIds, [a.tokenizer.eosId]);
  const fallback = checkpoint({ family: 'llama', tokenizer: 'byte-fallback', vocabMultiple: 64, seed: 35 });
  assert.equal(fallback.config.vocabSize % 64, 0);
  assert.equal(fallback.config.bosTokenId, 1);

  const b = checkpoint({ family: 'qwen2', seed: 35 });
  const c = checkpoint({ family: 'qwen2', seed: 36 });
  for (const [name, values] of a.weights) {
    assert.deepEqual(b.weights.get(name), values, name);
    assert.notDeepEqual(c.weights.get(name), values, name);
  }
});
