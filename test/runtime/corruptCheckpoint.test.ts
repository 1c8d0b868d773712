// Damaged Hugging Face checkpoints, at random: a valid sharded bf16 checkpoint with one of its files cut short or
// with a few bytes overwritten (in a safetensors file, in its header, where the names, dtypes, shapes and
// offsets lie; in a JSON file, with JSON's own characters, so that the damage often still parses), seeded so
// that a failure reproduces. Whatever the damage, opening the folder gives a checkpoint or one error with a
// message and a hint, never an exception; a checkpoint that opens loads and explains.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeRandomCheckpoint } from '../helpers/randomCheckpoint';
import { openDamaged } from '../helpers/damagedCheckpoint';
import { mulberry32 } from '../helpers/prng';

const root = mkdtempSync(join(tmpdir(), 'lens-corrupt-checkpoint-'));
after(() => rmSync(root, { recursive: true, force: true }));

const DAMAGED = 160;
/** Damaged checkpoints that open are also loaded and explained, up to this many (a session each). */
const EXPLAINED = 4;
const JSON_CHARACTERS = ' 0123456789{}[]",:.-eEtfn';

test('damaged checkpoints: a checkpoint or one clear error, never a throw', { timeout: 300_000 }, async () => {
  const good = join(root, 'good');
  writeRandomCheckpoint(good, { family: 'llama', dtype: 'BF16', shard: true, seed: 3 });
  const files = readdirSync(good).sort();
  const random = mulberry32(20261203);
  const pick = (n: number) => Math.floor(random() * n);
  const outcomes = new Map<string, number>();
  let explained = 0;
  for (let i = 0; i < DAMAGED; i++) {
    const dir = join(root, `damaged-${i}`);
    cpSync(good, dir, { recursive: true });
    const file = files[pick(files.length)];
    const bytes = readFileSync(join(dir, file));
    const safetensors = file.endsWith('.safetensors');
    const header = safetensors ? Math.min(bytes.length, 8 + Number(bytes.readBigUInt64LE(0))) : bytes.length;
    let what: string;
    let data: Uint8Array;
    if (random() < 0.3) {
      const at = pick(random() < 0.5 ? header : bytes.length);
      data = bytes.subarray(0, at);
      what = `${file} cut at byte ${at}`;
    } else {
      data = Uint8Array.from(bytes);
      const at: number[] = [];
      for (let n = 1 + pick(3); n > 0; n--) {
        const p = pick(header);
        data[p] = safetensors ? pick(256) : JSON_CHARACTERS.charCodeAt(pick(JSON_CHARACTERS.length));
        at.push(p);
      }
      what = `${file}: bytes ${at.join(', ')} overwritten`;
    }
    writeFileSync(join(dir, file), data);
    if (await openDamaged(dir, what, outcomes, explained < EXPLAINED)) explained++;
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(`# ${DAMAGED} damaged checkpoints: ${[...outcomes].map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
  for (const code of ['corrupt-safetensors', 'bad-config', 'bad-tokenizer'])
    assert.ok((outcomes.get(code) ?? 0) > 0, `some damage is caught as ${code}`);
});
