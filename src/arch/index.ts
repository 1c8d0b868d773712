// The model families and what the runtime needs of them.
export { FAMILIES, familyOf, globalWeights, parseConfig, SUPPORTED_MODEL_TYPES } from './families';
export type { Family } from './family';
export { checkWeightShapes } from './weightShapes';
export type { Architecture, ForwardInputs, ForwardOutputs } from './architecture';
export type { KeyValue } from './attention';
export type { WeightSource } from './weights';
