// Reading a model's response for the answer checkers: only the first non-empty line counts (what follows it
// is ignored), compared case-insensitively with punctuation treated as spaces. Lenient helpers for language
// answers (a phrase mentioned anywhere in the line) and strict ones for letters and numbers.
import { NUMBER_WORDS } from './english';
import { withoutRestatedRequest } from './family';

/** The first line with any letters or digits, trimmed, without the restated request that opens an answer
 *  (it repeats the prompt, choices and input word included, so it proves nothing); '' when there is none. */
export function firstLine(response: string): string {
  for (const line of response.split('\n')) {
    if (/[A-Za-z0-9]/.test(line)) return withoutRestatedRequest(line.trim());
  }
  return '';
}

/** The text after a lead-in that ends in a colon ("Here is "dog" three times: dog dog dog"), else the line. */
export function afterLeadIn(line: string): string {
  const colon = line.lastIndexOf(':');
  return colon < 0 ? line : line.slice(colon + 1);
}

/** Lower case, every run of non-alphanumerics (apostrophes aside) as one space, trimmed. */
export function normalize(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9']+/g, ' ')
    .replace(/(^| )'+|'+( |$)/g, ' ')
    .trim();
}

/** The normalized `phrase` occurs in the normalized `text` as whole words. */
export function mentions(text: string, phrase: string): boolean {
  const p = normalize(phrase);
  return p.length > 0 && ` ${normalize(text)} `.includes(` ${p} `);
}

/** Words of a line, normalized. */
export function wordsOf(text: string): string[] {
  const n = normalize(text);
  return n.length === 0 ? [] : n.split(' ');
}

/** Runs of single letters joined by separators ("a-p-p-l-e", "A P P L E", "a, p, p"), each lower-cased. */
export function letterRuns(text: string): string[] {
  const runs: string[] = [];
  let run = '';
  for (const token of text.split(/[^A-Za-z]+/)) {
    if (token.length === 1) run += token.toLowerCase();
    else {
      if (run.length > 0) runs.push(run);
      run = '';
    }
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

/** Single letters standing alone in a line, lower-cased, in order ("The first letter is B." -> ["b"]). */
export function singleLetters(text: string): string[] {
  return text
    .split(/[^A-Za-z]+/)
    .filter((t) => t.length === 1)
    .map((t) => t.toLowerCase());
}

/** Numbers in a line, as digits or as words up to twenty, in order. */
export function numbersIn(text: string): number[] {
  const out: number[] = [];
  for (const token of text.toLowerCase().split(/[^a-z0-9]+/)) {
    if (/^\d+$/.test(token)) out.push(parseInt(token, 10));
    else {
      const k = NUMBER_WORDS.indexOf(token);
      if (k >= 0) out.push(k);
    }
  }
  return out;
}

/** Items of a list answer, normalized: split at commas, semicolons, a free-standing "and"/"or", numbering
 *  ("1." "2)"). Articles stay: "A level" is a lemma; callers strip them where a lemma has none. */
export function listItems(text: string): string[] {
  return text
    .split(/\s*(?:[,;]|\s(?:and|or)\s|(?:^|\s)\d+[.)])\s*/i)
    .map(normalize)
    .filter((item) => item.length > 0);
}

/** "a dog" -> "dog"; "the hots" -> "hots". */
export function withoutArticle(item: string): string {
  return item.replace(/^(a|an|the) /, '');
}

/** Some member of `phrases` (each already normalized) occurs in `text` as whole words: n-grams up to 6 words. */
export function mentionsAny(text: string, phrases: ReadonlySet<string>): boolean {
  const words = wordsOf(text);
  for (let i = 0; i < words.length; i++) {
    let gram = '';
    for (let n = 0; n < 6 && i + n < words.length; n++) {
      gram = n === 0 ? words[i] : `${gram} ${words[i + n]}`;
      if (phrases.has(gram)) return true;
    }
  }
  return false;
}
