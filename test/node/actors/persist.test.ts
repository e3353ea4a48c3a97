/**
 * When the persistence driver writes. A write holds every broadcast back while it runs, so writes
 * wait for a pause in the stream, though never long, and `flush` (before the actor sleeps) writes
 * at once. The actor's database is replaced here by a recorder of statements: a unit test of the
 * driver alone. The stack tests run it on RivetKit's real SQLite.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { SessionEvent } from "sandbox-agent";
import { WorkspacePersistDriver } from "../../../src/actors/storage/persist-driver.js";
import type { Sql } from "../../../src/actors/storage/schema.js";

/** Records each events write: when it started and which indices it stored. */
class RecordingSql implements Sql {
  writes: Array<{ at: number; indices: number[] }> = [];
  stored = new Set<number>();

  async execute(statement: string, ...args: unknown[]): Promise<Array<Record<string, unknown>>> {
    const at = performance.now();
    // A write takes a moment, as a real one does.
    await new Promise((resolve) => setTimeout(resolve, 2));
    if (statement.includes("INTO events")) {
      const indices = args.filter((_, i) => i % 3 === 1).map(Number);
      this.writes.push({ at, indices });
      for (const index of indices) this.stored.add(index);
    }
    return [];
  }
}

const SESSION = "s-1";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A streamed chunk of the agent's answer. */
function event(eventIndex: number): SessionEvent {
  return {
    id: `e-${eventIndex}`,
    eventIndex,
    sessionId: SESSION,
    createdAt: Date.now(),
    connectionId: "c-1",
    sender: "agent",
    payload: { jsonrpc: "2.0", method: "session/update", params: { sessionId: SESSION, update: { sessionUpdate: "agent_message_chunk", content: { type: "text", text: `chunk ${eventIndex} ` } } } },
  } as SessionEvent;
}

/** The user's prompt, as the client sends it. */
function promptEvent(eventIndex: number): SessionEvent {
  return {
    ...event(eventIndex),
    sender: "client",
    payload: { jsonrpc: "2.0", id: eventIndex, method: "session/prompt", params: { sessionId: SESSION, prompt: [{ type: "text", text: "hello" }] } },
  } as SessionEvent;
}

async function until(check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await sleep(5);
  assert.ok(check(), "timed out");
}

describe("the persistence driver writes behind the stream", () => {
  it("writes a burst once the stream pauses, not while it flows", async () => {
    const sql = new RecordingSql();
    const persist = new WorkspacePersistDriver(sql, { maxEventsPerSession: 10_000 });
    for (let index = 1; index <= 300; index++) await persist.insertEvent(SESSION, event(index));
    const lastInsertAt = performance.now();
    // Until written, reads see every event.
    assert.equal((await persist.readEvents(SESSION, 0, 500, true)).events.length, 300);
    await until(() => sql.stored.size === 300, 5_000);
    assert.ok(sql.writes[0].at - lastInsertAt >= 90, `the first write began ${(sql.writes[0].at - lastInsertAt).toFixed(0)} ms after the burst, not after a pause`);
    assert.deepEqual([...sql.stored].sort((a, b) => a - b), Array.from({ length: 300 }, (_, i) => i + 1));
  });

  it("writes a stream that never pauses at least every half second", async () => {
    const sql = new RecordingSql();
    const persist = new WorkspacePersistDriver(sql, { maxEventsPerSession: 10_000 });
    const firstAt = performance.now();
    let index = 0;
    while (performance.now() - firstAt < 1_500) {
      await persist.insertEvent(SESSION, event(++index));
      await sleep(10);
    }
    const endAt = performance.now();
    const during = sql.writes.filter((write) => write.at < endAt).length;
    // About three (one per half second); a timer stalled past the quiet time on a busy machine adds one.
    assert.ok(during >= 1 && during <= 6, `${during} writes during a 1.5 s stream of ${index} events`);
    await until(() => sql.stored.size === index, 5_000);
  });

  it("writes a prompt at once, and the chunks queued before it with it", async () => {
    const sql = new RecordingSql();
    const persist = new WorkspacePersistDriver(sql, { maxEventsPerSession: 10_000 });
    await persist.insertEvent(SESSION, event(1));
    await persist.insertEvent(SESSION, promptEvent(2));
    // The answer streams on for 200 ms: no pause, and nothing due yet.
    for (let index = 3; index <= 22; index++) {
      await persist.insertEvent(SESSION, event(index));
      await sleep(10);
    }
    assert.ok(sql.stored.has(1) && sql.stored.has(2), "the prompt waited for the stream to pause");
    await until(() => sql.stored.size === 22, 5_000);
  });

  it("writes a prompt at once even while a write waits for the stream to pause", async () => {
    const sql = new RecordingSql();
    const persist = new WorkspacePersistDriver(sql, { maxEventsPerSession: 10_000 });
    await persist.insertEvent(SESSION, event(1));
    // The drain now waits for a pause in the stream (100 ms from the chunk).
    await sleep(20);
    const promptAt = performance.now();
    await persist.insertEvent(SESSION, promptEvent(2));
    await until(() => sql.stored.has(2), 5_000);
    assert.ok(sql.writes[0].at - promptAt < 50, `the prompt's write began ${(sql.writes[0].at - promptAt).toFixed(0)} ms after it came`);
  });

  it("writes at once when flushed", async () => {
    const sql = new RecordingSql();
    const persist = new WorkspacePersistDriver(sql, { maxEventsPerSession: 10_000 });
    for (let index = 1; index <= 5; index++) await persist.insertEvent(SESSION, event(index));
    assert.equal(sql.stored.size, 0);
    const start = performance.now();
    await persist.flush();
    assert.equal(sql.stored.size, 5);
    assert.ok(performance.now() - start < 90, "flush waited for the stream to pause");
  });
});
