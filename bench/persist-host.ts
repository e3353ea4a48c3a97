/**
 * The persistence figure's host: a RivetKit registry (embedded engine, like the product's) with one
 * actor that stores events through the workspace's own `WorkspacePersistDriver` in its own SQLite,
 * and times single events at a chosen table size. Prints `READY <endpoint>`; stops on a `stop` line.
 */
import { createInterface } from "node:readline";
import { actor, setup } from "rivetkit";
import { db } from "rivetkit/db";
import type { SessionEvent } from "sandbox-agent";
import { WorkspacePersistDriver } from "../src/actors/storage/persist-driver.js";
import { migrate } from "../src/actors/storage/schema.js";
import { stopEmbeddedEngine } from "../src/actors/registry.js";

process.env.RIVET_RUN_SERVICES ??= "0";
process.env.RIVET_LOG_LEVEL ??= "error";

/** A streamed chunk as the SDK records it (the size of a real one). */
function chunk(sessionId: string, eventIndex: number): SessionEvent {
  return {
    id: `evt_${sessionId}_${eventIndex}`,
    eventIndex,
    sessionId,
    createdAt: Date.now(),
    connectionId: "conn_bench",
    sender: "agent",
    payload: {
      jsonrpc: "2.0",
      method: "session/update",
      params: {
        sessionId: "7c2e91d4-5a0b-4f3e-9d18-b6a2c4e08f53",
        update: { sessionUpdate: "agent_message_chunk", content: { type: "text", text: `The middleware reads the token's expiry (${eventIndex}) ` } },
      },
    },
  } as SessionEvent;
}

const store = actor({
  db: db({ onMigrate: migrate }),
  createVars: (c): { persist: WorkspacePersistDriver } => ({ persist: new WorkspacePersistDriver(c.db, { maxEventsPerSession: 1_000_000 }) }),
  actions: {
    /** Stores events up to `upTo` the way the SDK does (each insert awaited), then waits for them to be written. */
    fill: async (c, upTo: number) => {
      const persist = c.vars.persist;
      for (let i = (await persist.maxEventIndex("s")) + 1; i <= upTo; i++) await persist.insertEvent("s", chunk("s", i));
      await persist.flush();
      return persist.maxEventIndex("s");
    },
    /**
     * Stores `count` more events one at a time, each until written to SQLite, and returns each one's
     * cost in ms: the SDK-facing insert alone, and insert + write.
     */
    measure: async (c, count: number) => {
      const persist = c.vars.persist;
      const insert: number[] = [];
      const stored: number[] = [];
      for (let n = 0; n < count; n++) {
        const index = (await persist.maxEventIndex("s")) + 1;
        const start = performance.now();
        await persist.insertEvent("s", chunk("s", index));
        insert.push(performance.now() - start);
        await persist.flush();
        stored.push(performance.now() - start);
      }
      return { insert, stored };
    },
  },
});

export type PersistBenchRegistry = typeof registry;
const registry = setup({ use: { store }, noWelcome: true, startEngine: true });
await registry.startAndWait();
console.log(`READY http://127.0.0.1:${process.env.RIVET_RUN_ENGINE_PORT || 6420}`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await Promise.race([registry.shutdown().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 8_000))]);
  await stopEmbeddedEngine();
  process.exit(0);
}
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
createInterface({ input: process.stdin }).on("line", (line) => line.trim() === "stop" && void stop());
