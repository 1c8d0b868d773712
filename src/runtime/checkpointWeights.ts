// A WeightSource over a checkpoint's safetensors: each weight becomes one initializer whose external data
// points straight into the safetensors file (no bytes are read here), cast to the compute dtype at its use.
import type { WeightSource } from '../arch';
import { cast, gather, type DType, type Graph, type Tensor } from '../graph';
import { LensFailure } from '../lensError';
import type { TensorInfo, WeightStore } from '../model/safetensors';

const STORED: Partial<Record<string, DType>> = { F32: 'float32', F16: 'float16', BF16: 'bfloat16', F64: 'float64' };

/** Hugging Face saves the same weights with or without the base model's prefix, depending on the class. */
function candidates(name: string): string[] {
  const bare = name.replace(/^model\./, '');
  return [name, bare, `model.${bare}`, `transformer.${bare}`];
}

/**
 * `scope` names a separately cast copy: computations that run at different times (the step, the attribution)
 * each cast 16-bit weights themselves, so neither keeps the other's f32 casts alive. The stored initializer
 * is one and the same.
 */
export function checkpointWeights(graph: Graph, store: WeightStore, scope = 'main'): WeightSource {
  const find = (name: string): TensorInfo | undefined => candidates(name).map((c) => store.info(c)).find((i) => i !== undefined);
  const source: WeightSource = {
    has: (name) => find(name) !== undefined,
    rows: (name, ids) => cast(gather(stored(name), ids), graph.computeDtype),
    get: (name) => graph.cached(`${scope}:weight:${name}`, () => cast(stored(name), graph.computeDtype)),
  };
  /** The initializer in its stored dtype: one per tensor, whatever the scope. */
  function stored(name: string): Tensor {
    const info = find(name);
    if (!info) {
      throw new LensFailure({
        code: 'missing-tensor',
        message: `weights: tensor "${name}" not found in ${store.files.join(', ')}`,
        hint: 'The checkpoint does not match its config.json (wrong model_type, or a partial download).',
      });
    }
    const dtype = STORED[info.dtype];
    if (!dtype) {
      throw new LensFailure({ code: 'corrupt-safetensors', message: `${info.file}: tensor "${info.name}" has dtype ${info.dtype}`, hint: 'Weights must be F32, F16 or BF16.' });
    }
    return graph.cached(`stored:${info.name}`, () => graph.weight(info.name, info.shape, dtype, { external: { file: info.file, offset: info.byteOffset, length: info.byteLength } }));
  }
  return source;
}
