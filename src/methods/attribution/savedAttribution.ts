// Scores attributions saved in the paper's format (docs/cli.md, "Saved attributions"): per prompt, per model,
// SentencePiece input pieces and a (prompt tokens x response tokens) uint8 matrix. Pure: records in, scores out.
//
// The paper's analysis: a matrix already quantised to 0..10 (minimum 0, maximum exactly 10) is used as is;
// any other is normalised per response token and quantised with ceil(x * 10). Levels <= 7 become 0, density
// is L1/L4 per prompt token, and instruction importance weighs it over the instruction tokens.
import { fail, ok, type Result } from '../../lensError';
import { importanceDensity, PAPER_SPARSIFY, sparsify, thresholdLevels } from './density';
import { instructionImportance, instructionMask, locateSpans } from './instructionImportance';
import { pieceOffsets } from './pieceOffsets';

export interface SavedModelAttribution {
  readonly input_tokens: readonly string[];
  readonly output_tokens?: readonly string[];
  readonly attribution_shape: readonly [number, number];
  readonly attribution_uint8_b64: string;
}

export interface SavedRecord {
  readonly id: string;
  readonly prompt: string;
  readonly instruction_spans: readonly string[];
  readonly models: Readonly<Record<string, SavedModelAttribution>>;
}

export interface SavedScore {
  readonly id: string;
  readonly model: string;
  readonly instruction_importance: number;
  readonly density: readonly number[];
}

const bad = (what: string) =>
  fail('bad-argument', what, 'Each line must follow the saved-attribution format (docs/cli.md, "Saved attributions").');

/** Checks one parsed JSONL line's shape; `line` numbers the message. */
export function parseSavedRecord(raw: unknown, line: number): Result<SavedRecord> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad(`line ${line}: not a JSON object`);
  const r = raw as Record<string, unknown>;
  if (typeof r.id !== 'string' || r.id === '') return bad(`line ${line}: "id" must be a non-empty string`);
  if (typeof r.prompt !== 'string') return bad(`line ${line} (${r.id}): "prompt" must be a string`);
  if (!Array.isArray(r.instruction_spans) || !r.instruction_spans.every((s) => typeof s === 'string'))
    return bad(`line ${line} (${r.id}): "instruction_spans" must be a list of strings`);
  if (typeof r.models !== 'object' || r.models === null || Object.keys(r.models).length === 0)
    return bad(`line ${line} (${r.id}): "models" must hold at least one model`);
  for (const [name, m] of Object.entries(r.models as Record<string, Record<string, unknown>>)) {
    const shape = m?.attribution_shape;
    if (
      !Array.isArray(m?.input_tokens) ||
      !Array.isArray(shape) ||
      shape.length !== 2 ||
      !shape.every((d) => Number.isInteger(d) && d >= 0) ||
      typeof m.attribution_uint8_b64 !== 'string'
    ) {
      return bad(
        `line ${line} (${r.id}, ${name}): needs input_tokens, attribution_shape [rows, columns] and ` +
          `attribution_uint8_b64`,
      );
    }
    if (shape[0] !== m.input_tokens.length)
      return bad(
        `line ${line} (${r.id}, ${name}): attribution_shape has ${shape[0]} rows for ` +
          `${m.input_tokens.length} input tokens`,
      );
    const bytes = Buffer.from(m.attribution_uint8_b64, 'base64').length;
    if (bytes !== shape[0] * shape[1])
      return bad(`line ${line} (${r.id}, ${name}): the matrix holds ${bytes} values, not ${shape[0]} x ${shape[1]}`);
  }
  return ok(r as unknown as SavedRecord);
}

export function scoreSavedRecord(record: SavedRecord): Result<SavedScore[]> {
  const spans = locateSpans(record.prompt, record.instruction_spans);
  const missing = spans.findIndex((s) => s === null);
  if (missing >= 0) {
    return fail(
      'bad-argument',
      `${record.id}: instruction span ${JSON.stringify(record.instruction_spans[missing])} is not in the prompt`,
      'Instruction spans must be exact substrings of the prompt.',
    );
  }
  const found = spans as [number, number][];
  return ok(
    Object.entries(record.models).map(([model, m]) => {
      const [N, M] = m.attribution_shape;
      const include = new Array<boolean>(N).fill(true);
      if (M === 0) return { id: record.id, model, instruction_importance: 0, density: new Array<number>(N).fill(0) };
      const values = Buffer.from(m.attribution_uint8_b64, 'base64');
      let min = Infinity;
      let max = -Infinity;
      for (const v of values) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      const quantised = min === 0 && max === PAPER_SPARSIFY.levels;
      const levels = quantised ? thresholdLevels(values) : sparsify(values, N, M, include);
      const density = importanceDensity(levels, N, M, include) as number[];
      const offsets = pieceOffsets(m.input_tokens, record.prompt);
      const mask = instructionMask(
        record.prompt,
        offsets.map(([start, end]) => ({ start, end })),
        found,
      );
      return { id: record.id, model, instruction_importance: instructionImportance(density, mask), density };
    }),
  );
}

/**
 * By model name, its prompts and mean; for exactly two models also `comparison`: the prompts both scored and,
 * as `<model>_higher`, the fraction where each scores higher.
 */
export type ScoreSummary = Record<
  string,
  { readonly prompts: number; readonly mean: number } | Readonly<Record<string, number>>
>;

/** Per model the mean; for exactly two models, the fraction of prompts where each scores higher. */
export function summariseScores(scores: readonly SavedScore[]): ScoreSummary {
  const models = [...new Set(scores.map((s) => s.model))];
  const summary: ScoreSummary = {};
  for (const model of models) {
    const own = scores.filter((s) => s.model === model);
    summary[model] = { prompts: own.length, mean: own.reduce((a, s) => a + s.instruction_importance, 0) / own.length };
  }
  if (models.length === 2) {
    const [a, b] = models;
    const byId = new Map<string, Record<string, number>>();
    for (const s of scores) byId.set(s.id, { ...byId.get(s.id), [s.model]: s.instruction_importance });
    const both = [...byId.values()].filter((v) => a in v && b in v);
    summary.comparison = {
      prompts: both.length,
      [`${a}_higher`]: both.filter((v) => v[a] > v[b]).length / both.length,
      [`${b}_higher`]: both.filter((v) => v[b] > v[a]).length / both.length,
    };
  }
  return summary;
}
