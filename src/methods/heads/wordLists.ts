// The word lists of the head-pattern method (docs/ARCHITECTURE.md, method 2): the two verb lists whose shares of word
// pairs are reported per head and layer, how a verb list matches words (every inflected form), and the
// parser for user lists (one word a line). Which words are projected comes from the tokenizer or from the
// user's file (src/model/wordTokens.ts); this file only knows lists of strings.
import nlp from 'compromise';

/**
 * Instruction verbs: the imperative verbs that open task instructions (Finding 2 of the paper: after
 * tuning, more head word pairs involve them): the verbs that open task prompts of instruction-tuning data,
 * leaving out those that are also among the most frequent verbs of English (give, tell, find, make, show,
 * use, help): those are in neither list, so the two shares never count the same verb.
 */
export const INSTRUCTION_VERBS: readonly string[] = [
  'write',
  'list',
  'explain',
  'summarize',
  'describe',
  'classify',
  'translate',
  'generate',
  'create',
  'rewrite',
  'identify',
  'compare',
  'define',
  'suggest',
  'provide',
  'answer',
  'edit',
  'convert',
  'calculate',
  'outline',
  'design',
  'compose',
  'paraphrase',
  'categorize',
  'select',
  'rank',
  'sort',
  'evaluate',
  'analyze',
  'recommend',
  'extract',
  'complete',
  'correct',
  'draft',
  'name',
  'predict',
  'solve',
  'determine',
  'estimate',
  'respond',
];

/**
 * The control: frequent general verbs (among the most frequent verbs of English), none of them an
 * instruction verb above. A head whose pairs gain instruction verbs after tuning but not
 * these has learnt something about instructions, not about verbs.
 */
export const GENERAL_VERBS: readonly string[] = [
  'be',
  'have',
  'do',
  'say',
  'go',
  'get',
  'know',
  'think',
  'take',
  'see',
  'come',
  'want',
  'look',
  'work',
  'call',
  'try',
  'feel',
  'leave',
  'put',
  'mean',
  'keep',
  'let',
  'begin',
  'seem',
  'turn',
  'start',
  'hear',
  'play',
  'run',
  'move',
  'live',
  'believe',
  'hold',
  'bring',
  'happen',
  'stand',
  'lose',
  'pay',
  'meet',
  'sit',
];

/**
 * Every form a verb list matches, lower-cased: each verb as given plus its conjugations from compromise
 * (write -> writes, wrote, writing, written). A word counts as a verb of the list when its lower-cased text
 * is one of these forms (no lemmatising beyond that: "rewrites" matches only because "rewrite" is listed).
 */
// forms compromise's conjugator leaves out
const EXTRA_FORMS: Readonly<Record<string, readonly string[]>> = { be: ['am', 'are', 'were', 'been'] };

export function verbForms(verbs: readonly string[]): Set<string> {
  const forms = new Set<string>();
  for (const verb of verbs) for (const f of formsOf(verb.trim().toLowerCase())) forms.add(f);
  return forms;
}

// compromise takes milliseconds a verb: each verb's forms are worked out once per process
const formsCache = new Map<string, readonly string[]>();

function formsOf(v: string): readonly string[] {
  if (v === '') return [];
  let cached = formsCache.get(v);
  if (cached) return cached;
  const forms = new Set<string>([v, ...(EXTRA_FORMS[v] ?? [])]);
  // tagged as a verb first: alone, "list" or "name" would read as nouns and conjugate to nothing
  const doc = nlp(v);
  doc.tag('Verb');
  const conjugations = (doc.verbs() as unknown as { conjugate(): Record<string, string>[] }).conjugate();
  for (const c of conjugations) {
    for (const [tense, form] of Object.entries(c)) {
      if (tense === 'FutureTense') continue; // "will write": two words, never one vocabulary word
      if (typeof form === 'string' && /^\p{L}+$/u.test(form)) forms.add(form.toLowerCase());
    }
  }
  cached = [...forms];
  formsCache.set(v, cached);
  return cached;
}

/**
 * A user's word list: one word a line; blank lines and lines starting with `#` are skipped; surrounding
 * whitespace is trimmed; a word given twice is kept once (first place). Words may contain spaces inside
 * ("ice cream"): they are encoded as they are.
 */
export function parseWordList(text: string): string[] {
  const seen = new Set<string>();
  const words: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const w = line.trim();
    if (w === '' || w.startsWith('#') || seen.has(w)) continue;
    seen.add(w);
    words.push(w);
  }
  return words;
}
