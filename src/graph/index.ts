// The graph DSL's public surface: build tensors with the ops, differentiate with grad, emit with emitModel.
export * from './tensor';
export { grad, type GradOptions } from './autodiff';
export { emitModel, type GraphOutput, type EmitOptions, type ConditionalOutputs } from './emit';
export { OPSET } from './onnxWriter';
export { add, sub, mul, div, type Operand } from './ops/elementwise';
export { neg, exp, log, sqrt, tanh, sigmoid, sin, cos, erf, stopGradient } from './ops/unary';
export { reduceSum, reduceMax, argMax } from './ops/reduce';
export {
  reshape,
  transpose,
  transposeLast2,
  slice,
  pad,
  concat,
  expand,
  unsqueeze,
  takeLast,
  apart,
} from './ops/layout';
export { matmul } from './ops/matmul';
export { where, lessOrEqual, greater, and, gather, cast, recast } from './ops/select';
export { dimOf, range } from './ops/range';
export { unbroadcast } from './ops/broadcast';
export { linear, linearRowBlocks } from './ops/linear';
export { softmax, rmsNorm, layerNorm, silu, swiglu, geluTanh, geluErf, meanLast } from './nn';
export { attend } from './ops/fused';
export { topKMask, nonZeroIndices, takeRows, putRows } from './ops/route';
export { countFlops, evaluateFlops, flopTerms, type FlopCount, type FlopTerm } from './flops';
export { ggmlWeight, type GgmlWeightAttrs } from './ops/ggmlWeight';
