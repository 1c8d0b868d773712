// llama.cpp itself (node-llama-cpp, CPU) as a reference: loaded once per test file, and the probability it gives
// each response token after the prompt and the response tokens before it (temperature 1, no truncation).
import { after, before } from 'node:test';

type NodeLlamaCpp = typeof import('node-llama-cpp');
export type Llama = Awaited<ReturnType<NodeLlamaCpp['getLlama']>>;

/** llama.cpp for the tests of the calling file: loaded before them, disposed after. */
export function useLlamaCpp(): () => Llama {
  let llama: Llama | undefined;
  before(async () => {
    // an ES module: imported at run time from the CommonJS-compiled tests
    const { getLlama, LlamaLogLevel } = (await import('node-llama-cpp')) as NodeLlamaCpp;
    llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error });
  });
  after(async () => {
    await llama?.dispose();
  });
  return () => {
    if (!llama) throw new Error('llama.cpp is not loaded yet');
    return llama;
  };
}

/** p(response[m] | prompt, response[..m]) as llama.cpp computes it for the GGUF file at `path`. */
export async function llamaCppProbabilities(
  llama: Llama,
  path: string,
  prompt: readonly number[],
  response: readonly number[],
): Promise<number[]> {
  const model = await llama.loadModel({ modelPath: path });
  try {
    const context = await model.createContext({ contextSize: 64 });
    const sequence = context.getSequence();
    const fed = [...prompt, ...response.slice(0, -1)];
    const sampling = { temperature: 1, topK: 0, topP: 1, minP: 0 };
    const results = await sequence.controlledEvaluate(
      fed.map((t, i) =>
        i >= prompt.length - 1 ? [t, { generateNext: { probabilities: true, options: sampling } }] : t,
      ) as Parameters<typeof sequence.controlledEvaluate>[0],
    );
    await context.dispose();
    return response.map(
      (y, m) =>
        (results[prompt.length - 1 + m] as { next: { probabilities: Map<number, number> } }).next.probabilities.get(
          y,
        ) ?? 0,
    );
  } finally {
    await model.dispose();
  }
}
