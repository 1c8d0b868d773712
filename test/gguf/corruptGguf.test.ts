// Damaged GGUF files, at random: a valid model file cut at many points and with bytes of its header (metadata
// and tensor infos) overwritten, seeded so that a failure reproduces. Whatever the damage, opening the file
// gives a checkpoint or one error with a message and a hint, never an exception or a hang; a checkpoint that
// opens (the damage fell on a value that does not matter, such as a token's text) loads and explains.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openGguf } from '../../src/gguf/ggufFile';
import { writeRandomGguf } from '../helpers/randomGguf';
import { openDamaged } from '../helpers/damagedCheckpoint';
import { mulberry32 } from '../helpers/prng';

const root = mkdtempSync(join(tmpdir(), 'lens-gguf-corrupt-'));
after(() => rmSync(root, { recursive: true, force: true }));

const TRUNCATIONS = 48;
const OVERWRITES = 160;
/** Damaged files that open are also loaded and explained, up to this many (a session each). */
const EXPLAINED = 4;

test('damaged GGUF files: a checkpoint or one clear error, never a throw', { timeout: 300_000 }, async () => {
  const good = join(root, 'good.gguf');
  writeRandomGguf(good, {
    arch: 'llama',
    numLayers: 1,
    seed: 91,
    types: { 'gate_proj.weight': 'Q4_K', 'down_proj.weight': 'Q6_K', 'embed_tokens.weight': 'Q5_K' },
  });
  const bytes = readFileSync(good);
  const opened = await openGguf(good);
  assert.ok(opened.ok);
  const dataStart = Math.min(...[...opened.value.tensors.values()].map((t) => t.byteOffset));
  assert.ok(dataStart > 0 && dataStart < bytes.length);

  const random = mulberry32(20261203);
  const damaged: { what: string; data: Uint8Array }[] = [];
  for (let i = 0; i < TRUNCATIONS; i++) {
    // half of the cuts in the header, where each field's length is read
    const at = i % 2 ? Math.floor(random() * dataStart) : Math.floor(random() * bytes.length);
    damaged.push({ what: `cut at byte ${at}`, data: bytes.subarray(0, at) });
  }
  for (let i = 0; i < OVERWRITES; i++) {
    const data = Uint8Array.from(bytes);
    const at: number[] = [];
    for (let n = 1 + Math.floor(random() * 4); n > 0; n--) {
      const p = Math.floor(random() * dataStart);
      data[p] = Math.floor(random() * 256);
      at.push(p);
    }
    damaged.push({ what: `bytes ${at.join(', ')} overwritten`, data });
  }

  const outcomes = new Map<string, number>();
  let explained = 0;
  for (const [i, { what, data }] of damaged.entries()) {
    const path = join(root, `damaged-${i}.gguf`);
    writeFileSync(path, data);
    if (await openDamaged(path, what, outcomes, explained < EXPLAINED)) explained++;
    rmSync(path);
  }
  process.stdout.write(`# ${damaged.length} damaged files: ${[...outcomes].map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
  assert.ok((outcomes.get('corrupt-gguf') ?? 0) > 0, 'some damage is caught as a damaged file');
});
