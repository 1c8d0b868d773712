// The webview's side of its channel to the extension host: typed posting and receiving (the unions of
// src/protocol.ts). The page announces itself with 'ready', and the host answers with what it shows.

interface VsCodeApi {
  postMessage(message: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export function connect<In extends { type: string }, Out extends { type: string }>(
  onMessage: (message: In) => void,
): (message: Out) => void {
  const api = acquireVsCodeApi();
  window.addEventListener('message', (event: MessageEvent) => {
    const data: unknown = event.data;
    if (typeof data === 'object' && data !== null && typeof (data as { type?: unknown }).type === 'string')
      onMessage(data as In);
  });
  const post = (message: Out) => api.postMessage(message);
  post({ type: 'ready' } as Out);
  return post;
}
