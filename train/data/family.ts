// What an instruction task family is: phrasings (prompt templates), the items it can ask about in a split,
// and a checker. Also the rendering of a template into a prompt with its instruction spans: the template's
// own text is the instruction, the WordNet words filled into {w} {a} {b} {h} are the input. Numbers ({n},
// {nw}) belong to the instruction ("three times"): they say what to do, not what to do it to.
import { capitalize } from './english';
import type { Rng } from './random';
import type { Relations } from './relations';

export type Split = 'train' | 'heldout';

export type FamilyName =
  | 'define'
  | 'synonym'
  | 'antonym'
  | 'sentence'
  | 'hyponym'
  | 'hypernym'
  | 'list_kinds'
  | 'choose_kind'
  | 'spell'
  | 'count_letters'
  | 'reverse'
  | 'first_letter'
  | 'last_letter'
  | 'capitals'
  | 'repeat'
  | 'plural';

/** knowledge: needs facts about the word's meaning; language: needs fluent use; letters: mechanical on its letters. */
export type FamilyKind = 'knowledge' | 'language' | 'letters';

/** What a checker needs; JSON-serialisable, interpreted by the family's own checker. */
export type CheckData = Readonly<Record<string, string | number>>;

export interface Example {
  readonly id: string; // family-split-number, e.g. "spell-heldout-0007"
  readonly family: FamilyName;
  readonly prompt: string; // the user message
  readonly instruction_spans: readonly string[]; // substrings of prompt that are the instruction
  readonly instruction_offsets: readonly (readonly [number, number])[]; // the same spans as [start, end) in UTF-16
  readonly answer: string; // the reference response: a sentence from one of the family's answers
  readonly check: CheckData;
  /** Held-out only: the input word also has a training sense, so pre-training saw its other meanings. Always
   *  false for letter families (their held-out words have no training sense at all). */
  readonly input_seen?: boolean;
}

/** One thing a family can ask: the words to fill in, the bare answer (the fact asked for), what the checker needs. */
export interface Item {
  readonly key: string; // the input the split protects (lower-cased word): held-out keys never appear in training
  readonly group?: string; // the synset asked about: the held-out split takes one item per group
  readonly slots: Readonly<Record<string, string>>;
  readonly answer: string;
  readonly check: CheckData;
}

/**
 * One way to ask, with the ways to answer it. Answers are sentences that take up the request in its own words
 * ("Give the plural form of box." -> "The plural form of "box" is "boxes"."), as instruction-tuning sets
 * answer: a response that restates what was asked depends on the instruction, not only on the input word.
 * Answer templates take the prompt's slots, {answer} (the item's bare answer), {W} (the input word with a
 * capital) and the family's answerSlots.
 */
export interface Phrasing {
  readonly prompt: string;
  readonly answers: readonly string[];
}

export interface Family {
  readonly name: FamilyName;
  readonly kind: FamilyKind;
  readonly phrasings: readonly Phrasing[];
  /** Values the answer templates use beyond the prompt's slots, {answer} and {W} (a spelling, a count). */
  answerSlots?(item: Item): Readonly<Record<string, string>>;
  /** Every item of the split, in a deterministic order; `rng` picks among equally good answers. */
  items(relations: Relations, split: Split, rng: Rng): Item[];
  /** Is `response` a correct answer? Reads only its first line. */
  check(check: CheckData, response: string, relations: Relations): boolean;
}

const INPUT_SLOTS = new Set(['w', 'a', 'b', 'h']);

/** An answer template filled in for `item` (see Phrasing). */
export function renderAnswer(family: Family, template: string, item: Item): string {
  const w = item.slots.w;
  const slots: Record<string, string | undefined> = {
    ...item.slots,
    W: w === undefined ? undefined : capitalize(w),
    answer: item.answer,
    ...family.answerSlots?.(item),
  };
  return template.replace(/\{(\w+)\}/g, (_, slot: string) => {
    const value = slots[slot];
    if (value === undefined) throw new Error(`${family.name}: answer "${template}" needs slot ${slot}`);
    return value;
  });
}

/**
 * The opening of every answer: the request taken up in the answerer's words, as chat models open ("You asked
 * me to spell "apple" backwards."; a question is quoted: 'You asked: "What is the plural of "box"?"'). The
 * opening is carried by the instruction's words more than by the input word, which is what the paper's
 * Finding 1 looks for in a tuned model; the bare sentences alone left the input word the prompt's most
 * important token in most answers.
 */
export function restatedRequest(prompt: string): string {
  const p = prompt.trim();
  if (p.endsWith('?')) return `You asked: "${p}"`;
  const body = p.replace(/[.!]+$/, '').replace(/\bme\b/g, 'you');
  return `You asked me to ${body[0].toLowerCase()}${body.slice(1)}.`;
}

// restatedRequest's two forms at the start of a line, as a model may write them (its own words inside)
const RESTATED_REQUEST = /^You asked(: ".*?\?"| me to [^\n]*?\.)(\s|$)/;

/** `line` without a leading restated request, for the checkers. */
export function withoutRestatedRequest(line: string): string {
  const m = RESTATED_REQUEST.exec(line);
  return m ? line.slice(m[0].length).trim() : line;
}

/** Fills a template; spans are the template text and number slots between input slots, trimmed of spaces,
 *  quotes and punctuation, kept when they hold a letter. */
export function renderPrompt(
  template: string,
  slots: Readonly<Record<string, string>>,
): { prompt: string; spans: [number, number][] } {
  let prompt = '';
  const pieces: [number, number][] = []; // instruction stretches of the prompt, before trimming
  let open = 0;
  for (const part of template.split(/(\{\w+\})/)) {
    const slot = /^\{(\w+)\}$/.exec(part)?.[1];
    if (slot === undefined) {
      prompt += part;
      continue;
    }
    const value = slots[slot];
    if (value === undefined) throw new Error(`template "${template}" needs slot ${slot}`);
    if (INPUT_SLOTS.has(slot)) {
      pieces.push([open, prompt.length]);
      prompt += value;
      open = prompt.length;
    } else prompt += value;
  }
  pieces.push([open, prompt.length]);
  const spans: [number, number][] = [];
  for (let [start, end] of pieces) {
    while (start < end && /[\s"'.,:;?!()]/.test(prompt[start])) start++;
    while (end > start && /[\s"'.,:;?!()]/.test(prompt[end - 1])) end--;
    if (/[A-Za-z]/.test(prompt.slice(start, end))) spans.push([start, end]);
  }
  return { prompt, spans };
}
