// A family of the llama layout (src/arch/llamaGraph.ts): its graph, shapes and global weights are the layout's,
// its config.json is read with the options it declares (src/arch/llamaConfig.ts).
import type { Family } from '../family';
import { llamaGlobalWeights } from '../globalWeights';
import { buildLlama, llamaWeightShapes } from '../llamaGraph';
import { parseLlamaConfig, type LlamaOptions } from '../llamaConfig';

export function llamaLayout(modelType: string, readme: Family['readme'], options: LlamaOptions): Family {
  return {
    modelTypes: [modelType],
    readme,
    parseConfig: (cfg, type, architecture) => parseLlamaConfig(cfg, type, architecture, options),
    build: buildLlama,
    weightShapes: llamaWeightShapes,
    globalWeights: llamaGlobalWeights,
  };
}
