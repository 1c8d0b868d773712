// One Hugging Face checkpoint folder, opened: config.json (+ generation_config.json), the safetensors weights,
// tokenizer.json and the chat template. Opening reads headers and small JSON files only; weights are read
// tensor by tensor later. Which tensors a family needs is src/arch's business, not this file's.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fail, ok, type Result } from '../lensError';
import { loadChatTemplate, type ChatTemplate } from '../model/chatTemplate';
import { parseConfig } from '../arch';
import type { ModelConfig } from '../model/config';
import { elementCount, openWeights, type WeightStore } from '../model/safetensors';
import { loadTokenizer, type LensTokenizer } from '../model/tokenizer';

export interface Checkpoint {
  readonly dir: string; // absolute: the checkpoint folder, or a GGUF file
  readonly weightsFolder: string; // absolute: the folder the weights' files are named relative to
  readonly config: ModelConfig; // eosTokenIds include generation_config.json's
  readonly weights: WeightStore;
  readonly tokenizer: LensTokenizer;
  readonly chatTemplate: Result<ChatTemplate>; // an error value when there is none; it matters only with --chat
  readonly parameterCount: number; // elements of all tensors (tied embeddings are stored, and counted, once)
}

const CHECKPOINT_HINT = 'Pass the folder of a Hugging Face checkpoint: config.json, tokenizer.json and *.safetensors.';

export async function loadCheckpoint(dir: string): Promise<Result<Checkpoint>> {
  const abs = resolve(dir);
  if (!existsSync(abs)) return fail('missing-file', `${abs}: no such directory`, CHECKPOINT_HINT);
  if (!statSync(abs).isDirectory())
    return fail('missing-file', `${abs}: is a file, not a checkpoint folder`, CHECKPOINT_HINT);

  const rawConfig = readJson(abs, 'config.json', true);
  if (!rawConfig.ok) return rawConfig;
  const parsed = parseConfig(rawConfig.value);
  if (!parsed.ok)
    return fail(
      parsed.error.code,
      `${join(abs, 'config.json')}: ${parsed.error.message.replace(/^config\.json: /, '')}`,
      parsed.error.hint,
    );

  const generation = readJson(abs, 'generation_config.json', false);
  if (!generation.ok) return generation;
  const config = withGenerationConfig(parsed.value, generation.value);

  const weights = openWeights(abs);
  if (!weights.ok) return weights;
  const tokenizer = await loadTokenizer(abs);
  if (!tokenizer.ok) return tokenizer;

  let parameterCount = 0;
  for (const name of weights.value.names()) parameterCount += elementCount(weights.value.info(name)!.shape);

  return ok({
    dir: abs,
    weightsFolder: abs,
    config,
    weights: weights.value,
    tokenizer: tokenizer.value,
    chatTemplate: loadChatTemplate(abs),
    parameterCount,
  });
}

/** A JSON file of the checkpoint; `undefined` when an optional one is absent. */
function readJson(dir: string, name: string, required: boolean): Result<unknown> {
  const path = join(dir, name);
  if (!existsSync(path))
    return required ? fail('missing-file', `${dir}: ${name} not found`, CHECKPOINT_HINT) : ok(undefined);
  try {
    return ok(JSON.parse(readFileSync(path, 'utf8')));
  } catch (e) {
    return fail(
      'bad-config',
      `${path}: not valid JSON (${(e as Error).message})`,
      'Repair the file or download the checkpoint again.',
    );
  }
}

/** generation_config.json often lists more stop ids than config.json (Llama-3: <|eot_id|>): take both. */
function withGenerationConfig(config: ModelConfig, generation: unknown): ModelConfig {
  if (typeof generation !== 'object' || generation === null) return config;
  const g = generation as { eos_token_id?: unknown; bos_token_id?: unknown };
  const extra =
    typeof g.eos_token_id === 'number' ? [g.eos_token_id] : Array.isArray(g.eos_token_id) ? g.eos_token_id : [];
  const eosTokenIds = [...config.eosTokenIds];
  for (const id of extra) if (Number.isInteger(id) && !eosTokenIds.includes(id)) eosTokenIds.push(id);
  const bosTokenId = config.bosTokenId ?? (Number.isInteger(g.bos_token_id) ? (g.bos_token_id as number) : null);
  return { ...config, eosTokenIds, bosTokenId };
}
