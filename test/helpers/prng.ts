// Seeded noise for tests, reference checkpoints and benchmarks: reproducible across platforms.
// The engine's own generator (src/explain/prng.ts), so tests draw exactly what the engine draws.
export { gaussian, mulberry32 } from '../../src/explain/prng';
