/**
 * Reads the daemon's event stream (SSE) off the actor's event loop: a worker thread fetches it and
 * hands the body over chunk by chunk, however busy this thread is, and keeps it whole.
 *
 * Why: the sandbox-agent daemon gives each SSE reader a buffer of 512 messages and skips what a
 * reader that falls behind missed; the ids of the events it sends then jump. The workspace's
 * thread also persists and broadcasts every event, so under a flood (an agent streaming thousands
 * of chunks at full speed) its own read of the stream lagged and lost events: a 20,000-chunk flood
 * read by a listener that takes 1 ms an event kept 9,300–9,550 of 20,005. Read in a worker, all
 * 20,005 arrive (the rest queue here, in memory, until this thread takes them). On two busy cores
 * the worker can still fall behind now and then: it then takes what was skipped from the daemon's
 * replay (`Last-Event-ID`), and marks in the stream what the daemon no longer had.
 */
import { Worker } from "node:worker_threads";

/**
 * What the worker writes into the stream where the daemon dropped messages it no longer holds:
 * `: sandbox-workspace-lost <count>`, an SSE comment (which readers of the stream pass over), in
 * the place of the messages it stands for.
 */
export const LOST_COMMENT = "sandbox-workspace-lost";

/**
 * The worker: plain CommonJS, evaluated from this string (no file to resolve in a bundle or under a
 * loader). It passes the stream on event by event and keeps it whole by the events' ids:
 *
 * - the daemon numbers every message of an agent process (`id:` 1, 2, 3…), and a reader it skipped
 *   sees the ids jump. The worker then asks at once for what was skipped, on a second request with
 *   `Last-Event-ID` (the last id it passed on): the daemon replays what it still holds (its last
 *   1,024 messages). Meanwhile it goes on reading the live stream, holding what comes, so that one
 *   does not fall behind in turn; once the gap is filled it passes on what it held;
 * - an id it has passed on already is left out;
 * - what the replay no longer reaches is gone: the worker says so in the stream itself, where those
 *   messages were, as the comment `: sandbox-workspace-lost <count>` (see `LOST_COMMENT`).
 */
const WORKER = String.raw`
const { parentPort, workerData } = require("node:worker_threads");
const stopped = new AbortController();
parentPort.on("message", (message) => { if (message === "abort") stopped.abort(); });
const encoder = new TextEncoder();
/** How long a replay may take to reach back over a gap before what is missing counts as lost. */
const FILL_MS = 5000;
/** How many messages the daemon keeps for a replay: an id further back than this began the count again. */
const RING = 1024;

const post = (text) => {
  if (!text) return;
  const chunk = encoder.encode(text);
  parentPort.postMessage({ type: "chunk", chunk }, [chunk.buffer]);
};
const lostMark = (count) => ": ${LOST_COMMENT} " + count + "\n\n";
/** The event's numeric id, if it has one. */
const idOf = (event) => {
  const at = event.startsWith("id:") ? 0 : event.indexOf("\nid:") + 1;
  if (at === 0 && !event.startsWith("id:")) return undefined;
  const end = event.indexOf("\n", at);
  const value = event.slice(at + 3, end === -1 ? event.length : end).trim();
  return /^[0-9]+$/.test(value) ? Number(value) : undefined;
};
const open = async (lastId, signal) => {
  const headers = { ...workerData.headers };
  if (lastId !== undefined) headers["last-event-id"] = String(lastId);
  return fetch(workerData.url, { method: "GET", headers, signal: signal ? AbortSignal.any([stopped.signal, signal]) : stopped.signal });
};
/** The response's events (each with its blank line), as they come. */
async function* eventsOf(response) {
  let buffer = "";
  // A chunk that ended in CR: the next may begin with the LF of the same line end.
  let cr = false;
  for await (let text of response.body.pipeThrough(new TextDecoderStream())) {
    if (cr) text = "\r" + text;
    cr = text.endsWith("\r");
    if (cr) text = text.slice(0, -1);
    buffer += text.includes("\r") ? text.replace(/\r\n?/g, "\n") : text;
    const events = [];
    let from = 0;
    for (let end; (end = buffer.indexOf("\n\n", from)) !== -1; from = end + 2) events.push(buffer.slice(from, end + 2));
    buffer = buffer.slice(from);
    if (events.length) yield events;
  }
  if (cr) buffer += "\n";
  if (buffer) yield [buffer];
}

const given = Number(workerData.headers["last-event-id"]);
/** The id of the last event passed on. */
let last = Number.isSafeInteger(given) && given >= 0 ? given : undefined;
/** Whether no event with an id has come on the stream yet. */
let first = true;
/** Events read from the live stream and not yet passed on (while a gap is filled). */
let held = [];
let filling;

/** Passes on what is held, in order, until the ids jump: then fills the gap first. */
function pass() {
  let out = "";
  let taken = 0;
  for (; taken < held.length && !filling; taken++) {
    const event = held[taken];
    const id = idOf(event);
    // The daemon sends only what comes after the Last-Event-ID asked for: a first id at or below it
    // means the count began again (a new daemon at the same address). It is taken as it comes.
    if (id !== undefined && first) {
      first = false;
      if (last !== undefined && id <= last) last = id - 1;
    }
    if (id === undefined) out += event;
    // Passed on already, unless the ids began again (a daemon restarted under the same address).
    else if (last !== undefined && id <= last && last - id <= RING) continue;
    else if (last !== undefined && id > last + 1) filling = fill(last, id).then(() => { filling = undefined; pass(); });
    else {
      last = id;
      out += event;
    }
  }
  // A gap's first event waits with the rest.
  held = held.slice(filling ? taken - 1 : taken);
  post(out);
}

/** Passes on the events after "after" and before "next" that the daemon's replay still holds; marks the rest lost. */
async function fill(after, next) {
  const request = new AbortController();
  const timer = setTimeout(() => request.abort(), FILL_MS);
  try {
    const response = await open(after, request.signal);
    if (!response.ok) return;
    for await (const events of eventsOf(response)) {
      let out = "";
      /** Whether the replay has come to the gap's end: the live stream holds the rest. */
      let through = false;
      for (const event of events) {
        const id = idOf(event);
        if (id === undefined || id <= last) continue;
        if ((through = id >= next)) break;
        if (id > last + 1) out += lostMark(id - last - 1);
        last = id;
        out += event;
      }
      post(out);
      if (through || last >= next - 1) return;
    }
  } catch {
    // Refused, ended or too slow: what did not come is lost.
  } finally {
    clearTimeout(timer);
    request.abort();
    if (last < next - 1) post(lostMark(next - 1 - last));
    last = Math.max(last, next - 1);
  }
}

(async () => {
  try {
    const response = await open(last);
    parentPort.postMessage({ type: "head", status: response.status, statusText: response.statusText, headers: [...response.headers] });
    if (response.body) {
      for await (const events of eventsOf(response)) {
        held.push(...events);
        if (!filling) pass();
      }
    }
    while (filling) await filling;
    pass();
    parentPort.postMessage({ type: "end" });
  } catch (error) {
    parentPort.postMessage({ type: "error", message: String((error && error.message) || error), aborted: stopped.signal.aborted });
  }
})();
`;

const NULL_BODY = new Set([101, 103, 204, 205, 304]);

type FromWorker =
  | { type: "head"; status: number; statusText: string; headers: Array<[string, string]> }
  | { type: "chunk"; chunk: Uint8Array }
  | { type: "end" }
  | { type: "error"; message: string; aborted: boolean };

/**
 * `fetch(url, { method: "GET", headers, signal })` of an SSE stream whose events the daemon numbers,
 * read in a worker thread. The response's body is a stream fed from the worker, with each event
 * once and in order, and `: sandbox-workspace-lost <count>` where events could not be had again;
 * `signal` (or cancelling the body) stops the worker.
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
        // A status that carries no body (204, 304…) cannot be given one.
        settleHead.resolve(new Response(NULL_BODY.has(message.status) ? null : stream, { status: message.status, statusText: message.statusText, headers: message.headers }));
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
