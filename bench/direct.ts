/**
 * The baseline for throughput and latency: the demo agent's firehose read directly with the
 * sandbox-agent SDK in Node, with no actor, no network hop to a browser and no rendering.
 */
import { InMemorySessionPersistDriver, SandboxAgent, type SessionEvent } from "sandbox-agent";
import { FIREHOSE_META } from "../demo/agent/material.js";

export interface DirectRun {
  /** Agent send → SDK listener, ms, per chunk. */
  latencies: number[];
  received: number;
  firstSentAt: number;
  lastReceivedAt: number;
}

const now = () => performance.timeOrigin + performance.now();

/** One session on the daemon; each `run` sends one prompt and times the chunks it streams. */
export async function directSession(sandbox: { baseUrl: string; token?: string }) {
  const sdk = await SandboxAgent.connect({ ...sandbox, persist: new InMemorySessionPersistDriver({ maxEventsPerSession: 1_000_000 }), waitForHealth: false });
  const session = await sdk.createSession({ agent: "mock" });
  await session.prompt([{ type: "text", text: "/echo warm up" }]);
  let current: DirectRun | undefined;
  session.onEvent((event: SessionEvent) => {
    const at = now();
    const meta = (event.payload as { params?: { update?: { _meta?: Record<string, number> } } }).params?.update?._meta;
    const sentAt = meta?.[FIREHOSE_META.sentAt];
    if (!current || sentAt === undefined) return;
    current.latencies.push(at - sentAt);
    current.received++;
    current.firstSentAt = Math.min(current.firstSentAt, sentAt);
    current.lastReceivedAt = at;
  });
  return {
    async run(text: string, chunks: number, timeoutMs: number): Promise<DirectRun> {
      const run: DirectRun = (current = { latencies: [], received: 0, firstSentAt: Infinity, lastReceivedAt: 0 });
      await session.prompt([{ type: "text", text }]);
      // The response can overtake the last notifications' listeners by a tick.
      const deadline = Date.now() + timeoutMs;
      while (run.received < chunks && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      current = undefined;
      return run;
    },
    dispose: () => sdk.dispose(),
  };
}

/**
 * The same firehose through the workspace actor to a Node client (no browser): what the actor hop
 * costs on its own, apart from the element's decoding and rendering in a page.
 */
export async function actorSession(endpoint: string, workspaceId: string) {
  const { createClient } = await import("rivetkit/client");
  const client = createClient<import("../src/actors/registry.js").WorkspaceRegistry>({ endpoint, devtools: false });
  const conn = client.workspace.getOrCreate([workspaceId], { params: { userId: "bench", userName: "Bench" } }).connect();
  let current: DirectRun | undefined;
  const take = (event: SessionEvent) => {
    const at = now();
    const sentAt = (event.payload as { params?: { update?: { _meta?: Record<string, number> } } }).params?.update?._meta?.[FIREHOSE_META.sentAt];
    if (!current || sentAt === undefined) return;
    current.latencies.push(at - sentAt);
    current.received++;
    current.firstSentAt = Math.min(current.firstSentAt, sentAt);
    current.lastReceivedAt = at;
  };
  conn.on("session.event", take);
  conn.on("session.events", (events: SessionEvent[]) => events.forEach(take));
  await conn.prompt({ text: "/echo warm up" });
  return {
    async run(text: string, chunks: number, timeoutMs: number): Promise<DirectRun> {
      const run: DirectRun = (current = { latencies: [], received: 0, firstSentAt: Infinity, lastReceivedAt: 0 });
      await conn.prompt({ text });
      const deadline = Date.now() + timeoutMs;
      while (run.received < chunks && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      current = undefined;
      return run;
    },
    dispose: async () => {
      await conn.dispose();
      await client.dispose();
    },
  };
}
