// Word lists for labelling feed-forward concepts (docs/ARCHITECTURE.md, method 3) with the kind of task they serve. The
// categories are those the paper sorts its concepts into when it finds that tuning shifts them toward
// user-oriented tasks (Wu et al., arXiv 2310.00492, Finding 3: writing, coding, math, translation,
// question answering, and plain everyday knowledge).
//
// Source and rule: written for this project. Each list holds base forms (singular nouns, infinitive verbs)
// of words that name the category's objects and actions as instruction prompts use them ("write an essay",
// "debug this function", "solve the equation", "translate into French", "answer the question", "a recipe for
// breakfast"), at least 30 a category, and no stem in two lists (test/explain/conceptLabels.test.ts checks
// both). Words match by Porter2 stem after lemmatising (conceptLabels.ts), so "writing", "wrote" and
// "writes" all count for "write"; the lists need not repeat inflections.

export const CATEGORY_LEXICONS = {
  writing: [
    'write', 'essay', 'story', 'poem', 'paragraph', 'sentence', 'draft', 'edit', 'rewrite', 'summarize',
    'summary', 'article', 'letter', 'email', 'blog', 'headline', 'title', 'author', 'novel', 'narrative',
    'character', 'plot', 'chapter', 'poetry', 'rhyme', 'verse', 'prose', 'style', 'tone', 'grammar',
    'punctuation', 'outline', 'describe', 'description', 'compose', 'caption', 'slogan', 'fiction', 'journal',
    'paraphrase', 'tweet', 'speech',
  ],
  coding: [
    'code', 'program', 'function', 'variable', 'class', 'method', 'python', 'javascript', 'java', 'compile',
    'compiler', 'debug', 'bug', 'algorithm', 'array', 'string', 'loop', 'syntax', 'script', 'software', 'library',
    'database', 'sql', 'server', 'api', 'html', 'css', 'json', 'boolean', 'return', 'import', 'print',
    'developer', 'implement', 'recursion', 'pointer', 'module', 'runtime', 'git', 'terminal', 'regex', 'byte',
  ],
  math: [
    'number', 'equation', 'calculate', 'sum', 'add', 'subtract', 'multiply', 'divide', 'fraction', 'percent',
    'ratio', 'algebra', 'geometry', 'triangle', 'circle', 'angle', 'area', 'volume', 'probability', 'statistics',
    'average', 'median', 'integral', 'derivative', 'matrix', 'vector', 'prime', 'digit', 'formula', 'solve',
    'proof', 'theorem', 'plus', 'minus', 'zero', 'decimal', 'exponent', 'logarithm', 'arithmetic', 'integer',
    'square', 'root',
  ],
  translation: [
    'translate', 'language', 'english', 'french', 'spanish', 'german', 'chinese', 'japanese', 'italian',
    'russian', 'portuguese', 'arabic', 'korean', 'dutch', 'latin', 'greek', 'hindi', 'phrase', 'synonym',
    'antonym', 'dictionary', 'vocabulary', 'fluent', 'native', 'speaker', 'accent', 'pronounce',
    'pronunciation', 'idiom', 'dialect', 'bilingual', 'interpret', 'foreign', 'spell', 'meaning', 'literal',
    'equivalent', 'tongue', 'lingual',
  ],
  question_answering: [
    'question', 'answer', 'ask', 'why', 'what', 'who', 'where', 'when', 'which', 'how', 'explain', 'reason',
    'because', 'fact', 'true', 'false', 'correct', 'wrong', 'quiz', 'trivia', 'respond', 'reply', 'clarify',
    'inquire', 'information', 'evidence', 'source', 'cite', 'according', 'determine', 'identify', 'choice',
    'option', 'whether', 'define', 'definition',
  ],
  everyday_knowledge: [
    'food', 'recipe', 'cook', 'kitchen', 'weather', 'rain', 'home', 'house', 'family', 'friend', 'child', 'school',
    'job', 'money', 'shop', 'buy', 'price', 'car', 'drive', 'travel', 'city', 'health', 'doctor', 'sleep',
    'exercise', 'sport', 'game', 'music', 'movie', 'animal', 'dog', 'cat', 'tree', 'water', 'morning', 'holiday',
    'clothes', 'garden', 'coffee', 'breakfast', 'dinner', 'weekend',
  ],
} as const satisfies Record<string, readonly string[]>;

export type ConceptCategory = keyof typeof CATEGORY_LEXICONS;

/** The order ties are broken in (after the summed |cosine| of the matched words). */
export const CATEGORIES = Object.keys(CATEGORY_LEXICONS) as ConceptCategory[];
