/**
 * The baseline for throughput and latency: the demo agent's firehose read directly with the
 * sandbox-agent SDK in Node, with no actor, no network hop to a browser and no rendering.
 */
import { InMemorySessionPersistDriver, SandboxAgent, type SessionEvent } from "sandbox-agent";
import { FIREHOSE_META } from "../demo/agent/material.js";
import { runPrompt } from "../src/protocol/index.js";
import { cpuBusyMs } from "./cpu.js";
import { givenUp } from "./stats.js";

export interface DirectRun {
  /** Agent send → SDK listener, ms, per chunk. */
  latencies: number[];
  received: number;
  firstSentAt: number;
  /** The agent's last send: with `firstSentAt`, how long the agent itself took to stream. */
  lastSentAt: number;
  lastReceivedAt: number;
  /** The machine's CPU time from the prompt to the last chunk (core-ms); only when every chunk came. */
  cpuMs?: number;
  /** The time `cpuMs` was measured over (ms). */
  cpuWallMs?: number;
}

const now = () => performance.timeOrigin + performance.now();

/**
 * Times the firehose chunks a listener sees, one prompt (`send`) at a time: what each `run` of the
 * direct and the actor sessions shares.
 */
function firehoseRuns(send: (text: string) => Promise<unknown>) {
  let current: DirectRun | undefined;
  let expected = 0;
  let cpuAtStart = 0;
  let wallAtStart = 0;
  return {
    /** Hand every event the listener sees here. */
    take(event: SessionEvent): void {
      const at = now();
      const meta = (event.payload as { params?: { update?: { _meta?: Record<string, number> } } }).params?.update?._meta;
      const sentAt = meta?.[FIREHOSE_META.sentAt];
      if (!current || sentAt === undefined) return;
      current.latencies.push(at - sentAt);
      current.received++;
      current.firstSentAt = Math.min(current.firstSentAt, sentAt);
      current.lastSentAt = Math.max(current.lastSentAt, sentAt);
      current.lastReceivedAt = at;
      if (current.received === expected) {
        current.cpuMs = cpuBusyMs() - cpuAtStart;
        current.cpuWallMs = performance.now() - wallAtStart;
      }
    },
    async run(text: string, chunks: number, timeoutMs: number): Promise<DirectRun> {
      const run: DirectRun = (current = { latencies: [], received: 0, firstSentAt: Infinity, lastSentAt: 0, lastReceivedAt: 0 });
      expected = chunks;
      cpuAtStart = cpuBusyMs();
      wallAtStart = performance.now();
      const deadline = Date.now() + timeoutMs;
      await send(text);
      // The response can overtake the last notifications' listeners by a tick, and other connections
      // trail the one that prompted.
      const endedAt = now();
      while (run.received < chunks && !givenUp(endedAt, run.lastReceivedAt, now()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      current = undefined;
      return run;
    },
  };
}

/** One session on the daemon; each `run` sends one prompt and times the chunks it streams. */
export async function directSession(sandbox: { baseUrl: string; token?: string }) {
  const sdk = await SandboxAgent.connect({ ...sandbox, persist: new InMemorySessionPersistDriver({ maxEventsPerSession: 1_000_000 }), waitForHealth: false });
  const session = await sdk.createSession({ agent: "mock" });
  await session.prompt([{ type: "text", text: "/echo warm up" }]);
  const runs = firehoseRuns((text) => session.prompt([{ type: "text", text }]));
  session.onEvent((event: SessionEvent) => runs.take(event));
  return { run: runs.run, dispose: () => sdk.dispose() };
}

/**
 * The same firehose through the workspace actor to Node clients (no browser): what the actor hop
 * costs on its own, apart from the element's decoding and rendering in a page. With more than one
 * connection, each run expects every chunk on each of them; the first sends the prompts.
 */
export async function actorSession(endpoint: string, workspaceId: string, connections = 1) {
  const { createClient } = await import("rivetkit/client");
  const client = createClient<import("../src/actors/registry.js").WorkspaceRegistry>({ endpoint, devtools: false });
  const conns = Array.from({ length: connections }, (_, i) =>
    client.workspace.getOrCreate([workspaceId], { params: { userId: `bench-${i}`, userName: `Bench ${i}` } }).connect(),
  );
  const runs = firehoseRuns((text) => runPrompt(conns[0], text));
  for (const conn of conns) {
    conn.on("session.event", (event: SessionEvent) => runs.take(event));
    conn.on("session.events", (events: SessionEvent[]) => events.forEach((event) => runs.take(event)));
  }
  await runPrompt(conns[0], "/echo warm up");
  return {
    run: (text: string, chunks: number, timeoutMs: number) => runs.run(text, chunks * connections, timeoutMs),
    dispose: async () => {
      await Promise.all(conns.map((conn) => conn.dispose()));
      await client.dispose();
    },
  };
}
