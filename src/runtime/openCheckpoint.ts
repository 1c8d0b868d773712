// A checkpoint folder (or a GGUF file, src/runtime/ggufCheckpoint.ts) opened for any method: config.json, tokenizer
// and safetensors headers read (src/runtime/checkpoint.ts), then every tensor's shape checked against what
// config.json implies for its family, before a graph is built or a weight is read. A job hands its methods a
// CheckpointHandle, which opens the checkpoint the first time one of them needs it and never again.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { checkWeightShapes, familyOf } from '../arch';
import { fail, ok, type Result } from '../lensError';
import { loadCheckpoint, type Checkpoint } from './checkpoint';
import { loadGgufCheckpoint } from './ggufCheckpoint';
import { findOllamaModel, OLLAMA_PREFIX } from '../gguf/ollamaStore';

/** An Ollama model's GGUF file, named as the user named it ("ollama:NAME:TAG") in what is shown. */
async function openOllamaModel(spec: string): Promise<Result<Checkpoint>> {
  const found = findOllamaModel(spec);
  if (!found.ok) return found;
  const checkpoint = await loadGgufCheckpoint(found.value.file);
  if (!checkpoint.ok)
    return fail(
      checkpoint.error.code,
      `${OLLAMA_PREFIX}${found.value.name} (${found.value.file}): ` +
        `${checkpoint.error.message.replace(`${found.value.file}: `, '')}`,
      checkpoint.error.hint,
    );
  return ok({ ...checkpoint.value, dir: `${OLLAMA_PREFIX}${found.value.name}` });
}

/**
 * A GGUF file rather than a checkpoint folder: by its name, or by its first bytes for a file of another name (an Ollama
 * blob).
 */
function isGgufPath(path: string): boolean {
  if (/\.gguf$/i.test(path)) return true;
  try {
    if (!statSync(path).isFile()) return false;
    const fd = openSync(path, 'r');
    try {
      const head = Buffer.alloc(4);
      return readSync(fd, head, 0, 4, 0) === 4 && head.toString('latin1') === 'GGUF';
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

export async function openCheckpoint(dir: string): Promise<Result<Checkpoint>> {
  const checkpoint = dir.startsWith(OLLAMA_PREFIX)
    ? await openOllamaModel(dir.slice(OLLAMA_PREFIX.length))
    : isGgufPath(dir)
      ? await loadGgufCheckpoint(dir)
      : await loadCheckpoint(dir);
  if (!checkpoint.ok) return checkpoint;
  const { config, weights } = checkpoint.value;
  const shapes = checkWeightShapes(config, weights, familyOf(config.modelType).weightShapes(config));
  if (!shapes.ok && config.moe) {
    // experts stacked into one tensor per layer, as transformers 5 holds them in memory: refused by name
    const stacked = weights.names().find((n) => /\.experts\.(gate_up_proj|down_proj)(\.weight)?$/.test(n));
    if (stacked) {
      return fail(
        'unsupported-arch',
        `weights: "${stacked}" holds all of a layer's experts in one tensor, a layout not supported`,
        'Save the checkpoint with one tensor per expert, as the published Mixtral and Qwen3-MoE ' +
          'checkpoints are (experts.{e}.gate_proj, up_proj, down_proj).',
      );
    }
  }
  return shapes.ok ? ok(checkpoint.value) : shapes;
}

/** A checkpoint opened, with the seconds that opening it took. */
export interface OpenedCheckpoint {
  readonly checkpoint: Checkpoint;
  readonly seconds: number;
}

/**
 * One model of a job, handed to each method that reads it (explain, heads, concepts, compare): it is opened the
 * first time a method asks, and every later ask gets the same checkpoint (or the same error).
 */
export interface CheckpointHandle {
  /** The folder, GGUF file or `ollama:NAME` as the user gave it. */
  readonly path: string;
  open(): Promise<Result<OpenedCheckpoint>>;
}

/** A handle on `path`; `opened`: a checkpoint already opened from it. */
export function checkpointHandle(path: string, opened?: Checkpoint): CheckpointHandle {
  let result: Promise<Result<OpenedCheckpoint>> | undefined = opened
    ? Promise.resolve(ok({ checkpoint: opened, seconds: 0 }))
    : undefined;
  return {
    path,
    open() {
      result ??= (async () => {
        const start = performance.now();
        const checkpoint = await openCheckpoint(path);
        return checkpoint.ok
          ? ok({ checkpoint: checkpoint.value, seconds: (performance.now() - start) / 1000 })
          : checkpoint;
      })();
      return result;
    },
  };
}
