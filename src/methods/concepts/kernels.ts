// The feed-forward concepts' heavy steps (docs/ARCHITECTURE.md, method 3, src/methods/concepts/ffnConcepts.ts) as
// onnxruntime
// graphs, one session per graph and thread count, built on first use and kept for the process:
//   scatter      S = X_c X_c^T from W_down [D, F]: its rows' means, the centring and Gemms by row blocks
//   rowsTimes    X S for rows X [n, D], S symmetric (S goes in as the MatMul's left operand, which it reads
//                as it is; as the right one it would be repacked on every call)
//   filter       a whole Chebyshev filter pass of the eigensolver (topEigenpairs.ts, FilterRows): the
//                three-term recurrence as an ONNX Loop, one call where a pass was degree − 1 calls
// These two and the float64 products below take a batch: b problems' operands stacked ([b, D, D], [b, n, D]),
// one batched MatMul for all, as the eigensolver runs a model's layers side by side (topEigenpairsBatch).
//   topCosines   unit rows U [n, D] against the vocabulary E [V, D]: the norms of E, the cosines and the
//                K largest |cosine| a row (TopK), so only [n, K] comes back instead of [n, V]
//   rowProducts64, combineRows64
//                the eigensolver's float64 block products (topEigenpairs.ts DenseProducts: Gram matrices,
//                Rayleigh-Ritz products, L^{-1} X): double Gemm and MatMul, which onnxruntime runs several
//                times faster than the same loops in JS
// Written as ONNX protos directly rather than with the graph DSL: the Loop (a subgraph with loop-carried
// values) and TopK (two outputs) are beyond it, and the other two are a handful of nodes.
//
// Threads: every kernel on `threads` (all cores by default), and no session's threads spin between runs
// (onnxSession's `spinning: false`). Each session has its own pool, and a pool whose threads spin after a run
// (onnxruntime's default) takes a core from the next kernel and from the reads on libuv's threads: with
// spinning pools the whole run (D = 512, F = 1536, V = 32000, 2 vCPUs) took 0.37-0.48 s on two threads
// against 0.24 s with the eigensolver's products and the scatter on one. Without spinning, two threads win
// alone (a scatter in 8 blocks 4.1 ms against 6.4 on one, a filter pass of degree 20 on 16 rows 1.4 against
// 2.2 ms, a product of 16 rows with S 0.17 against 0.32 ms) and in the whole run (best of 10: 176 ms
// against 192 with the scatter and the filter on one thread, medians 201 and 216 ms).
//
// D model width, F feed-forward width, V vocabulary, n rows, K words a row.
import type { onnx } from 'onnx-proto';
import { f32, f64, i64, kernelSession, ort } from '../../runtime/onnxSession';
import { A, constant, int, ints, modelBytes, node, T, value } from '../../graph/onnxWriter';

/**
 * S = (W − mean) (W − mean)^T: W [d, f], mean [d, 1], by blocks: the centred rows split into `blocks` parts
 * (`sizes` [blocks]), a Gemm for each block on or below the diagonal, the blocks above it their transposes
 * (S is symmetric): blocks (blocks + 1) / 2 of blocks² products, 3/4 of the work at 2 blocks, 5/8 at 4.
 */
function scatterModel(blocks: number): Uint8Array {
  const part = (i: number) => `x${i}`;
  const nodes: onnx.INodeProto[] = [
    node('ReduceMean', ['w'], ['mean'], [ints('axes', [1]), int('keepdims', 1)]),
    node('Sub', ['w', 'mean'], ['xc']),
  ];
  if (blocks === 1) nodes.push(node('Identity', ['xc'], [part(0)]));
  else
    nodes.push(
      node(
        'Split',
        ['xc', 'sizes'],
        Array.from({ length: blocks }, (_, i) => part(i)),
        [int('axis', 0)],
      ),
    );
  const rows: string[] = [];
  for (let i = 0; i < blocks; i++) {
    const row: string[] = [];
    for (let j = 0; j < blocks; j++) {
      if (j <= i) nodes.push(node('Gemm', [part(i), part(j)], [`s${i}_${j}`], [int('transB', 1)]));
      else nodes.push(node('Transpose', [`s${j}_${i}`], [`s${i}_${j}`], [ints('perm', [1, 0])]));
      row.push(`s${i}_${j}`);
    }
    if (blocks === 1) rows.push(row[0]);
    else {
      nodes.push(node('Concat', row, [`row${i}`], [int('axis', 1)]));
      rows.push(`row${i}`);
    }
  }
  nodes.push(node(blocks === 1 ? 'Identity' : 'Concat', rows, ['s'], blocks === 1 ? [] : [int('axis', 0)]));
  return modelBytes({
    name: 'scatter',
    input: [value('w', T.FLOAT, ['d', 'f']), ...(blocks === 1 ? [] : [value('sizes', T.INT64, [blocks])])],
    output: [value('s', T.FLOAT, ['d', 'd']), value('mean', T.FLOAT, ['d', 1])],
    node: nodes,
  });
}

/**
 * The scatter's row blocks: a power of two, blocks of 128 to 255 rows, at most 8 (36 Gemms). Smaller blocks save
 * products but run each one less efficiently; a power of two splits D evenly where D is one.
 */
export const scatterBlocks = (D: number) => Math.min(8, 2 ** Math.max(0, Math.floor(Math.log2(D / 128))));

/**
 * Y_p = X_p S_p = (S_p X_p^T)^T for each of b symmetric S_p [d, d] and rows X_p [n, d], stacked: S [b, d, d] and
 * X [b, n, d].
 */
function rowsTimesModel(): Uint8Array {
  return modelBytes({
    name: 'rows_times',
    input: [value('s', T.FLOAT, ['b', 'd', 'd']), value('x', T.FLOAT, ['b', 'n', 'd'])],
    output: [value('y', T.FLOAT, ['b', 'n', 'd'])],
    node: [
      node('Transpose', ['x'], ['xt'], [ints('perm', [0, 2, 1])]),
      node('MatMul', ['s', 'xt'], ['sx']),
      node('Transpose', ['sx'], ['y'], [ints('perm', [0, 2, 1])]),
    ],
  });
}

/**
 * The filter pass of FilterRows for b problems at once, on columns (Z_p = X_p^T, so S_p is the MatMul's left
 * operand), S [b, d, d], X and AX [b, n, d]:
 *   Z_1 = α_0 AZ + β_0 Z_0, then `count` = degree − 1 Loop iterations j = 1..:
 *   Z_{j+1} = α_j S Z_j + β_j Z_j + γ_j Z_{j−1}
 * steps [b, degree, 3] (α, β, γ) per problem and step; the body gathers its step j = i + 1 from the outer scope.
 */
function filterModel(): Uint8Array {
  // the step's coefficients as [b, 1, 1] each, to scale the problems' [d, n] blocks
  const coefficients = (row: string, names: readonly string[]): onnx.INodeProto[] => [
    node(
      'Split',
      [row],
      names.map((n) => `${n}2`),
      [int('axis', 1)],
    ), // [b, 1] each
    ...names.map((n) => node('Unsqueeze', [`${n}2`, 'last'], [n])),
  ];
  const body: onnx.IGraphProto = {
    name: 'step',
    input: [
      value('i', T.INT64, []),
      value('cond', T.BOOL, []),
      value('z', T.FLOAT, ['b', 'd', 'n']),
      value('zp', T.FLOAT, ['b', 'd', 'n']),
    ],
    output: [
      value('cond_out', T.BOOL, []),
      value('z_next', T.FLOAT, ['b', 'd', 'n']),
      value('z_prev', T.FLOAT, ['b', 'd', 'n']),
    ],
    initializer: [constant('one', T.INT64, [], BigInt64Array.of(1n))],
    node: [
      node('Identity', ['cond'], ['cond_out']),
      node('Identity', ['z'], ['z_prev']),
      node('Add', ['i', 'one'], ['j']),
      node('Gather', ['steps', 'j'], ['row'], [int('axis', 1)]), // [b, 3]
      ...coefficients('row', ['alpha', 'beta', 'gamma']),
      node('MatMul', ['s', 'z'], ['sz']),
      node('Mul', ['alpha', 'sz'], ['t_alpha']),
      node('Mul', ['beta', 'z'], ['t_beta']),
      node('Mul', ['gamma', 'zp'], ['t_gamma']),
      node('Add', ['t_alpha', 't_beta'], ['t_sum']),
      node('Add', ['t_sum', 't_gamma'], ['z_next']),
    ],
  };
  return modelBytes({
    name: 'chebyshev_filter',
    input: [
      value('s', T.FLOAT, ['b', 'd', 'd']),
      value('x', T.FLOAT, ['b', 'n', 'd']),
      value('ax', T.FLOAT, ['b', 'n', 'd']),
      value('steps', T.FLOAT, ['b', 'p', 3]),
      value('count', T.INT64, []),
    ],
    output: [value('y', T.FLOAT, ['b', 'n', 'd'])],
    initializer: [
      constant('zero', T.INT64, [], BigInt64Array.of(0n)),
      constant('last', T.INT64, [1], BigInt64Array.of(2n)),
    ],
    node: [
      node('Transpose', ['x'], ['z0'], [ints('perm', [0, 2, 1])]),
      node('Transpose', ['ax'], ['az0'], [ints('perm', [0, 2, 1])]),
      node('Gather', ['steps', 'zero'], ['row0'], [int('axis', 1)]),
      ...coefficients('row0', ['alpha0', 'beta0', 'gamma0']),
      node('Mul', ['alpha0', 'az0'], ['first_alpha']),
      node('Mul', ['beta0', 'z0'], ['first_beta']),
      node('Add', ['first_alpha', 'first_beta'], ['z1']),
      node('Loop', ['count', '', 'z1', 'z0'], ['z_last', 'z_before'], [{ name: 'body', type: A.GRAPH, g: body }]),
      node('Transpose', ['z_last'], ['y'], [ints('perm', [0, 2, 1])]),
    ],
  });
}

/**
 * For unit rows U [n, d] and the vocabulary E [v, d]: cos = U E^T / ‖e_v‖, and per row the K ids with the
 * largest |cos| among `valid` ids with a non-zero row (others score −1), by TopK (ties: lower id first).
 */
function topCosinesModel(): Uint8Array {
  return modelBytes({
    name: 'top_cosines',
    input: [
      value('u', T.FLOAT, ['n', 'd']),
      value('e', T.FLOAT, ['v', 'd']),
      value('valid', T.BOOL, ['v']),
      value('k', T.INT64, [1]),
    ],
    output: [
      value('ids', T.INT64, ['n', 'K']),
      value('cosines', T.FLOAT, ['n', 'K']),
      value('scores', T.FLOAT, ['n', 'K']),
    ],
    initializer: [
      constant('zero', T.FLOAT, [], Float32Array.of(0)),
      constant('one', T.FLOAT, [], Float32Array.of(1)),
      constant('minus_one', T.FLOAT, [], Float32Array.of(-1)),
    ],
    node: [
      node('ReduceSumSquare', ['e'], ['norm2'], [ints('axes', [1]), int('keepdims', 0)]), // [v]
      node('Greater', ['norm2', 'zero'], ['nonzero']),
      node('And', ['valid', 'nonzero'], ['usable']),
      node('Sqrt', ['norm2'], ['norm']),
      node('Div', ['one', 'norm'], ['inverse_all']),
      node('Where', ['usable', 'inverse_all', 'zero'], ['inverse']),
      node('Gemm', ['u', 'e'], ['dots'], [int('transB', 1)]), // [n, v]
      node('Mul', ['dots', 'inverse'], ['cos']),
      node('Abs', ['cos'], ['abs']),
      // −1 for the ids left out (their cosine is 0 by `inverse`): a broadcast Add of a [v] bias, which costs
      // a third of a Where over [n, v] (0.25 against 0.75 ms for 80 x 8192)
      node('Where', ['usable', 'zero', 'minus_one'], ['bias']),
      node('Add', ['abs', 'bias'], ['score']),
      node('TopK', ['score', 'k'], ['scores', 'ids'], [int('axis', 1), int('largest', 1), int('sorted', 1)]),
      node('GatherElements', ['cos', 'ids'], ['cosines'], [int('axis', 1)]),
    ],
  });
}

/** A_p B_p^T for b products at once, A [b, n, d] and B [b, m, d], float64. */
function rowProducts64Model(): Uint8Array {
  return modelBytes({
    name: 'row_products_64',
    input: [value('a', T.DOUBLE, ['b', 'n', 'd']), value('bb', T.DOUBLE, ['b', 'm', 'd'])],
    output: [value('y', T.DOUBLE, ['b', 'n', 'm'])],
    node: [node('Transpose', ['bb'], ['bt'], [ints('perm', [0, 2, 1])]), node('MatMul', ['a', 'bt'], ['y'])],
  });
}

/** C_p X_p for b products at once, C [b, m, n] and X [b, n, d], float64. */
function combineRows64Model(): Uint8Array {
  return modelBytes({
    name: 'combine_rows_64',
    input: [value('c', T.DOUBLE, ['b', 'm', 'n']), value('x', T.DOUBLE, ['b', 'n', 'd'])],
    output: [value('y', T.DOUBLE, ['b', 'm', 'd'])],
    node: [node('MatMul', ['c', 'x'], ['y'])],
  });
}

function check(what: string, got: number, want: number): void {
  if (got !== want) throw new Error(`${what}: ${got} values, expected ${want}`);
}

/**
 * S = X_c X_c^T [D, D] for W_down [D, F] less each row's mean over the F neurons, in `blocks` row blocks
 * (default scatterBlocks(D)), into `into` if given; and the means [D].
 */
export async function scatterMatrix(
  wDown: Float32Array,
  D: number,
  F: number,
  options: { readonly threads?: number; readonly blocks?: number; readonly into?: Float32Array } = {},
): Promise<{ scatter: Float32Array; means: Float32Array }> {
  check('scatterMatrix: W', wDown.length, D * F);
  if (options.into) check('scatterMatrix: into', options.into.length, D * D);
  const blocks = Math.max(1, Math.min(options.blocks ?? scatterBlocks(D), D));
  const sizes = Array.from({ length: blocks }, (_, i) =>
    BigInt(Math.floor((D * (i + 1)) / blocks) - Math.floor((D * i) / blocks)),
  );
  const s = await kernelSession(`scatter${blocks}`, () => scatterModel(blocks), options.threads);
  const feeds: Record<string, ort.Tensor> = { w: f32(wDown, [D, F]) };
  if (blocks > 1) feeds.sizes = new ort.Tensor('int64', BigInt64Array.from(sizes), [blocks]);
  // written straight into the caller's buffer when it gives one (onnxruntime fills a pre-allocated output)
  const out = await s.run(feeds, { s: options.into ? f32(options.into, [D, D]) : null, mean: null });
  return { scatter: options.into ?? (out.s.data as Float32Array), means: out.mean.data as Float32Array };
}

/** How many D x D matrices S holds, end to end: 1 or more, whole. */
function matrixCount(what: string, S: Float32Array, D: number): number {
  const b = S.length / (D * D);
  if (!Number.isInteger(b) || b < 1) throw new Error(`${what}: ${S.length} values, not [b >= 1, ${D}, ${D}]`);
  return b;
}

/** X_p S_p [b, n, D] for rows X [b, n, D] and b symmetric S_p, S [b, D, D] (b = 1: X S for one S [D, D]). */
export async function rowsTimesSymmetric(
  S: Float32Array,
  D: number,
  x: Float32Array,
  n: number,
  threads?: number,
): Promise<Float32Array> {
  const b = matrixCount('rowsTimesSymmetric: S', S, D);
  check('rowsTimesSymmetric: X', x.length, b * n * D);
  const s = await kernelSession('rowsTimes', rowsTimesModel, threads);
  const out = await s.run({ s: f32(S, [b, D, D]), x: f32(x, [b, n, D]) });
  return out.y.data as Float32Array;
}

/**
 * A Chebyshev filter pass (src/methods/concepts/topEigenpairs.ts FilterRows, FilterBatch) for each of b symmetric
 * S_p, S [b, D, D], in one call: X and AX [b, n, D], steps [b, degree, 3].
 */
export async function chebyshevFilter(
  S: Float32Array,
  D: number,
  x: Float32Array,
  ax: Float32Array,
  n: number,
  steps: Float64Array,
  threads?: number,
): Promise<Float32Array> {
  const b = matrixCount('chebyshevFilter: S', S, D);
  check('chebyshevFilter: X', x.length, b * n * D);
  check('chebyshevFilter: AX', ax.length, b * n * D);
  const degree = steps.length / (3 * b);
  if (!Number.isInteger(degree) || degree < 1)
    throw new Error(`chebyshevFilter: ${steps.length} step coefficients, not [${b}, degree >= 1, 3]`);
  const s = await kernelSession('filter', filterModel, threads);
  const out = await s.run({
    s: f32(S, [b, D, D]),
    x: f32(x, [b, n, D]),
    ax: f32(ax, [b, n, D]),
    steps: f32(new Float32Array(steps), [b, degree, 3]),
    count: i64([degree - 1], []),
  });
  return out.y.data as Float32Array;
}

export interface TopCosines {
  readonly ids: BigInt64Array; // [n, K]
  readonly cosines: Float32Array; // [n, K], signed
  readonly scores: Float32Array; // [n, K]: |cosine|, or −1 where fewer than K ids could be chosen
}

/** Per unit row of U [n, D], the K ids v with `valid[v]` (1) and the largest |cos(u, e_v)| over E [V, D]. */
export async function topCosines(
  U: Float32Array,
  n: number,
  E: Float32Array,
  V: number,
  D: number,
  valid: Uint8Array,
  K: number,
  threads?: number,
): Promise<TopCosines> {
  check('topCosines: U', U.length, n * D);
  check('topCosines: E', E.length, V * D);
  check('topCosines: valid', valid.length, V);
  if (!(Number.isInteger(K) && K >= 1 && K <= V)) throw new Error(`topCosines: K ${K} outside 1..${V}`);
  const s = await kernelSession('topCosines', topCosinesModel, threads);
  const out = await s.run({
    u: f32(U, [n, D]),
    e: f32(E, [V, D]),
    valid: new ort.Tensor('bool', valid, [V]),
    k: i64([K], [1]),
  });
  return {
    ids: out.ids.data as BigInt64Array,
    cosines: out.cosines.data as Float32Array,
    scores: out.scores.data as Float32Array,
  };
}

/** A_p B_p^T [batch, n, m] for row-major A [batch, n, D] and B [batch, m, D], in float64. */
export async function rowProducts64(
  A: Float64Array,
  n: number,
  B: Float64Array,
  m: number,
  D: number,
  batch = 1,
  threads?: number,
): Promise<Float64Array> {
  check('rowProducts64: A', A.length, batch * n * D);
  check('rowProducts64: B', B.length, batch * m * D);
  const s = await kernelSession('rowProducts64', rowProducts64Model, threads);
  const out = await s.run({ a: f64(A, [batch, n, D]), bb: f64(B, [batch, m, D]) });
  return out.y.data as Float64Array;
}

/** C_p X_p [batch, m, D] for row-major C [batch, m, n] and X [batch, n, D], in float64. */
export async function combineRows64(
  C: Float64Array,
  m: number,
  X: Float64Array,
  n: number,
  D: number,
  batch = 1,
  threads?: number,
): Promise<Float64Array> {
  check('combineRows64: C', C.length, batch * m * n);
  check('combineRows64: X', X.length, batch * n * D);
  const s = await kernelSession('combineRows64', combineRows64Model, threads);
  const out = await s.run({ c: f64(C, [batch, m, n]), x: f64(X, [batch, n, D]) });
  return out.y.data as Float64Array;
}
