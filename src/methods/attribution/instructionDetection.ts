// Finds the instruction in a prompt when the user marks none: the sentences that carry the task. A sentence
// counts when it is a question (with or without its mark), opens with an imperative verb, uses a task verb
// (write, explain, list, …), a request phrasing ("can you", "I want you to") or frames the task ("you are given");
// quoted input after markers such as "Input:" does not.
// Sentence splitting and part-of-speech tags come from compromise (a small, pure-JS English NLP library).
// Measured against the paper authors' annotations in test/methods/attribution/instructionDetection.test.ts.
import nlp from 'compromise';

export const TASK_VERBS = [
  'write',
  'explain',
  'list',
  'summarize',
  'summarise',
  'describe',
  'give',
  'tell',
  'translate',
  'classify',
  'generate',
  'create',
  'rewrite',
  'find',
  'identify',
  'suggest',
  'answer',
  'make',
  'provide',
  'compose',
  'draft',
  'name',
  'define',
  'compare',
  'convert',
  'calculate',
  'solve',
  'determine',
  'choose',
  'select',
  'spell',
  'count',
  'repeat',
  'analyze',
  'analyse',
  'evaluate',
  'recommend',
  'outline',
  'design',
  'plan',
  'propose',
  'predict',
  'edit',
  'correct',
  'fix',
  'paraphrase',
  'extract',
  'sort',
  'rank',
  'categorize',
  'use',
  'include',
  'add',
  'imagine',
  'pretend',
  'act',
  'help',
  'show',
  'discuss',
  'brainstorm',
  'detect',
  'decide',
  'estimate',
  'format',
  'think',
  'discover',
  'output',
  'complete',
  'come',
  'try',
  'keep',
  'continue',
  'finish',
  'respond',
  'reply',
];

// a question without its question mark ("what does \\multirow do in latex")
const QUESTION_START =
  /^\s*(what|why|how|when|where|who|whom|which|whose|is|are|do|does|did|can|could|should|would|will)\b/i;
// the task's framing: "You are given a …", "A color description has been provided."
const FRAMING = new RegExp(
  String.raw`\b(you are|you're|has been|have been|is|are) (given|provided|described|shown)\b|` +
    String.raw`\b(given|following|below)\s+` +
    String.raw`(text|article|sentence|paragraph|passage|problem|description|code|data|list|question)\b`,
  'i',
);
const REQUEST = new RegExp(
  String.raw`\b(can|could|would|will) you\b|\bi (want|need|would like) you to\b|\bplease\b|\blet'?s\b|\bhow ` +
    String.raw`(do|can|to|should)\b`,
  'i',
);
const INPUT_MARKER = /^\s*(input|context|text|passage|article|sentence|paragraph|example|question)\s*:/i;
const OUTPUT_MARKER = /^\s*(output|answer|response)\s*:\s*$/i;

interface Sentence {
  readonly text: string;
  readonly start: number;
  readonly end: number;
  readonly firstTags: readonly string[];
  /** The first word, lower case, letters only. */
  readonly firstWord: string;
  readonly verbs: readonly string[];
}

/** What compromise's json() gives for a sentence, with offsets and normalised terms (its types say any). */
interface CompromiseSentence {
  readonly text: string;
  readonly offset: { readonly start: number; readonly length: number };
  readonly terms?: readonly { readonly text: string; readonly normal?: string; readonly tags: readonly string[] }[];
}

function sentences(prompt: string): Sentence[] {
  const doc = nlp(prompt);
  const json = doc.sentences().json({ offset: true, terms: { normal: true } }) as CompromiseSentence[];
  return json.map((s) => {
    const start = s.offset.start;
    const terms = s.terms ?? [];
    return {
      text: s.text,
      start,
      end: start + s.offset.length,
      firstTags: terms[0]?.tags ?? [],
      firstWord: String(terms[0]?.normal ?? terms[0]?.text ?? '')
        .toLowerCase()
        .replace(/[^a-z]/g, ''),
      verbs: terms.filter((t) => t.tags.includes('Verb')).map((t) => String(t.normal ?? t.text).toLowerCase()),
    };
  });
}

function isInstruction(s: Sentence): boolean {
  const text = s.text.trim();
  if (text === '' || OUTPUT_MARKER.test(text) || INPUT_MARKER.test(text)) return false;
  if (text.endsWith('?') || QUESTION_START.test(text) || FRAMING.test(text)) return true;
  // a sentence that opens with a capitalised task verb is an instruction even where the tagger reads the verb
  // as a noun ("Spell \"river\" backwards.": Spell tagged as a place); lower case, it is more likely code
  // ("select FirstName, …")
  if (s.firstTags.includes('Imperative') || (/^[A-Z]/.test(text) && TASK_VERBS.includes(s.firstWord))) return true;
  if (REQUEST.test(text)) return true;
  return s.verbs.some((v) => TASK_VERBS.includes(v.replace(/[^a-z]/g, '')));
}

/** Character spans [start, end) of the instruction sentences, in prompt order. */
export function detectInstructionSpans(prompt: string): [number, number][] {
  return sentences(prompt)
    .filter(isInstruction)
    .map((s) => [s.start, s.end] as [number, number]);
}
