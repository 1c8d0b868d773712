// The reference eigendecomposition for tests: the cyclic Jacobi method on a symmetric matrix in float64
// (Golub & Van Loan, Matrix Computations, 4th ed., section 8.5.3). Slow (sweeps of O(n^3)) and simple, and
// independent of ml-matrix and of src/methods/concepts/topEigenpairs.ts, which the tests check against it.
// n dimension.

export interface Eigen {
  readonly values: Float64Array; // [n], descending
  readonly vectors: Float64Array; // [n, n]: row i is the unit eigenvector of values[i]
}

/** All eigenpairs of the symmetric n x n matrix `a` (row-major; only its values are read, never changed). */
export function jacobiEigen(a: ArrayLike<number>, n: number): Eigen {
  const A = Float64Array.from(a);
  const V = new Float64Array(n * n); // columns: eigenvectors
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let total = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        total += A[i * n + j] ** 2;
        if (i !== j) off += A[i * n + j] ** 2;
      }
    }
    if (off <= 1e-30 * total || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q];
        if (apq === 0) continue;
        // the rotation that zeroes A[p][q]: tan(2θ) = 2 a_pq / (a_qq − a_pp), the smaller root for t
        const theta = (A[q * n + q] - A[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          // A <- J^T A J, columns then rows
          const akp = A[k * n + p];
          const akq = A[k * n + q];
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p * n + k];
          const aqk = A[q * n + k];
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p];
          const vkq = V[k * n + q];
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => A[y * n + y] - A[x * n + x]);
  const values = Float64Array.from(order, (i) => A[i * n + i]);
  const vectors = new Float64Array(n * n);
  order.forEach((col, r) => {
    for (let k = 0; k < n; k++) vectors[r * n + k] = V[k * n + col];
  });
  return { values, vectors };
}
