/**
 * A `fetch` for `SandboxAgent.connect({ fetch })` that lets the workspace answer agent→client
 * requests the SDK cannot: today ACP's `elicitation/create` (a question for the people in the room).
 *
 * What it relies on in sandbox-agent 0.4.2 (its SDK and acp-http-client, over the daemon's ACP
 * transport at `/v1/acp/{server}`):
 * - the SDK's ACP connection POSTs `initialize` there as JSON text: the wrapper merges
 *   `clientCapabilities` into its params, and the daemon hands them to the agent unchanged;
 * - the agent's messages come as server-sent events from a GET on the same URL (`data:` lines, one
 *   JSON-RPC message per event): the wrapper takes a claimed method's requests out of the stream
 *   before the SDK's ACP client sees them (it would answer -32601 "method not found"), and passes
 *   the SDK the same message without its `id` (a notification, which the SDK records in the session's
 *   log in turn order and answers nothing), the id moved to `_request: { id, server }`;
 * - a JSON-RPC response POSTed to that URL reaches the agent: `respond()` sends it. The daemon takes
 *   the first response to an id, so `respond()` sends one at most; the host decides which;
 * - the SDK's DELETE of that URL closes the agent connection (`dispose()`): requests still open
 *   then see their `signal` abort, and an answer can no longer be sent.
 *
 * How it degrades: the capabilities and the interception hang on the same URL pattern, so an SDK
 * that moves its ACP transport elsewhere gets neither, and agents see a client without the
 * capability (they do not ask). If only the stream stopped being read here, an agent would ask and
 * get the SDK's "method not found", as without this wrapper. Nothing else the SDK sends or reads is
 * changed.
 *
 * Unless the host passed a fetch of its own, the stream is read in a worker thread (stream-reader.ts).
 * Through a host's fetch, every request's `signal` is honoured here (see `honouringSignal`).
 */
import { LOST_METHOD } from "../../events/index.js";
import { fetchInWorker, LOST_COMMENT } from "./stream-reader.js";

/** How the worker marks lost messages in the stream (an SSE comment, see stream-reader.ts). */
const LOST_MARK = `: ${LOST_COMMENT} `;

export type JsonRpcId = string | number;

/** An agent→client request taken out of the SDK's stream, waiting for the host's response. */
export interface AgentRequest {
  /** `<server>:<id>`: unique across agent processes, which each number their requests from 0. */
  key: string;
  /** The daemon's name for the agent connection (the last segment of `/v1/acp/{server}`). */
  server: string;
  id: JsonRpcId;
  method: string;
  params: Record<string, unknown>;
  /** Aborts when the SDK closes the agent connection: no response can be sent any more. */
  signal: AbortSignal;
  /** Sends the JSON-RPC response, once; rejects if it was sent before, the connection closed, or the daemon refused it. */
  respond(reply: AgentReply): Promise<void>;
}

export type AgentReply = { result: unknown } | { error: { code: number; message: string; data?: unknown } };

export interface AgentRequestsOptions {
  /**
   * The fetch to wrap (the host's own, if it passed one); the global fetch otherwise. Without one,
   * the agent's event stream is read in a worker thread (`fetchInWorker`), so a busy workspace never
   * falls behind the daemon, which drops what a lagging reader missed. A host's own fetch reads it here.
   */
  fetch?: typeof fetch;
  /** Merged into `initialize`'s `clientCapabilities`: advertise only what `onRequest` serves. */
  clientCapabilities: Record<string, unknown>;
  /** Agent→client methods taken from the stream and handed to `onRequest`. */
  methods: readonly string[];
  /** Each claimed request, once (a stream replayed after a reconnect does not bring it again). Must see that it gets a response. */
  onRequest(request: AgentRequest): void;
  /**
   * The daemon dropped `count` of the agent's messages and could not send them again (see
   * stream-reader.ts). The SDK is handed the workspace's `LOST_METHOD` notification in their place,
   * which it records in the session's log where they were; this says it as it happens.
   */
  onLost?(count: number): void;
}

/** How long the daemon may take to accept a response. */
const RESPOND_TIMEOUT_MS = 10_000;

/** The daemon's ACP transport for one agent connection. */
const ACP_PATH = /\/v1\/acp\/[^/?#]+$/;

interface Connection {
  abort: AbortController;
  /** Ids of the requests claimed on it. */
  claimed: Set<string>;
  /** The latest event of its streams that names a session (raw SSE text). */
  named?: string;
}

export function agentRequestsFetch(options: AgentRequestsOptions): typeof fetch {
  const base = options.fetch ? honouringSignal(options.fetch) : globalThis.fetch.bind(globalThis);
  const methods = new Set(options.methods);
  const needles = options.methods.map((method) => JSON.stringify(method));
  const connections = new Map<string, Connection>();
  const connectionOf = (url: string) => {
    let connection = connections.get(url);
    if (!connection) connections.set(url, (connection = { abort: new AbortController(), claimed: new Set() }));
    return connection;
  };

  /** Hands a claimed request to the host; false when it was claimed before (a replayed stream). */
  const claim = (url: string, headers: Headers, message: { id: JsonRpcId; method: string; params?: unknown }): boolean => {
    const connection = connectionOf(url);
    if (connection.claimed.has(String(message.id))) return false;
    connection.claimed.add(String(message.id));
    const server = serverOf(url);
    let sent = false;
    const { signal } = connection.abort;
    const respond = async (reply: AgentReply) => {
      if (sent) throw new Error("This request was answered already.");
      if (signal.aborted) throw new Error("The agent connection is closed; the answer cannot reach the agent.");
      sent = true;
      const post = new Headers(headers);
      post.set("content-type", "application/json");
      post.set("accept", "application/json");
      const response = await base(url, { method: "POST", headers: post, body: JSON.stringify({ jsonrpc: "2.0", id: message.id, ...reply }), signal: AbortSignal.timeout(RESPOND_TIMEOUT_MS) });
      await response.text().catch(() => "");
      if (!response.ok) throw new Error(`The sandbox-agent daemon refused the answer (HTTP ${response.status}).`);
    };
    const params = typeof message.params === "object" && message.params !== null ? (message.params as Record<string, unknown>) : {};
    options.onRequest({ key: `${server}:${message.id}`, server, id: message.id, method: message.method, params, signal, respond });
    return true;
  };

  /**
   * One SSE event (no trailing blank line): a claimed request becomes an id-less notification, the
   * worker's mark of lost messages a notice in the session; anything else passes as it came.
   */
  const rewrite = (url: string, headers: Headers) => {
    // The session a notice of lost messages goes to is the connection's, over all its streams: a
    // stream resumed after the daemon's replay moved on starts with the mark.
    const connection = connectionOf(url);
    return (event: string): string => {
      if (event.startsWith(LOST_MARK)) return lostNotice(Number(event.slice(LOST_MARK.length)), connection.named);
      if (event.includes('"sessionId"')) connection.named = event;
      // Most events are the agent's updates: only one that names a claimed method is read here.
      return needles.some((needle) => event.includes(needle)) ? claimed(url, headers, event) : event;
    };
  };

  /**
   * Where the worker marked lost messages, the SDK gets the workspace's own notification for the
   * session (`LOST_METHOD`), which it records in the log in their place (when a session is known).
   */
  const lostNotice = (count: number, named: string | undefined): string => {
    if (!(count > 0)) return "";
    options.onLost?.(count);
    const quoted = named && /"sessionId":("(?:[^"\\]|\\.)+")/.exec(named)?.[1];
    let sessionId: unknown;
    try {
      sessionId = quoted ? JSON.parse(quoted) : undefined;
    } catch {
      // Not a JSON string after all: no session to tell.
    }
    if (typeof sessionId !== "string") return "";
    return `event: message\ndata: ${JSON.stringify({ jsonrpc: "2.0", method: LOST_METHOD, params: { sessionId, count } })}`;
  };

  const claimed = (url: string, headers: Headers, event: string): string => {
    const lines = event.split("\n");
    const data = lines.filter((line) => line.startsWith("data:")).map((line) => line.slice(5).replace(/^ /, "")).join("\n");
    let message: unknown;
    try {
      message = JSON.parse(data);
    } catch {
      return event;
    }
    if (!isClaimable(message, methods)) return event;
    const kept = lines.filter((line) => !line.startsWith("data:"));
    // Seen before (a stream replayed after a reconnect): no data, so nothing is dispatched, but its `id:` still counts.
    if (!claim(url, headers, message)) return kept.join("\n");
    const { id, ...notification } = message;
    return [...kept, `data: ${JSON.stringify({ ...notification, _request: { id, server: serverOf(url) } })}`].join("\n");
  };

  return async (input, init) => {
    const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
    if (!ACP_PATH.test(url.pathname)) return base(input, init);
    const connection = `${url.origin}${url.pathname}`;
    const method = (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));

    if (method === "DELETE") {
      connections.get(connection)?.abort.abort(new Error("The agent connection closed."));
      connections.delete(connection);
      return base(input, init);
    }
    if (method === "POST" && typeof init?.body === "string" && init.body.includes('"initialize"')) {
      const body = withCapabilities(init.body, options.clientCapabilities);
      return base(input, body === undefined ? init : { ...init, body });
    }
    if (method === "GET" && headers.get("accept")?.includes("text/event-stream")) {
      const response = options.fetch ? await base(input, init) : await fetchInWorker(url.href, { headers, signal: init?.signal ?? (input instanceof Request ? input.signal : undefined) });
      if (!response.ok || !response.body) return response;
      const body = response.body.pipeThrough(sseRewriter(rewrite(connection, headers)));
      return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
    }
    return base(input, init);
  };
}

/**
 * `fetch` that ends at once when the caller's `signal` aborts, whatever `fetch` does with it: the
 * response, or else its body, fails with the signal's reason. Why: a fetch that builds new Requests
 * from the caller's, as sandbox-agent's local provider does, hands Node's fetch a signal that
 * follows the caller's through the intermediate Requests, held weakly; once those are collected an
 * abort never arrives. The SDK's event stream then stayed open after `dispose()`, and the DELETE
 * that closes the agent connection (which the daemon may take more than 2 s to answer) outlived
 * the SDK's 2-second timeout for good: now and then, the workspace's `destroy` hung.
 */
export function honouringSignal(fetcher: typeof fetch): typeof fetch {
  return async (input, init) => {
    const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined);
    if (!signal) return fetcher(input, init);
    signal.throwIfAborted();
    let onAbort!: () => void;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason ?? new DOMException("The operation was aborted.", "AbortError"));
      signal.addEventListener("abort", onAbort, { once: true });
    });
    const pending = fetcher(input, init);
    let response: Response;
    try {
      response = await Promise.race([pending, aborted]);
    } catch (error) {
      // Aborted first: a response that still comes is closed, not left open.
      pending.then(
        (late) => late.body?.cancel(signal.reason).catch(() => undefined),
        () => undefined,
      );
      throw error;
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
    if (!response.body) return response;
    try {
      // Aborting the pipe cancels the response's body, which closes its connection.
      const body = response.body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>(), { signal });
      return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
    } catch {
      // A body that is not a web stream (a fetch of another kind): handed on as it came.
      return response;
    }
  };
}

function serverOf(url: string): string {
  return decodeURIComponent(url.slice(url.lastIndexOf("/") + 1));
}

function isClaimable(message: unknown, methods: ReadonlySet<string>): message is { id: JsonRpcId; method: string; params?: unknown } {
  if (typeof message !== "object" || message === null || Array.isArray(message)) return false;
  const { id, method } = message as Record<string, unknown>;
  return typeof method === "string" && methods.has(method) && (typeof id === "string" || typeof id === "number");
}

/** `initialize`'s body with `capabilities` merged into its `clientCapabilities`; undefined when it is not an `initialize` request. */
function withCapabilities(body: string, capabilities: Record<string, unknown>): string | undefined {
  let message: unknown;
  try {
    message = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof message !== "object" || message === null || (message as { method?: unknown }).method !== "initialize") return undefined;
  const request = message as { params?: { clientCapabilities?: Record<string, unknown> } };
  const params = (request.params ??= {});
  params.clientCapabilities = { ...params.clientCapabilities, ...capabilities };
  return JSON.stringify(request);
}

/**
 * A stream transform that hands each server-sent event to `rewrite` and passes on what it returns.
 * Events may be split across chunks anywhere (inside a line, a UTF-8 character, or a CRLF); line
 * ends are read as SSE defines them (CRLF, LF or CR) and written as LF. An event the stream ends
 * in the middle of is passed on as it is (the reader drops it as unfinished).
 */
export function sseRewriter(rewrite: (event: string) => string): TransformStream<Uint8Array, Uint8Array> {
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  let buffer = "";
  /** A chunk ended in CR: the next may start with the LF of the same line end. */
  let pendingCr = false;
  const take = (text: string, controller: TransformStreamDefaultController<Uint8Array>) => {
    if (pendingCr) text = `\r${text}`;
    pendingCr = text.endsWith("\r");
    if (pendingCr) text = text.slice(0, -1);
    buffer += text.includes("\r") ? text.replace(/\r\n?/g, "\n") : text;
    // The chunk's whole events go on together, as one chunk.
    let out = "";
    let from = 0;
    for (let end: number; (end = buffer.indexOf("\n\n", from)) !== -1; from = end + 2) out += `${rewrite(buffer.slice(from, end))}\n\n`;
    buffer = buffer.slice(from);
    if (out) controller.enqueue(encoder.encode(out));
  };
  return new TransformStream({
    transform(chunk, controller) {
      take(decoder.decode(chunk, { stream: true }), controller);
    },
    flush(controller) {
      take(decoder.decode(), controller);
      if (pendingCr) take("\n", controller);
      if (buffer) controller.enqueue(encoder.encode(buffer));
    },
  });
}
