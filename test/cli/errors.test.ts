// Bad input through the CLI: each case gives one clear message with a hint on stderr, a non-zero exit,
// no stack trace, and no hang (every run has a timeout).
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeRandomCheckpoint } from '../helpers/randomCheckpoint';
import { writeSafetensors, type TensorToWrite } from '../helpers/safetensorsWriter';
import { runCli } from './cliRunner';

const root = mkdtempSync(join(tmpdir(), 'lens-cli-errors-'));
after(() => rmSync(root, { recursive: true, force: true }));

const good = writeRandomCheckpoint(join(root, 'good'), { family: 'llama', seed: 31, maxPositions: 16 });

/** A copy of the good checkpoint with one file changed or removed. */
function variant(name: string, change: (dir: string) => void): string {
  const dir = join(root, name);
  mkdirSync(dir);
  for (const f of ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'])
    copyFileSync(join(good.dir, f), join(dir, f));
  change(dir);
  return dir;
}

function expectError(args: string[], code: RegExp, what: RegExp): void {
  const run = runCli(args, 30_000);
  assert.notEqual(run.status, 0, `expected failure, got stdout: ${run.stdout}`);
  assert.notEqual(run.status, null, 'the CLI hung (timed out)');
  assert.match(run.stderr, /^error: .+\nhint: .+\n$/, `stderr: ${run.stderr}`);
  assert.doesNotMatch(run.stderr, /\n\s+at /, 'a stack trace leaked');
  assert.match(run.stderr, what);
  void code;
}

const explain = (dir: string, ...rest: string[]) => [
  'explain',
  '--model',
  dir,
  '--prompt',
  'Define apple.',
  '--max-new-tokens',
  '2',
  ...rest,
];

test('missing checkpoint folder', () => expectError(explain(join(root, 'nope')), /missing-file/, /no such directory/));

test('missing config.json', () =>
  expectError(
    explain(variant('no-config', (d) => rmSync(join(d, 'config.json')))),
    /missing-file/,
    /config\.json not found/,
  ));

test('missing weights', () =>
  expectError(
    explain(variant('no-weights', (d) => rmSync(join(d, 'model.safetensors')))),
    /missing-file/,
    /safetensors/,
  ));

test('missing tokenizer', () =>
  expectError(
    explain(variant('no-tokenizer', (d) => rmSync(join(d, 'tokenizer.json')))),
    /missing-file/,
    /tokenizer\.json/,
  ));

test('unsupported architecture names the supported ones', () =>
  expectError(
    explain(
      variant('mamba', (d) =>
        writeFileSync(
          join(d, 'config.json'),
          JSON.stringify({ model_type: 'mamba', architectures: ['MambaForCausalLM'] }),
        ),
      ),
    ),
    /unsupported-arch/,
    new RegExp(
      String.raw`"mamba" is not supported\nhint: Supported: llama, mistral, qwen2, qwen3, olmo2, phi3, mixtral, ` +
        String.raw`qwen3_moe, gemma2, gemma3_text, gemma3, gpt2 \(`,
    ),
  ));

function corruptHeader(name: string, edit: (header: Record<string, any>) => void): string {
  return variant(name, (d) => {
    const bytes = readFileSync(join(d, 'model.safetensors'));
    const len = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + len).toString());
    delete header.__metadata__; // frees room for the edit: the header keeps its length
    edit(header);
    let json = JSON.stringify(header);
    while (json.length < len) json += ' ';
    if (json.length > len) throw new Error('test header grew');
    writeFileSync(
      join(d, 'model.safetensors'),
      Buffer.concat([bytes.subarray(0, 8), Buffer.from(json), bytes.subarray(8 + len)]),
    );
  });
}

const firstTensor = (h: Record<string, any>) => h[Object.keys(h).find((k) => k !== '__metadata__')!];

test('corrupt safetensors: header length past the end of the file', () =>
  expectError(
    explain(
      variant('header-len', (d) => {
        const bytes = readFileSync(join(d, 'model.safetensors'));
        bytes.writeBigUInt64LE(BigInt(bytes.length + 10), 0);
        writeFileSync(join(d, 'model.safetensors'), bytes);
      }),
    ),
    /corrupt/,
    /model\.safetensors/,
  ));

test('corrupt safetensors: offsets out of range', () =>
  expectError(
    explain(corruptHeader('offsets', (h) => (firstTensor(h).data_offsets = [0, 1e12]))),
    /corrupt/,
    /model\.safetensors/,
  ));

test('corrupt safetensors: unknown dtype', () =>
  expectError(explain(corruptHeader('dtype', (h) => (firstTensor(h).dtype = 'Q4'))), /corrupt/, /Q4/));

test('corrupt safetensors: shape and size disagree', () =>
  expectError(
    explain(corruptHeader('shape', (h) => (firstTensor(h).shape = [3, 3, 3]))),
    /corrupt/,
    /model\.safetensors/,
  ));

test('prompt longer than max_position_embeddings', () =>
  expectError(
    ['explain', '--model', good.dir, '--prompt', 'word '.repeat(40)],
    /prompt-too-long/,
    /context is 16 \(max_position_embeddings\)/,
  ));

test('empty prompt', () =>
  expectError(['explain', '--model', good.dir, '--prompt', '   '], /empty-prompt/, /prompt is empty/));

test('empty prompt file', () => {
  const file = join(root, 'empty.txt');
  writeFileSync(file, '\n');
  expectError(['explain', '--model', good.dir, '--prompt-file', file], /empty-prompt/, /prompt is empty/);
});

test('--chat on a checkpoint without a chat template', () =>
  expectError(
    explain(
      variant('no-template', (d) => writeFileSync(join(d, 'tokenizer_config.json'), '{}')),
      '--chat',
    ),
    /no-chat-template/,
    /chat template|chat_template/i,
  ));

test('an --instruction that is not in the prompt', () =>
  expectError(
    ['explain', '--model', good.dir, '--prompt', 'Define apple.', '--instruction', 'Translate'],
    /bad-argument/,
    /"Translate" is not in the prompt/,
  ));

/** The good checkpoint with config.json edited. */
const editedConfig = (name: string, edit: (config: Record<string, unknown>) => void) =>
  variant(name, (d) => {
    const config = JSON.parse(readFileSync(join(d, 'config.json'), 'utf8'));
    edit(config);
    writeFileSync(join(d, 'config.json'), JSON.stringify(config));
  });

test(
  'a config whose sizes do not match the weights names the tensor, its shape and the expected ' +
    'one, for every command',
  () => {
    const D = good.config.hiddenSize;
    const V = good.config.vocabSize;
    const wrongWidth = editedConfig('wrong-hidden', (c) => (c.hidden_size = D + 16));
    const message = new RegExp(
      `tensor "model\\.embed_tokens\\.weight" has shape \\[${V}, ${D}\\], but config\\.json implies ` +
        `\\[${V}, ${D + 16}\\]: \\[${V} \\(vocab_size\\), ${D + 16} \\(hidden_size\\)\\]`,
    );
    expectError(explain(wrongWidth), /shape-mismatch/, message);
    expectError(['heads', '--model', wrongWidth], /shape-mismatch/, message);
    expectError(['concepts', '--model', wrongWidth], /shape-mismatch/, message);
  },
);

test('a wrong head count or feed-forward width is caught at the first tensor it shapes', () => {
  const kvHeads = editedConfig('wrong-kv', (c) => (c.num_key_value_heads = 1));
  expectError(
    explain(kvHeads),
    /shape-mismatch/,
    new RegExp(
      String.raw`"model\.layers\.0\.self_attn\.k_proj\.weight" has shape \[\d+, \d+\], but config\.json implies ` +
        String.raw`\[\d+, \d+\]: \[\d+ \(num_key_value_heads × head_dim\), \d+ \(hidden_size\)\]`,
    ),
  );
  const width = editedConfig('wrong-ffn', (c) => (c.intermediate_size = 7));
  expectError(
    explain(width),
    /shape-mismatch/,
    /"model\.layers\.0\.mlp\.gate_proj\.weight" has shape \[\d+, \d+\], but config\.json implies \[7, \d+\]/,
  );
});

test('a mixture whose experts are stacked into one tensor a layer is refused by name', () => {
  const moe = writeRandomCheckpoint(join(root, 'stacked-experts'), {
    family: 'qwen3_moe',
    numLayers: 1,
    experts: 2,
    moeIntermediateSize: 8,
    seed: 33,
  });
  // the layer's experts as transformers 5 holds them: gate and up of every expert in one [E, 2 I, D] tensor
  const tensors = new Map<string, TensorToWrite>();
  for (const [name, values] of moe.weights) {
    if (/\.experts\.\d+\./.test(name)) continue;
    tensors.set(name, { dtype: 'F32', shape: moe.shapes.get(name)!, data: values });
  }
  const D = moe.config.hiddenSize;
  tensors.set('model.layers.0.mlp.experts.gate_up_proj', {
    dtype: 'F32',
    shape: [2, 16, D],
    data: new Float64Array(2 * 16 * D),
  });
  tensors.set('model.layers.0.mlp.experts.down_proj', {
    dtype: 'F32',
    shape: [2, D, 8],
    data: new Float64Array(2 * D * 8),
  });
  writeSafetensors(join(moe.dir, 'model.safetensors'), tensors);
  expectError(
    explain(moe.dir),
    /unsupported-arch/,
    new RegExp(
      String.raw`experts\.(gate_up_proj|down_proj)" holds all of a layer's experts in one tensor.*\nhint: Save ` +
        String.raw`the checkpoint with one tensor per expert`,
    ),
  );
});
