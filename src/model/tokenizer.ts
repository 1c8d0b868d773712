// A checkpoint's tokenizer.json, through the `tokenizers` package (the Rust library's own Node binding, so ids
// match Python exactly). This file adds what the binding leaves to us: offsets in JS string indices (the
// binding counts code points), which ids are special, and a readable text for one token. It does not read
// tokenizer_config.json: BOS comes from tokenizer.json's post-processor; chat templates live in chatTemplate.ts.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from 'tokenizers';
import { fail, ok, type Result } from '../lensError';
import { bytesText, isBytePiece, sequenceTexts, tokenBytes, type TokenText } from './tokenTexts';

export interface Encoded {
  readonly ids: number[];
  readonly offsets: [number, number][]; // [start, end) in UTF-16 indices of the input; [0, 0] for inserted specials
  readonly special: boolean[]; // the id is an added special token (BOS, template markers, also when typed literally)
}

export interface LensTokenizer {
  readonly vocabSize: number; // 1 + the largest id, added tokens included
  readonly specialIds: ReadonlySet<number>;
  encode(text: string, options?: { addSpecialTokens?: boolean }): Promise<Encoded>;
  decode(ids: readonly number[], skipSpecial?: boolean): Promise<string>;
  /** Readable text of one token out of context: " the", "世", "<s>"; bytes of no whole character as "\\xE9". */
  tokenText(id: number): string;
  /** Texts of a token sequence: a character split over several tokens is shown on its first (tokenTexts.ts). */
  sequenceTexts(ids: readonly number[], special: readonly boolean[]): Promise<TokenText[]>;
  /** The vocabulary entry itself ("Ġthe", "▁the", "<0xE4>"), or undefined for an unknown id. */
  rawToken(id: number): string | undefined;
  /** [vocabSize]: 1 where the id has a vocabulary entry (added tokens included), 0 in the gaps. Computed once. */
  knownIds(): Uint8Array;
  tokenToId(token: string): number | undefined;
}

interface AddedTokenJson {
  id?: unknown;
  content?: unknown;
  special?: unknown;
}

const TOKENIZER_FILE = 'tokenizer.json';

export async function loadTokenizer(dir: string): Promise<Result<LensTokenizer>> {
  const path = join(dir, TOKENIZER_FILE);
  if (!existsSync(path)) {
    return fail(
      'missing-file',
      `${path}: not found`,
      'Only fast tokenizers (tokenizer.json) are supported: save the tokenizer again with ' +
        'transformers AutoTokenizer.save_pretrained.',
    );
  }
  return tokenizerFromJson(
    readFileSync(path, 'utf8'),
    path,
    'The file is damaged or from an unsupported tokenizers version: save it again with a recent transformers.',
  );
}

/** A tokenizer from tokenizer.json text; `source` names it in errors (a file, or a GGUF file's vocabulary). */
export function tokenizerFromJson(text: string, source: string, hint: string): Result<LensTokenizer> {
  const bad = (what: string) => fail('bad-tokenizer', `${source}: ${what}`, hint);
  let json: { added_tokens?: unknown; model?: unknown; decoder?: unknown };
  try {
    json = JSON.parse(text);
  } catch (e) {
    return bad(`not valid JSON (${(e as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || typeof json.model !== 'object' || json.model === null)
    return bad('has no "model"');
  let tok: Tokenizer;
  try {
    tok = Tokenizer.fromString(text);
  } catch (e) {
    return bad(`cannot be loaded (${(e as Error).message})`);
  }
  const specialIds = new Set<number>();
  let vocabSize = tok.getVocabSize(true);
  for (const t of Array.isArray(json.added_tokens) ? (json.added_tokens as AddedTokenJson[]) : []) {
    if (typeof t.id !== 'number') continue;
    if (t.special === true) specialIds.add(t.id);
    vocabSize = Math.max(vocabSize, t.id + 1); // added ids may leave a gap above the model's vocabulary
  }
  return ok(wrap(tok, vocabSize, specialIds, hasByteLevel(json.decoder)));
}

/** The decoder (or one in its sequence) maps byte-level BPE's alphabet back to bytes. */
function hasByteLevel(decoder: unknown): boolean {
  if (typeof decoder !== 'object' || decoder === null) return false;
  const d = decoder as { type?: unknown; decoders?: unknown };
  return d.type === 'ByteLevel' || (Array.isArray(d.decoders) && d.decoders.some(hasByteLevel));
}

function wrap(tok: Tokenizer, vocabSize: number, specialIds: ReadonlySet<number>, byteLevel: boolean): LensTokenizer {
  const decoder = tok.getDecoder();
  let known: Uint8Array | undefined;

  function tokenText(id: number): string {
    const raw = tok.idToToken(id);
    if (raw === null) return '';
    if (specialIds.has(id) || !decoder) return raw;
    const bytes = tokenBytes(raw, byteLevel);
    if (bytes !== null) return bytesText(bytes);
    let text = decoder.decode([raw]);
    // Llama-2 style decoders strip the first space of a sequence; one token is always "first"
    if (raw.startsWith('▁') && !text.startsWith(' ')) text = ' ' + text;
    return text;
  }

  return {
    vocabSize,
    specialIds,
    async encode(text, options = {}) {
      const enc = await tok.encode(text, null, { addSpecialTokens: options.addSpecialTokens ?? true });
      const ids = enc.getIds();
      const toUtf16 = codePointToUtf16(text);
      const offsets = enc.getOffsets().map(([s, e]): [number, number] => [toUtf16[s], toUtf16[e]]);
      return { ids, offsets, special: ids.map((id) => specialIds.has(id)) };
    },
    decode: (ids, skipSpecial = false) => tok.decode([...ids], skipSpecial),
    tokenText,
    sequenceTexts: (ids, special) =>
      sequenceTexts(
        ids,
        special,
        (id) => tok.idToToken(id) ?? '',
        (run) => tok.decode(run, false),
        (id) => isBytePiece(tok.idToToken(id) ?? ''),
      ),
    rawToken: (id) => tok.idToToken(id) ?? undefined,
    knownIds() {
      // one call for the whole vocabulary: a call per id costs a round trip into the binding each
      if (!known) {
        known = new Uint8Array(vocabSize);
        for (const id of Object.values(tok.getVocab(true))) if (id >= 0 && id < vocabSize) known[id] = 1;
      }
      return known;
    },
    tokenToId: (token) => tok.tokenToId(token) ?? undefined,
  };
}

/** table[k] = UTF-16 index of the k-th code point of `text`; table[count] = text.length. */
export function codePointToUtf16(text: string): Int32Array {
  const starts: number[] = [];
  let i = 0;
  for (const ch of text) {
    starts.push(i);
    i += ch.length; // 2 for a surrogate pair
  }
  starts.push(text.length);
  return Int32Array.from(starts);
}
