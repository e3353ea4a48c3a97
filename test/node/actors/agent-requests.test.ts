/**
 * The fetch that lets the workspace answer the agent's questions (agent-requests.ts), against a fake
 * daemon: the SSE stream read in any chunking, `initialize` given the capabilities, a question taken
 * out of the SDK's stream and handed over once, its answer POSTed back, a closed connection.
 */
import assert from "node:assert/strict";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { agentRequestsFetch, honouringSignal, sseRewriter, type AgentRequest } from "../../../src/actors/session/agent-requests.js";
import { LOST_COMMENT } from "../../../src/actors/session/stream-reader.js";
import { LOST_METHOD } from "../../../src/events/index.js";

const encoder = new TextEncoder();

/** Runs `chunks` (strings, cut anywhere, even inside a character) through the rewriter; returns the events it saw and its output. */
async function rewriteAll(chunks: Array<string | Uint8Array>, rewrite = (event: string) => event) {
  const seen: string[] = [];
  const input = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(typeof chunk === "string" ? encoder.encode(chunk) : chunk);
      controller.close();
    },
  });
  const output = input.pipeThrough(
    sseRewriter((event) => {
      seen.push(event);
      return rewrite(event);
    }),
  );
  return { seen, text: await new Response(output).text() };
}

/** Every way to cut `text` in two, and in three at a stride. */
function cuts(text: string): string[][] {
  const out: string[][] = [];
  for (let i = 0; i <= text.length; i++) out.push([text.slice(0, i), text.slice(i)]);
  for (let i = 1; i < text.length; i += 3) out.push([text.slice(0, i), text.slice(i, i + 2), text.slice(i + 2)]);
  return out;
}

describe("the SSE rewriter", () => {
  const stream = 'id: 1\ndata: {"a":1}\n\nid: 2\r\ndata: {"b":\r\ndata: 2}\r\n\r\nid: 3\rdata: {"c":"é"}\r\r';
  const events = ['id: 1\ndata: {"a":1}', 'id: 2\ndata: {"b":\ndata: 2}', 'id: 3\ndata: {"c":"é"}'];

  it("hands over each event whole, however the stream is cut, with LF, CRLF or CR line ends", async () => {
    for (const chunks of cuts(stream)) {
      const { seen, text } = await rewriteAll(chunks);
      assert.deepEqual(seen, events, JSON.stringify(chunks));
      assert.equal(text, events.map((event) => `${event}\n\n`).join(""));
    }
  });

  it("reads a character split across chunks", async () => {
    const bytes = encoder.encode('data: {"c":"é"}\n\n');
    const at = bytes.indexOf(0xc3) + 1; // inside "é"
    const { seen } = await rewriteAll([bytes.slice(0, at), bytes.slice(at)]);
    assert.deepEqual(seen, ['data: {"c":"é"}']);
  });

  it("passes on what it returns, and an unfinished last event as it is", async () => {
    const { seen, text } = await rewriteAll(["data: 1\n\ndata: 2\n\ndata: 3"], (event) => event.replace("2", "two"));
    assert.deepEqual(seen, ["data: 1", "data: 2"]);
    assert.equal(text, "data: 1\n\ndata: two\n\ndata: 3");
  });

  it("ends an event at a CR the stream ends with", async () => {
    const { seen } = await rewriteAll(["data: 1\r", "\r"]);
    assert.deepEqual(seen, ["data: 1"]);
  });
});

/** A fake daemon behind the wrapper: records every call, serves an SSE stream per GET. */
function fakeDaemon(sse: string[]) {
  const calls: Array<{ method: string; url: string; body?: string; headers: Headers }> = [];
  const base: typeof fetch = async (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    calls.push({ method: init?.method ?? "GET", url, body: typeof init?.body === "string" ? init.body : undefined, headers: new Headers(init?.headers) });
    if ((init?.method ?? "GET") === "GET") {
      return new Response(new ReadableStream({ start: (c) => (sse.forEach((chunk) => c.enqueue(encoder.encode(chunk))), c.close()) }), { headers: { "content-type": "text/event-stream" } });
    }
    return new Response(null, { status: 202 });
  };
  return { base, calls };
}

const ACP = "http://daemon.test/v1/acp/sdk-mock-7";
const question = { jsonrpc: "2.0", id: 4, method: "elicitation/create", params: { sessionId: "s", mode: "form", message: "Colour?", requestedSchema: { type: "object", properties: {} } } };

describe("agentRequestsFetch", () => {
  it("adds the capabilities to initialize, and nothing to other requests", async () => {
    const daemon = fakeDaemon([]);
    const fetch = agentRequestsFetch({ fetch: daemon.base, clientCapabilities: { elicitation: { form: {} } }, methods: ["elicitation/create"], onRequest: () => {} });
    await fetch(ACP, { method: "POST", body: JSON.stringify({ jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: 1, clientCapabilities: { fs: { readTextFile: false } } } }) });
    await fetch(ACP, { method: "POST", body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "session/new", params: { cwd: "/" } }) });
    await fetch("http://daemon.test/v1/health");
    assert.deepEqual(JSON.parse(daemon.calls[0].body!).params.clientCapabilities, { fs: { readTextFile: false }, elicitation: { form: {} } });
    assert.deepEqual(JSON.parse(daemon.calls[1].body!), { jsonrpc: "2.0", id: 1, method: "session/new", params: { cwd: "/" } });
    assert.equal(daemon.calls[2].url, "http://daemon.test/v1/health");
  });

  it("takes a question out of the SDK's stream once, hands it over, and sends its answer back with the stream's headers", async () => {
    const sse = `id: 9\ndata: ${JSON.stringify(question)}\n\n`;
    const update = `id: 10\ndata: ${JSON.stringify({ jsonrpc: "2.0", method: "session/update", params: { sessionId: "s" } })}\n\n`;
    const daemon = fakeDaemon([sse.slice(0, 20), sse.slice(20) + update, sse]); // the last: replayed after a reconnect
    const requests: AgentRequest[] = [];
    const fetch = agentRequestsFetch({ fetch: daemon.base, clientCapabilities: {}, methods: ["elicitation/create"], onRequest: (request) => requests.push(request) });
    const response = await fetch(`${ACP}?x=1`, { headers: { accept: "text/event-stream", authorization: "Bearer t" } });
    const text = await response.text();
    const [first, second, replayed] = text.split("\n\n");
    const { id: _id, ...notification } = question;
    assert.deepEqual([first.split("\n")[0], JSON.parse(first.split("\n")[1].slice(6))], ["id: 9", { ...notification, _request: { id: 4, server: "sdk-mock-7" } }]);
    assert.equal(second, update.trim(), "anything else passes as it came");
    assert.equal(replayed, "id: 9", "a replayed question: its id moves on, nothing is dispatched");
    assert.equal(requests.length, 1);
    const [request] = requests;
    assert.deepEqual([request.key, request.id, request.method, request.params.message], ["sdk-mock-7:4", 4, "elicitation/create", "Colour?"]);
    await request.respond({ result: { action: "accept", content: { color: "teal" } } });
    const post = daemon.calls.at(-1)!;
    assert.deepEqual([post.method, post.url, post.headers.get("authorization"), post.headers.get("content-type")], ["POST", ACP, "Bearer t", "application/json"]);
    assert.deepEqual(JSON.parse(post.body!), { jsonrpc: "2.0", id: 4, result: { action: "accept", content: { color: "teal" } } });
    await assert.rejects(request.respond({ result: { action: "decline" } }), /answered already/);
  });

  it("closes a question's connection with the SDK's DELETE: its signal aborts and no answer is sent", async () => {
    const daemon = fakeDaemon([`data: ${JSON.stringify(question)}\n\n`]);
    const requests: AgentRequest[] = [];
    const fetch = agentRequestsFetch({ fetch: daemon.base, clientCapabilities: {}, methods: ["elicitation/create"], onRequest: (request) => requests.push(request) });
    await (await fetch(ACP, { headers: { accept: "text/event-stream" } })).text();
    await fetch(ACP, { method: "DELETE" });
    assert.equal(requests[0].signal.aborted, true);
    const calls = daemon.calls.length;
    await assert.rejects(requests[0].respond({ result: { action: "cancel" } }), /connection is closed/);
    assert.equal(daemon.calls.length, calls, "nothing sent");
  });

  it("turns the reader's mark of lost messages into the workspace's notification for the connection's session", async () => {
    const sessionId = 'agent "session" é';
    const update = `id: 3\ndata: ${JSON.stringify({ jsonrpc: "2.0", method: "session/update", params: { sessionId, update: { sessionUpdate: "agent_message_chunk" } } })}\n\n`;
    // The second stream (resumed after the first ended) begins with a mark: the session is still known.
    const streams = [[update, `: ${LOST_COMMENT} 3\n\n`], [`: ${LOST_COMMENT} 2\n\n`]];
    const daemon = fakeDaemon([]);
    const lost: number[] = [];
    const fetch = agentRequestsFetch({
      fetch: async (input, init) => (init?.method ?? "GET") === "GET" ? daemon.base(input, init).then(() => new Response(streams.shift()!.join(""))) : daemon.base(input, init),
      clientCapabilities: {},
      methods: ["elicitation/create"],
      onRequest: () => {},
      onLost: (count) => lost.push(count),
    });
    const notice = (count: number) => `event: message\ndata: ${JSON.stringify({ jsonrpc: "2.0", method: LOST_METHOD, params: { sessionId, count } })}\n\n`;
    assert.equal(await (await fetch(ACP, { headers: { accept: "text/event-stream" } })).text(), update + notice(3));
    assert.equal(await (await fetch(ACP, { headers: { accept: "text/event-stream", "last-event-id": "3" } })).text(), notice(2));
    assert.deepEqual(lost, [3, 2]);
  });

  it("leaves methods it does not claim, and responses, to the SDK", async () => {
    const permission = { jsonrpc: "2.0", id: 5, method: "session/request_permission", params: {} };
    const result = { jsonrpc: "2.0", id: 4, result: { action: "accept" } };
    const events = [permission, result, { ...question, id: undefined }].map((message) => `data: ${JSON.stringify(message)}\n\n`);
    const daemon = fakeDaemon(events);
    const requests: AgentRequest[] = [];
    const fetch = agentRequestsFetch({ fetch: daemon.base, clientCapabilities: {}, methods: ["elicitation/create"], onRequest: (request) => requests.push(request) });
    assert.equal(await (await fetch(ACP, { headers: { accept: "text/event-stream" } })).text(), events.join(""));
    assert.equal(requests.length, 0);
  });
});

describe("honouringSignal", () => {
  // A server as the daemon is to a closing SDK: a stream that never ends, and a request never answered.
  const closed: string[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    request.socket.on("close", () => closed.push(request.url!));
    if (request.url === "/stream") {
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write("data: 1\n\n");
    }
  });
  let origin = "";
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  /** What sandbox-agent's local provider does with a request: new Requests built from the caller's. */
  const rebuilding: typeof fetch = (input, init) => {
    const request = new Request(input, init);
    const forwarded = new Request(request.url, request);
    return fetch(new Request(forwarded, { headers: new Headers(request.headers) }));
  };
  const collected = async () => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    gc();
    gc();
  };

  it("ends a request never answered when its signal aborts, once the intermediate Requests are collected", async () => {
    const controller = new AbortController();
    const pending = honouringSignal(rebuilding)(`${origin}/never`, { method: "DELETE", signal: controller.signal });
    await collected();
    controller.abort(new Error("timed out"));
    await assert.rejects(pending, /timed out/);
  });

  it("ends a stream's body when its signal aborts, and closes its connection", async () => {
    const controller = new AbortController();
    const response = await honouringSignal(rebuilding)(`${origin}/stream`, { headers: { accept: "text/event-stream" }, signal: controller.signal });
    const reader = response.body!.getReader();
    assert.equal(new TextDecoder().decode((await reader.read()).value), "data: 1\n\n");
    await collected();
    controller.abort();
    await assert.rejects(reader.read());
    const deadline = Date.now() + 5000;
    while (!closed.includes("/stream") && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok(closed.includes("/stream"), "the server saw the stream's connection close");
  });

  it("passes a response and its body through unchanged", async () => {
    const response = await honouringSignal(async () => new Response("hello", { status: 201, statusText: "Made", headers: { "x-a": "1" } }))(`${origin}/x`, { signal: new AbortController().signal });
    assert.equal(response.status, 201);
    assert.equal(response.statusText, "Made");
    assert.equal(response.headers.get("x-a"), "1");
    assert.equal(await response.text(), "hello");
  });
});
