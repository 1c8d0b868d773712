// The one line every view shows while the model is the embedded pair: what it is, and that real findings need
// the user's own model (the views put the Add Model action beside it). The pair is a small model trained here
// on WordNet to show the methods at work; its numbers are not evidence about instruction tuning at scale.
// Pure (no vscode).

/** 2557632 -> "2.6M", 1234 -> "1.2K", 7241732096 -> "7.2B". */
export function parameterCount(n: number): string {
  for (const [unit, size] of [
    ['B', 1e9],
    ['M', 1e6],
    ['K', 1e3],
  ] as const)
    if (n >= size) return `${(n / size).toFixed(1)}${unit}`;
  return String(n);
}

/** "2.6M-parameter", or "small" when the count is not known. */
const sizeOf = (parameters?: number) =>
  parameters === undefined ? 'small' : `${parameterCount(parameters)}-parameter`;

/** The notice for a model, or null when it is not one of the embedded pair. `parameters` when known. */
export function demonstratorNotice(
  model: { readonly name: string; readonly embedded: boolean },
  parameters?: number,
): string | null {
  if (!model.embedded) return null;
  return (
    `${model.name} is a ${sizeOf(parameters)} demonstrator trained on WordNet; add your own model ` +
    `for real findings.`
  );
}

/** The compare view's notice: both models, one of them, or null. */
export function demonstratorPairNotice(
  base: { readonly name: string; readonly embedded: boolean },
  tuned: { readonly name: string; readonly embedded: boolean },
  parameters?: number,
): string | null {
  if (!(base.embedded && tuned.embedded)) return demonstratorNotice(base.embedded ? base : tuned, parameters);
  return (
    `${base.name} and ${tuned.name} are ${sizeOf(parameters)} demonstrators trained on WordNet; add ` +
    `your own models for real findings.`
  );
}
