// Tokenises the training data with the engine's own tokenizer and chat-template code (src/model), so the ids
// the trainer sees are the ids the engine feeds the model at inference. It is not a tokenizer trainer (that is
// train/tokenizer/) and does no batching or packing (that is train/train.py).
//
//   npx tsx train/tokenize.ts [--work train/.work]
//
// Reads  WORK/corpus.{train,valid}.txt (one document a line), WORK/sft.train.jsonl (+ sft.valid.jsonl when
//        present; otherwise every 50th training example is held out for validation loss),
//        WORK/tokenizer/{tokenizer.json, tokenizer_config.json}
// Writes WORK/tokens/<split>.u16        token ids, documents back to back (uint16 little-endian)
//        WORK/tokens/<split>.docs.u32   document start offsets, one more than documents (last = total)
//        WORK/tokens/sft.<split>.loss.u8 1 where the token is part of the response (its prediction is trained)
//        WORK/tokens/meta.json          special ids, counts, input hashes (a re-run with the same inputs is skipped)
//        WORK/tokens/reference_prompts.json  fixed prompts (plain and chat) with their ids, for the
//                                       PyTorch-vs-engine agreement test written at export
//
// A corpus document is encoded as the engine encodes a plain prompt (addSpecialTokens: the tokenizer's
// post-processor adds BOS if it has one) followed by EOS. An SFT example is the prompt rendered with the chat
// template and encoded without added specials (the template writes BOS), then the answer encoded alone, then
// EOS: exactly the prompt ids the engine builds with --chat, followed by the ids the model should generate.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadChatTemplate, renderChat, type ChatTemplate } from '../src/model/chatTemplate';
import { loadTokenizer, type LensTokenizer } from '../src/model/tokenizer';

interface SftExample {
  id: string;
  family: string;
  prompt: string;
  answer: string;
}

interface Tokenised {
  ids: number[];
  docs: number[];
  loss?: number[];
}

const SFT_VALID_EVERY = 50; // without sft.valid.jsonl, example i is held out when i % 50 == 49
const CONCURRENCY = 256; // encodes in flight at once (the binding runs them off the JS thread)

const REFERENCE_PROMPTS: readonly { name: string; chat: boolean; text: string }[] = [
  { name: 'plain', chat: false, text: 'dog, domestic dog: a member of the genus Canis' },
  { name: 'chat-synonym', chat: true, text: 'Give a synonym of "happy".' },
  { name: 'chat-spell', chat: true, text: 'Spell the word "cat" letter by letter.' },
];

function argValue(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function readLines(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
}

function readJsonl(path: string): SftExample[] {
  return readLines(path).map((line, i) => {
    const e = JSON.parse(line) as Partial<SftExample>;
    if (typeof e.prompt !== 'string' || typeof e.answer !== 'string')
      throw new Error(`${path}:${i + 1}: needs string "prompt" and "answer"`);
    return { id: String(e.id ?? i), family: String(e.family ?? ''), prompt: e.prompt, answer: e.answer };
  });
}

async function mapConcurrent<T, R>(items: readonly T[], fn: (item: T) => Promise<R>, label: string): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  let done = 0;
  const started = Date.now();
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
      if (++done % 5000 === 0 || done === items.length) {
        process.stderr.write(
          `\r  ${label}: ${done.toLocaleString()}/${items.length.toLocaleString()} (` +
            `${((Date.now() - started) / 1000).toFixed(0)} s)`,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  process.stderr.write('\n');
  return out;
}

async function tokeniseCorpus(tok: LensTokenizer, lines: string[], eos: number, label: string): Promise<Tokenised> {
  const encoded = await mapConcurrent(
    lines,
    async (line) => (await tok.encode(line, { addSpecialTokens: true })).ids,
    label,
  );
  const ids: number[] = [];
  const docs: number[] = [];
  for (const e of encoded) {
    docs.push(ids.length);
    for (const id of e) ids.push(id);
    ids.push(eos);
  }
  docs.push(ids.length);
  return { ids, docs };
}

async function chatPromptIds(tok: LensTokenizer, chat: ChatTemplate, prompt: string): Promise<number[]> {
  const rendered = renderChat(chat, prompt);
  if (!rendered.ok) throw new Error(rendered.error.message);
  return (await tok.encode(rendered.value.text, { addSpecialTokens: false })).ids;
}

async function tokeniseSft(
  tok: LensTokenizer,
  chat: ChatTemplate,
  examples: SftExample[],
  eos: number,
  label: string,
): Promise<Tokenised> {
  const encoded = await mapConcurrent(
    examples,
    async (e) => ({
      prompt: await chatPromptIds(tok, chat, e.prompt),
      answer: (await tok.encode(e.answer, { addSpecialTokens: false })).ids,
    }),
    label,
  );
  const ids: number[] = [];
  const docs: number[] = [];
  const loss: number[] = [];
  for (const { prompt, answer } of encoded) {
    docs.push(ids.length);
    for (const id of prompt) {
      ids.push(id);
      loss.push(0);
    }
    for (const id of [...answer, eos]) {
      ids.push(id);
      loss.push(1);
    }
  }
  docs.push(ids.length);
  return { ids, docs, loss };
}

function write(dir: string, name: string, t: Tokenised): void {
  writeFileSync(join(dir, `${name}.u16`), Buffer.from(Uint16Array.from(t.ids).buffer));
  writeFileSync(join(dir, `${name}.docs.u32`), Buffer.from(Uint32Array.from(t.docs).buffer));
  if (t.loss) writeFileSync(join(dir, `${name}.loss.u8`), Buffer.from(Uint8Array.from(t.loss).buffer));
}

function specialId(tok: LensTokenizer, token: string): number {
  const id = tok.tokenToId(token);
  if (id === undefined) throw new Error(`the tokenizer has no ${token} token`);
  return id;
}

async function main(): Promise<void> {
  const work = argValue('--work', 'train/.work');
  const tokDir = join(work, 'tokenizer');
  const out = join(work, 'tokens');
  const inputs = [
    'corpus.train.txt',
    'corpus.valid.txt',
    'sft.train.jsonl',
    'sft.valid.jsonl',
    'tokenizer/tokenizer.json',
    'tokenizer/tokenizer_config.json',
  ]
    .map((f) => join(work, f))
    .filter((p) => existsSync(p));
  const hashes = Object.fromEntries(inputs.map((p) => [p.slice(work.length + 1), sha256(p)]));
  const metaPath = join(out, 'meta.json');
  if (
    existsSync(metaPath) &&
    JSON.stringify(JSON.parse(readFileSync(metaPath, 'utf8')).inputs) === JSON.stringify(hashes)
  ) {
    console.log(`tokenize: ${out} is up to date`);
    return;
  }

  const tokenizer = await loadTokenizer(tokDir);
  if (!tokenizer.ok) throw new Error(`${tokenizer.error.message}\n${tokenizer.error.hint}`);
  const chat = loadChatTemplate(tokDir);
  if (!chat.ok) throw new Error(`${chat.error.message}\n${chat.error.hint}`);
  const tok = tokenizer.value;
  if (tok.vocabSize > 65536) throw new Error(`vocabulary of ${tok.vocabSize} does not fit uint16 ids`);
  const bos = specialId(tok, chat.value.bosToken || '<|bos|>');
  const eos = specialId(tok, chat.value.eosToken || '<|eos|>');
  const pad = tok.tokenToId('<|pad|>') ?? eos;
  mkdirSync(out, { recursive: true });

  const counts: Record<string, { documents: number; tokens: number; lossTokens?: number }> = {};
  const keep = (name: string, t: Tokenised) => {
    write(out, name, t);
    counts[name] = {
      documents: t.docs.length - 1,
      tokens: t.ids.length,
      ...(t.loss ? { lossTokens: t.loss.reduce((a, b) => a + b, 0) } : {}),
    };
    console.log(
      `  ${name}: ${counts[name].documents.toLocaleString()} documents, ${counts[name].tokens.toLocaleString()} tokens`,
    );
  };
  for (const split of ['train', 'valid']) {
    keep(
      `corpus.${split}`,
      await tokeniseCorpus(tok, readLines(join(work, `corpus.${split}.txt`)), eos, `corpus.${split}`),
    );
  }
  let sftTrain = readJsonl(join(work, 'sft.train.jsonl'));
  let sftValid: SftExample[];
  const validPath = join(work, 'sft.valid.jsonl');
  if (existsSync(validPath)) {
    sftValid = readJsonl(validPath);
  } else {
    sftValid = sftTrain.filter((_, i) => i % SFT_VALID_EVERY === SFT_VALID_EVERY - 1);
    sftTrain = sftTrain.filter((_, i) => i % SFT_VALID_EVERY !== SFT_VALID_EVERY - 1);
  }
  keep('sft.train', await tokeniseSft(tok, chat.value, sftTrain, eos, 'sft.train'));
  keep('sft.valid', await tokeniseSft(tok, chat.value, sftValid, eos, 'sft.valid'));

  const reference = [];
  for (const p of REFERENCE_PROMPTS) {
    const ids = p.chat
      ? await chatPromptIds(tok, chat.value, p.text)
      : (await tok.encode(p.text, { addSpecialTokens: true })).ids;
    reference.push({ ...p, ids });
  }
  writeFileSync(join(out, 'reference_prompts.json'), JSON.stringify(reference, null, 2) + '\n');
  const families: Record<string, number> = {};
  for (const e of sftTrain) families[e.family] = (families[e.family] ?? 0) + 1;
  const meta = {
    vocabSize: tok.vocabSize,
    special: { bos, eos, pad },
    sftFamilies: families,
    sftValidation: existsSync(validPath) ? 'sft.valid.jsonl' : `every ${SFT_VALID_EVERY}th example of sft.train.jsonl`,
    counts,
    inputs: hashes,
  };
  writeFileSync(metaPath, JSON.stringify(meta, null, 2) + '\n');
  console.log(`tokenize: wrote ${out}`);
}

main().catch((e) => {
  console.error(`tokenize: ${(e as Error).message}`);
  process.exit(1);
});
