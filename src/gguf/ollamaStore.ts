// Models installed with Ollama, found the way Ollama finds them: the store is $OLLAMA_MODELS, else
// ~/.ollama/models, else the Linux service's /usr/share/ollama/.ollama/models; a model NAME[:TAG] (tag
// "latest" by default; NAME may carry a namespace "user/name" and a registry host "host/user/name") has a
// manifest at manifests/<host>/<namespace>/<name>/<tag> (host registry.ollama.ai, namespace library by
// default), whose layer of media type application/vnd.ollama.image.model is the GGUF file, stored as
// blobs/sha256-<hex>. Only files are read; Ollama need not be installed or running.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fail, ok, type Result } from '../lensError';

export const OLLAMA_PREFIX = 'ollama:';
const MODEL_LAYER = 'application/vnd.ollama.image.model';
const DEFAULT_HOST = 'registry.ollama.ai';
const DEFAULT_NAMESPACE = 'library';

export interface OllamaModel {
  /** As Ollama lists it: "llama3.2:latest", "user/model:tag", "host/user/model:tag". */
  readonly name: string;
  /** The GGUF blob. */
  readonly file: string;
}

/** The store folder Ollama uses here, if any exists. */
export function ollamaStore(
  env: NodeJS.ProcessEnv = process.env,
  home = homedir(),
): { readonly root: string | undefined; readonly tried: readonly string[] } {
  const tried = env.OLLAMA_MODELS
    ? [env.OLLAMA_MODELS]
    : [join(home, '.ollama', 'models'), '/usr/share/ollama/.ollama/models'];
  return { root: tried.find((p) => existsSync(join(p, 'manifests'))), tried };
}

/** NAME[:TAG] split into the manifest's path parts. */
function parseName(spec: string): { host: string; namespace: string; model: string; tag: string } | undefined {
  const at = spec.lastIndexOf(':');
  const slash = spec.lastIndexOf('/');
  const [path, tag] = at > slash ? [spec.slice(0, at), spec.slice(at + 1)] : [spec, 'latest'];
  const parts = path.split('/');
  if (parts.length > 3 || parts.some((p) => p === '' || p === '.' || p === '..') || tag === '' || tag.includes('/'))
    return undefined;
  const model = parts[parts.length - 1];
  const namespace = parts.length >= 2 ? parts[parts.length - 2] : DEFAULT_NAMESPACE;
  const host = parts.length === 3 ? parts[0] : DEFAULT_HOST;
  return { host, namespace, model, tag };
}

/** The display name of a manifest path relative to manifests/: the default host and namespace left out. */
function displayName(host: string, namespace: string, model: string, tag: string): string {
  const path =
    host === DEFAULT_HOST
      ? namespace === DEFAULT_NAMESPACE
        ? model
        : `${namespace}/${model}`
      : `${host}/${namespace}/${model}`;
  return `${path}:${tag}`;
}

const STORE_HINT =
  'Install the model with `ollama pull NAME`, or set OLLAMA_MODELS to the folder Ollama keeps its models in.';

/** The GGUF file of Ollama model `spec` (NAME[:TAG], without the "ollama:" prefix). */
export function findOllamaModel(
  spec: string,
  env: NodeJS.ProcessEnv = process.env,
  home = homedir(),
): Result<OllamaModel> {
  const { root, tried } = ollamaStore(env, home);
  if (!root)
    return fail('missing-file', `ollama:${spec}: no Ollama model store (looked in ${tried.join(', ')})`, STORE_HINT);
  const parsed = parseName(spec);
  if (!parsed)
    return fail(
      'bad-argument',
      `ollama:${spec}: not a model name (NAME, NAME:TAG, USER/NAME:TAG)`,
      'Use a name as `ollama list` shows it, e.g. ollama:llama3.2 or ollama:qwen3:8b.',
    );
  const manifest = join(root, 'manifests', parsed.host, parsed.namespace, parsed.model, parsed.tag);
  if (!existsSync(manifest)) {
    const installed = listOllamaModels(root).map((m) => m.name);
    return fail(
      'missing-file',
      `ollama:${spec}: not in the Ollama store ${root}`,
      installed.length > 0 ? `Installed: ${installed.join(', ')}.` : `The store holds no models. ${STORE_HINT}`,
    );
  }
  let layers: unknown;
  try {
    layers = (JSON.parse(readFileSync(manifest, 'utf8')) as { layers?: unknown }).layers;
  } catch (e) {
    return fail(
      'corrupt-gguf',
      `ollama:${spec}: its manifest ${manifest} is not valid JSON (${(e as Error).message})`,
      'Pull the model again with `ollama pull`.',
    );
  }
  const layer = Array.isArray(layers)
    ? (layers as { mediaType?: unknown; digest?: unknown }[]).find((l) => l?.mediaType === MODEL_LAYER)
    : undefined;
  if (!layer || typeof layer.digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(layer.digest)) {
    return fail(
      'corrupt-gguf',
      `ollama:${spec}: its manifest ${manifest} has no model layer (${MODEL_LAYER})`,
      'The entry is not a model Ollama can run (an adapter or a projector alone?), or the manifest is ' +
        'damaged: pull it again.',
    );
  }
  const file = join(root, 'blobs', layer.digest.replace(':', '-'));
  if (!existsSync(file))
    return fail(
      'missing-file',
      `ollama:${spec}: its model blob ${file} is missing`,
      'The store is incomplete: pull the model again with `ollama pull`.',
    );
  return ok({ name: displayName(parsed.host, parsed.namespace, parsed.model, parsed.tag), file });
}

/** The models of the store at `root` with a model layer, by name. */
export function listOllamaModels(root: string): OllamaModel[] {
  const manifests = join(root, 'manifests');
  const out: OllamaModel[] = [];
  const dirs = (p: string) => {
    try {
      return readdirSync(p).filter((n) => statSync(join(p, n)).isDirectory());
    } catch {
      return [];
    }
  };
  for (const host of dirs(manifests)) {
    for (const namespace of dirs(join(manifests, host))) {
      for (const model of dirs(join(manifests, host, namespace))) {
        let tags: string[];
        try {
          tags = readdirSync(join(manifests, host, namespace, model));
        } catch {
          continue;
        }
        for (const tag of tags) {
          const name = displayName(host, namespace, model, tag);
          const found = findOllamaModelIn(root, host, namespace, model, tag);
          if (found) out.push({ name, file: found });
        }
      }
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** The blob of one manifest, or undefined where it has none or is unreadable. */
function findOllamaModelIn(
  root: string,
  host: string,
  namespace: string,
  model: string,
  tag: string,
): string | undefined {
  try {
    const layers = (
      JSON.parse(readFileSync(join(root, 'manifests', host, namespace, model, tag), 'utf8')) as {
        layers?: { mediaType?: unknown; digest?: unknown }[];
      }
    ).layers;
    const layer = layers?.find((l) => l?.mediaType === MODEL_LAYER);
    if (!layer || typeof layer.digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(layer.digest)) return undefined;
    const file = join(root, 'blobs', layer.digest.replace(':', '-'));
    return existsSync(file) ? file : undefined;
  } catch {
    return undefined;
  }
}
