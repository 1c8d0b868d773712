// Principal angles between two subspaces given by orthonormal rows, e.g. one layer's leading feed-forward
// components in a base model and in its tuned sibling (ffnConcepts.ts): 0° where the subspaces share a
// direction, 90° where a direction of one is orthogonal to all of the other. For orthonormal rows A [p, D]
// and B [q, D], the cosines of the angles are the singular values of A B^T (Björck & Golub, 1973); near 0°
// a cosine is flat, so each angle is taken as atan2(sine, cosine) with the sines the singular values of the
// part of the smaller set orthogonal to the other, R = B − (B A^T) A (Knyazev & Argentati, SIAM J. Sci.
// Comput. 23(6), 2002), accurate at small and large angles alike. SVDs from ml-matrix.
// p, q rows, D width; min(p, q) angles.
import { Matrix, SingularValueDecomposition } from 'ml-matrix';

function singularValues(m: Matrix): number[] {
  const svd = new SingularValueDecomposition(m, {
    autoTranspose: true,
    computeLeftSingularVectors: false,
    computeRightSingularVectors: false,
  });
  return svd.diagonal;
}

/** The min(p, q) principal angles in degrees, ascending, between the row spaces of `a` [p, D] and `b` [q, D]. */
export function principalAngles(
  a: ArrayLike<number>,
  p: number,
  b: ArrayLike<number>,
  q: number,
  D: number,
): Float64Array {
  if (a.length !== p * D || b.length !== q * D)
    throw new Error(`principalAngles: ${a.length} values for [${p}, ${D}] and ${b.length} for [${q}, ${D}]`);
  if (p < 1 || q < 1) throw new Error(`principalAngles: empty subspace ([${p}, ${D}] and [${q}, ${D}])`);
  // the smaller set is B: its residual against A gives the sines of all min(p, q) angles
  if (q > p) return principalAngles(b, q, a, p, D);
  const cross = new Matrix(p, q); // A B^T
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < q; j++) {
      let s = 0;
      for (let d = 0; d < D; d++) s += a[i * D + d] * b[j * D + d];
      cross.set(i, j, s);
    }
  }
  const residual = new Matrix(q, D); // B − (B A^T) A
  for (let j = 0; j < q; j++) {
    for (let d = 0; d < D; d++) {
      let s = b[j * D + d];
      for (let i = 0; i < p; i++) s -= cross.get(i, j) * a[i * D + d];
      residual.set(j, d, s);
    }
  }
  const cosines = singularValues(cross)
    .sort((x, y) => y - x)
    .slice(0, q);
  const sines = singularValues(residual)
    .sort((x, y) => x - y)
    .slice(0, q);
  return Float64Array.from(cosines, (c, i) => (Math.atan2(sines[i], Math.min(1, c)) * 180) / Math.PI);
}
