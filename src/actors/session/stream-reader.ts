/**
 * Reads an HTTP response off the actor's event loop: a worker thread fetches it and hands the body
 * over chunk by chunk, however busy this thread is.
 *
 * Why: the sandbox-agent daemon gives each SSE reader a buffer of 512 messages and silently skips
 * what a reader that falls behind missed, with no gap in the stream's ids to tell. The workspace's
 * thread also persists and broadcasts every event, so under a flood (an agent streaming thousands
 * of chunks at full speed) its own read of the stream lagged and lost events: a 20,000-chunk flood
 * read by a listener that takes 1 ms an event kept 9,300–9,550 of 20,005. Read in a worker, all
 * 20,005 arrive (the rest queue here, in memory, until this thread takes them).
 */
import { Worker } from "node:worker_threads";

/** The worker: plain CommonJS, evaluated from this string (no file to resolve in a bundle or under a loader). */
const WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const controller = new AbortController();
parentPort.on("message", (message) => { if (message === "abort") controller.abort(); });
(async () => {
  try {
    const response = await fetch(workerData.url, { method: "GET", headers: workerData.headers, signal: controller.signal });
    parentPort.postMessage({ type: "head", status: response.status, statusText: response.statusText, headers: [...response.headers] });
    if (response.body) {
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const chunk = value.slice();
        parentPort.postMessage({ type: "chunk", chunk }, [chunk.buffer]);
      }
    }
    parentPort.postMessage({ type: "end" });
  } catch (error) {
    parentPort.postMessage({ type: "error", message: String((error && error.message) || error), aborted: controller.signal.aborted });
  }
})();
`;

type FromWorker =
  | { type: "head"; status: number; statusText: string; headers: Array<[string, string]> }
  | { type: "chunk"; chunk: Uint8Array }
  | { type: "end" }
  | { type: "error"; message: string; aborted: boolean };

/**
 * `fetch(url, { method: "GET", headers, signal })`, read in a worker thread. The response's body is
 * a stream fed from the worker; `signal` (or cancelling the body) stops the worker.
 */
export function fetchInWorker(url: string, init: { headers?: ConstructorParameters<typeof Headers>[0]; signal?: AbortSignal | null } = {}): Promise<Response> {
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((value, key) => (headers[key] = value));
  const worker = new Worker(WORKER, { eval: true, workerData: { url, headers } });
  // A stream nobody closes must not keep the process alive.
  worker.unref();
  let settleHead!: { resolve: (response: Response) => void; reject: (error: Error) => void };
  const head = new Promise<Response>((resolve, reject) => (settleHead = { resolve, reject }));
  let body!: ReadableStreamDefaultController<Uint8Array>;
  let ended = false;
  /** Ends the read: the response (if it has not come) and the body fail with `error`, at once; the worker goes. */
  const end = (error?: Error) => {
    if (ended) return;
    ended = true;
    init.signal?.removeEventListener("abort", abort);
    try {
      if (error) body.error(error);
      else body.close();
    } catch {
      // Cancelled by its reader meanwhile.
    }
    if (error) settleHead.reject(error);
    worker.postMessage("abort");
    setTimeout(() => void worker.terminate(), 1_000).unref();
  };
  const abort = () => end(new DOMException("The operation was aborted.", "AbortError"));
  const stream = new ReadableStream<Uint8Array>({ start: (controller) => void (body = controller), cancel: () => abort() });
  if (init.signal?.aborted) abort();
  else init.signal?.addEventListener("abort", abort, { once: true });
  worker.on("message", (message: FromWorker) => {
    if (ended) return;
    switch (message.type) {
      case "head":
        settleHead.resolve(new Response(stream, { status: message.status, statusText: message.statusText, headers: message.headers }));
        return;
      case "chunk":
        body.enqueue(message.chunk);
        return;
      case "end":
        end();
        return;
      case "error":
        end(message.aborted ? new DOMException(message.message, "AbortError") : new TypeError(`fetch failed: ${message.message}`));
        return;
    }
  });
  worker.on("error", (error) => end(error));
  return head;
}
