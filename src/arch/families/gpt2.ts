// GPT-2 (modeling_gpt2.py, configuration_gpt2.py): its own key names, Conv1D weights, learned positions.
import { ok, type Result } from '../../lensError';
import { badConfig, num, requirePositive, specialTokenIds, type Json, type ModelConfig } from '../../model/config';
import type { Family } from '../family';
import { gpt2GlobalWeights } from '../globalWeights';
import { buildGpt2, gpt2WeightShapes } from '../gpt2Graph';

export const gpt2: Family = {
  modelTypes: ['gpt2'],
  readme: {
    models: 'GPT-2',
    notes: 'Conv1D weights, learned positions, LayerNorm, `gelu_new` (or exact `gelu`)',
    checked: 'sharded, under `transformer.`',
  },
  parseConfig: parseGpt2Config,
  build: buildGpt2,
  weightShapes: gpt2WeightShapes,
  globalWeights: gpt2GlobalWeights,
};

function parseGpt2Config(cfg: Json, _modelType: string, architecture: string): Result<ModelConfig> {
  const req = requirePositive({
    vocab_size: num(cfg, 'vocab_size'),
    n_embd: num(cfg, 'n_embd'),
    n_layer: num(cfg, 'n_layer'),
    n_head: num(cfg, 'n_head'),
    n_positions: num(cfg, 'n_positions', num(cfg, 'n_ctx')),
  });
  if (!req.ok) return req;
  const r = req.value;
  if (r.n_embd % r.n_head !== 0) return badConfig(`n_embd ${r.n_embd} is not divisible by n_head ${r.n_head}`);
  const act = cfg.activation_function ?? 'gelu_new';
  if (act !== 'gelu_new' && act !== 'gelu')
    return badConfig(`activation_function "${String(act)}" is not supported (gelu_new, gelu)`);
  return ok({
    modelType: 'gpt2',
    architecture,
    vocabSize: r.vocab_size,
    hiddenSize: r.n_embd,
    numLayers: r.n_layer,
    numHeads: r.n_head,
    numKvHeads: r.n_head,
    headDim: r.n_embd / r.n_head,
    rotaryDim: r.n_embd / r.n_head,
    fusedProjections: false,
    intermediateSize: num(cfg, 'n_inner') ?? 4 * r.n_embd,
    maxPositions: r.n_positions,
    normEps: num(cfg, 'layer_norm_epsilon', 1e-5)!,
    ropeTheta: 0,
    ropeScaling: null,
    localRope: null,
    tieWordEmbeddings: cfg.tie_word_embeddings !== false,
    attentionBias: true,
    hiddenAct: act as 'gelu_new' | 'gelu',
    slidingWindow: null,
    fullAttentionLayers: [],
    qkNorm: null,
    postNorms: false,
    normOffset: 0,
    moe: null,
    attentionScale: 1 / Math.sqrt(r.n_embd / r.n_head),
    attnLogitSoftcap: null,
    finalLogitSoftcap: null,
    ...specialTokenIds(cfg),
  });
}
