// Optional names for feed-forward concepts from a language model the user has in VS Code (the Language Model
// API): the prompt that asks for a name from a component's top words, and the cleaning of the answer. The
// offline labels (category lexicons, parts of speech) stay; these are shown beside them, marked as the
// model's. Pure (no vscode).

export function conceptNamePrompt(words: readonly string[]): string {
  const list = words
    .map((w) => w.trim())
    .filter((w) => w !== '')
    .join(', ');
  return (
    `These words are the closest vocabulary entries to one direction in a language model's ` +
    `feed-forward layer: ${list}.\nName the concept they share in one to three words. Answer with ` +
    `the name only.`
  );
}

/** The first line of the answer, without quotes, a trailing period or a "Concept:" prefix, at most 40 characters. */
export function cleanConceptName(answer: string): string | null {
  const line =
    answer
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '') ?? '';
  const name = line
    .replace(/^(concept|name|label)\s*:\s*/i, '')
    .replace(/^["'“”*`]+|["'“”*`]+$/g, '')
    .replace(/\.$/, '')
    .trim();
  if (name === '') return null;
  return name.length > 40 ? `${name.slice(0, 39)}…` : name;
}
