// Seeded noise for tests, reference checkpoints and benchmarks: reproducible across platforms.
// The engine's own generator (src/methods/prng.ts), so tests draw exactly what the engine draws.
export { gaussian, mulberry32 } from '../../src/methods/prng';
