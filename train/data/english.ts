// Small English rules the data builders share: articles, capitals, lists, spelled-out letters, regular plurals,
// inflected forms, number words, stop words. Rules of thumb written for WordNet lemmas, not a morphology
// library: where a rule is unsure (irregular plurals, Latin endings) it says so and callers skip the word.

export function capitalize(s: string): string {
  return s.length === 0 ? s : s[0].toUpperCase() + s.slice(1);
}

/** "a dog", "an owl"; proper names (capitalised) go bare. */
export function withArticle(noun: string): string {
  if (/^[A-Z]/.test(noun)) return noun;
  return (/^[aeiou]/i.test(noun) && !/^(uni|use|usu|eu|one)/i.test(noun) ? 'an ' : 'a ') + noun;
}

/** "x", "x and y", "x, y and z" (or "or"). */
export function joinList(items: readonly string[], conjunction: 'and' | 'or'): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} ${conjunction} ${items[items.length - 1]}`;
}

/** "apple" -> "a-p-p-l-e": each letter is its own token under the byte-level pre-tokenizer. */
export function hyphenate(word: string): string {
  return [...word].join('-');
}

export function reversed(word: string): string {
  return [...word].reverse().join('');
}

/** "apple" -> "1 a, 2 p, 3 p, 4 l, 5 e": the count family's worked answer, one increment per letter. */
export function numberedLetters(word: string): string {
  return [...word].map((c, k) => `${k + 1} ${c}`).join(', ');
}

/** Single lower-case words of plain letters: the inputs of the letter families. */
export function isPlainWord(word: string, minLength = 3, maxLength = 10): boolean {
  return word.length >= minLength && word.length <= maxLength && /^[a-z]+$/.test(word);
}

// Endings whose plural English does not form by rule (knives, potatoes/pianos, cacti, analyses, data, men,
// indices, children): the plural family skips these nouns rather than guess.
const IRREGULAR_ENDINGS = new RegExp(
  String.raw`(f|fe|o|us|is|um|on|a|ex|ix|man|men|ics|eau|child|foot|tooth|goose|mouse|louse|` +
    String.raw`person|deer|sheep|fish|ese|craft|ae|i|z)$`,
);

/** The regular plural of a noun, or undefined when the noun's ending makes the rule unreliable. */
export function regularPlural(noun: string): string | undefined {
  if (!/^[a-z]+$/.test(noun) || IRREGULAR_ENDINGS.test(noun)) return undefined;
  if (/s$/.test(noun) && !/ss$/.test(noun)) return undefined; // news, series, pants: already plural-looking
  if (/(ss|x|ch|sh)$/.test(noun)) return noun + 'es';
  if (/[^aeiou]y$/.test(noun)) return noun.slice(0, -1) + 'ies';
  return noun + 's';
}

/** Forms a sentence may use a word in: plurals, tenses, comparatives. Generous on purpose: a checker helper. */
export function inflections(word: string): string[] {
  const w = word.toLowerCase();
  const forms = new Set([w, w + 's', w + 'es', w + 'ed', w + 'd', w + 'ing', w + 'er', w + 'est', w + 'ly', w + "'s"]);
  if (w.endsWith('y')) for (const e of ['ies', 'ied', 'ier', 'iest', 'ily']) forms.add(w.slice(0, -1) + e);
  if (w.endsWith('e')) for (const e of ['ing', 'ed', 'er', 'est']) forms.add(w.slice(0, -1) + e);
  if (/[^aeiou][aeiou][bdgklmnprt]$/.test(w))
    for (const e of ['ed', 'ing', 'er', 'est']) forms.add(w + w[w.length - 1] + e);
  return [...forms];
}

export const NUMBER_WORDS: readonly string[] = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
  'twenty',
];

// Function words and the glosses' most generic words: a definition sharing only these with WordNet's gloss
// has not said what the word means.
export const STOP_WORDS: ReadonlySet<string> = new Set(
  `a an the and or but nor of to in on at by for with from into onto upon over under about above below between
  among through during before after as than then that this these those there here which who whom whose what when
  where why how is are was were be been being am do does did done doing have has had having it its it's he she
  they them their his her him we us our you your i me my not no so such very more most less least many much some
  any each every all both either neither other another one ones same own only also just too can could may might
  must shall should will would used use using usually especially often sometimes something someone somebody
  anything thing things way ways kind kinds sort type form act state quality condition process part make makes
  made cause causes become becomes etc e.g. i.e. like similar certain particular general small large`.split(/\s+/),
);

/**
 * A crude stem shared by both sides of a comparison: "horses"/"horse" -> "hors", "boxes"/"box" -> "box".
 * Not linguistically right, only consistent.
 */
export function stem(word: string): string {
  let w = word.toLowerCase().replace(/'s$/, '');
  if (w.length > 4 && w.endsWith('ies')) w = w.slice(0, -3) + 'y';
  else if (w.length > 3 && w.endsWith('s') && !/(ss|us|is)$/.test(w)) w = w.slice(0, -1);
  if (w.length > 5 && w.endsWith('ing')) w = w.slice(0, -3);
  else if (w.length > 4 && w.endsWith('ed')) w = w.slice(0, -2);
  if (w.length > 3 && w.endsWith('e')) w = w.slice(0, -1);
  return w;
}

/** Stems of the content words of a text. */
export function contentStems(text: string): Set<string> {
  const out = new Set<string>();
  for (const w of text.toLowerCase().split(/[^a-z0-9']+/)) {
    if (w.length < 3 || STOP_WORDS.has(w) || /^\d+$/.test(w)) continue;
    out.add(stem(w));
  }
  return out;
}
