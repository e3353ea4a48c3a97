/**
 * A @web/test-runner plugin that records, from outside the page (Chromium's DevTools protocol),
 * everything the page receives: every WebSocket frame, every HTTP response's headers and body,
 * every server-sent event. Between `executeServerCommand("wire", { action: "start" })` and
 * `{ action: "stop" }`, which scans it all for the sandbox secrets of every stack the stack plugin
 * started (URL, port, token) and answers counts and where a secret was found, never the secret.
 */
import type { CDPSession, Page, Protocol } from "puppeteer-core";
import { sessionPage, type Session } from "./session-page.js";
import { sandboxSecrets } from "./stack-plugin.js";

/** `find`: strings the test knows the page received; the report says whether each was seen (a check that the recording reads what it should). */
type Payload = { action: "start" | "stop"; find?: string[] };

/** What the page received, as text (binary frames and bodies as latin1, byte for byte). */
interface Received {
  where: string;
  text: string;
}

export interface WireSocket {
  url: string;
  frames: number;
  bytes: number;
}

export interface WireReport {
  sockets: WireSocket[];
  responses: number;
  responseBytes: number;
  /** Responses whose body Chromium no longer had (redirects, aborted requests). */
  bodiesUnavailable: number;
  events: number;
  /** How many secrets were looked for, by kind. */
  secrets: Record<string, number>;
  /** Where a secret was found: `kind` and the place, with the secret masked. */
  hits: Array<{ kind: string; where: string }>;
  /** For each string in `find`, whether the recording holds it. */
  found: Record<string, boolean>;
}

interface Recording {
  cdp: CDPSession;
  received: Received[];
  sockets: Map<string, WireSocket>;
  responses: Map<string, string>;
  bodies: Array<Promise<void>>;
  responseCount: number;
  responseBytes: number;
  bodiesUnavailable: number;
  events: number;
}

const decode = (data: string, base64: boolean) => (base64 ? Buffer.from(data, "base64").toString("latin1") : data);

async function record(page: Page): Promise<Recording> {
  const cdp = await page.createCDPSession();
  const rec: Recording = { cdp, received: [], sockets: new Map(), responses: new Map(), bodies: [], responseCount: 0, responseBytes: 0, bodiesUnavailable: 0, events: 0 };
  cdp.on("Network.webSocketCreated", ({ requestId, url }: Protocol.Network.WebSocketCreatedEvent) => {
    rec.sockets.set(requestId, { url, frames: 0, bytes: 0 });
  });
  cdp.on("Network.webSocketHandshakeResponseReceived", ({ requestId, response }: Protocol.Network.WebSocketHandshakeResponseReceivedEvent) => {
    rec.received.push({ where: `WebSocket handshake ${rec.sockets.get(requestId)?.url ?? requestId}`, text: JSON.stringify(response.headers) });
  });
  cdp.on("Network.webSocketFrameReceived", ({ requestId, response }: Protocol.Network.WebSocketFrameReceivedEvent) => {
    const socket = rec.sockets.get(requestId) ?? { url: requestId, frames: 0, bytes: 0 };
    rec.sockets.set(requestId, socket);
    const text = decode(response.payloadData, response.opcode === 2);
    socket.frames++;
    socket.bytes += text.length;
    rec.received.push({ where: `WebSocket frame ${socket.frames} from ${socket.url}`, text });
  });
  cdp.on("Network.responseReceived", ({ requestId, response }: Protocol.Network.ResponseReceivedEvent) => {
    rec.responseCount++;
    rec.responses.set(requestId, response.url);
    rec.received.push({ where: `response headers ${response.url}`, text: `${response.url}\n${JSON.stringify(response.headers)}` });
  });
  cdp.on("Network.loadingFinished", ({ requestId }: Protocol.Network.LoadingFinishedEvent) => {
    const url = rec.responses.get(requestId);
    if (url === undefined) return;
    rec.bodies.push(
      cdp.send("Network.getResponseBody", { requestId }).then(
        ({ body, base64Encoded }) => {
          const text = decode(body, base64Encoded);
          rec.responseBytes += text.length;
          rec.received.push({ where: `response body ${url}`, text });
        },
        () => void rec.bodiesUnavailable++,
      ),
    );
  });
  cdp.on("Network.eventSourceMessageReceived", ({ data, eventName }: Protocol.Network.EventSourceMessageReceivedEvent) => {
    rec.events++;
    rec.received.push({ where: `server-sent event ${eventName}`, text: data });
  });
  // Keep bodies around long enough to read them after the fact.
  await cdp.send("Network.enable", { maxTotalBufferSize: 200_000_000, maxResourceBufferSize: 50_000_000 });
  return rec;
}

function scan(rec: Recording, find: string[]): WireReport {
  const secrets = sandboxSecrets();
  const mask = (text: string) => secrets.reduce((out, { pattern }) => out.replace(new RegExp(pattern.source, pattern.flags + "g"), "<secret>"), text);
  const hits: WireReport["hits"] = [];
  for (const { where, text } of rec.received) {
    for (const { kind, pattern } of secrets) if (pattern.test(text)) hits.push({ kind, where: mask(where) });
  }
  const kinds: Record<string, number> = {};
  for (const { kind } of secrets) kinds[kind] = (kinds[kind] ?? 0) + 1;
  return {
    sockets: [...rec.sockets.values()],
    responses: rec.responseCount,
    responseBytes: rec.responseBytes,
    bodiesUnavailable: rec.bodiesUnavailable,
    events: rec.events,
    secrets: kinds,
    hits,
    found: Object.fromEntries(find.map((text) => [text, rec.received.some((received) => received.text.includes(text))])),
  };
}

export function wirePlugin() {
  const recordings = new Map<string, Recording>();
  return {
    name: "wire-recorder",
    async executeCommand({ command, payload, session }: { command: string; payload?: unknown; session: Session }) {
      if (command !== "wire") return undefined;
      const { action, find = [] } = payload as Payload;
      if (action === "start") {
        const page = sessionPage(session, "the wire recorder");
        await recordings.get(session.id)?.cdp.detach().catch(() => undefined);
        recordings.set(session.id, await record(page));
        return { ok: true };
      }
      const rec = recordings.get(session.id);
      if (!rec) throw new Error("the wire recorder was not started for this page");
      recordings.delete(session.id);
      // Let the last bodies come in, then stop listening.
      await new Promise((resolve) => setTimeout(resolve, 250));
      await Promise.race([Promise.all(rec.bodies), new Promise((resolve) => setTimeout(resolve, 10_000))]);
      await rec.cdp.detach().catch(() => undefined);
      return scan(rec, find);
    },
  };
}
