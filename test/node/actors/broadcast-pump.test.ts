/**
 * The broadcast pump: broadcasts leave in order; events waiting together leave as one message of
 * at most 200, paced by how many connections they go to; an event waits for its index to be
 * promised; nothing leaves while the actor's SQLite is being written; the event loop gets a turn.
 * The pump runs on the real persistence driver, over tables in memory whose writes take time.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { SessionEvent } from "sandbox-agent";
import type { WorkspaceBroadcasts } from "../../../src/protocol/index.js";
import { BroadcastPump } from "../../../src/actors/session/broadcast-pump.js";
import { WorkspacePersistDriver } from "../../../src/actors/storage/persist-driver.js";
import { chunk, MemorySql, sleep, until } from "./memory-sql.js";

const S = "s-1";

interface Sent {
  name: keyof WorkspaceBroadcasts;
  payload: unknown;
  at: number;
  /** Whether a write was under way as it left. */
  writing: boolean;
}

function pumpOn(options: { audience?: number; writeMs?: number; emit?: () => void } = {}) {
  const sql = new MemorySql();
  const errors: unknown[] = [];
  const persist = new WorkspacePersistDriver(sql, { maxEventsPerSession: 100_000, onError: (error) => errors.push(error) });
  const sent: Sent[] = [];
  const pump = new BroadcastPump({
    persist,
    emit: (name, payload) => {
      sent.push({ name, payload, at: performance.now(), writing: persist.writing });
      options.emit?.();
    },
    audience: () => options.audience ?? 1,
  });
  sql.writeMs = options.writeMs ?? 0;
  /** Events as the SDK hands them over: each inserted, then broadcast. */
  const stream = async (from: number, to: number) => {
    for (let index = from; index <= to; index++) {
      const event = chunk(S, index);
      await persist.insertEvent(S, event);
      pump.send("session.event", event);
    }
  };
  /** Events already inserted, promised and written: only the pump decides when they leave. */
  const ready = async (from: number, to: number) => {
    const events = Array.from({ length: to - from + 1 }, (_, i) => chunk(S, from + i));
    for (const event of events) await persist.insertEvent(S, event);
    await persist.whenPromised(S, to);
    await persist.flush();
    return events;
  };
  const indices = () => sent.flatMap(({ name, payload }) => (name === "session.event" ? [(payload as SessionEvent).eventIndex] : name === "session.events" ? (payload as SessionEvent[]).map((e) => e.eventIndex) : []));
  const sizes = () => sent.filter(({ name }) => name.startsWith("session.event")).map(({ name, payload }) => (name === "session.event" ? 1 : (payload as unknown[]).length));
  return { sql, persist, pump, sent, errors, stream, ready, indices, sizes };
}

describe("the broadcast pump", () => {
  it("sends a lone event alone, and events that wait together as one message", async () => {
    const { pump, ready, sent, sizes, indices } = pumpOn();
    const events = await ready(1, 51);
    pump.send("session.event", events[0]);
    await until(() => sent.length === 1, "the first event");
    assert.equal(sent[0].name, "session.event");
    for (const event of events.slice(1)) pump.send("session.event", event);
    await until(() => indices().length === 51, "every event");
    assert.deepEqual(sizes(), [1, 50]);
    assert.equal(sent[1].name, "session.events");
    assert.deepEqual(indices(), Array.from({ length: 51 }, (_, i) => i + 1));
  });

  it("sends a full message of 200 at once, however soon after the last", async () => {
    // 100 connections: event messages at least 100 ms apart, unless full.
    const { pump, ready, sent, sizes, indices } = pumpOn({ audience: 100 });
    const events = await ready(1, 451);
    pump.send("session.event", events[0]);
    await until(() => sent.length === 1, "the first event");
    for (const event of events.slice(1)) pump.send("session.event", event);
    await until(() => indices().length === 451, "every event");
    assert.deepEqual(sizes(), [1, 200, 200, 50]);
    const [first, full, again, rest] = sent.map(({ at }) => at);
    assert.ok(full - first < 50 && again - first < 50, `full messages waited for the gap: ${(full - first).toFixed(0)}, ${(again - first).toFixed(0)} ms`);
    assert.ok(rest - again >= 98, `the last 50 left ${(rest - again).toFixed(0)} ms after the full ones, not a gap (100 ms) later`);
  });

  it("keeps a message of large events under RivetKit's 1 MiB: at most 256 K characters of JSON, a larger event alone", async () => {
    const { pump, persist, sent, sizes, indices } = pumpOn({ audience: 100 });
    const big = (index: number, chars: number) => {
      const event = chunk(S, index);
      (event.payload as any).params.update.content.text = "x".repeat(chars);
      return event;
    };
    // 60 events of 10,000 characters (600 K), then one of 300,000, then 3 small ones.
    const events = [...Array.from({ length: 60 }, (_, i) => big(i + 1, 10_000)), big(61, 300_000), chunk(S, 62), chunk(S, 63), chunk(S, 64)];
    for (const event of events) await persist.insertEvent(S, event);
    await persist.whenPromised(S, 64);
    for (const event of events) pump.send("session.event", event);
    await until(() => indices().length === 64, "every event");
    assert.deepEqual(indices(), Array.from({ length: 64 }, (_, i) => i + 1), "in order, each once");
    const chars = sent.map(({ payload }) => JSON.stringify(payload).length);
    assert.ok(
      sent.every(({ payload }, i) => chars[i] <= 256 * 1024 + 1_000 || (!Array.isArray(payload) && (payload as SessionEvent).eventIndex === 61)),
      `messages of ${chars.join(", ")} characters`,
    );
    // Each event is about 10,250 characters with its envelope: 25 fit in 256 K.
    assert.deepEqual(sizes(), [25, 25, 10, 1, 3], "as full as they may be");
  });

  it("broadcasts no event too large for any message (a reader reads it from the history), and goes on", async () => {
    const { pump, persist, indices } = pumpOn();
    const huge = chunk(S, 2);
    (huge.payload as any).params.update.content.text = "é".repeat(600_000);
    const events = [chunk(S, 1), huge, chunk(S, 3)];
    for (const event of events) await persist.insertEvent(S, event);
    await persist.whenPromised(S, 3);
    let sent = false;
    pump.send("session.event", events[0]);
    pump.send("session.event", events[1], () => (sent = true));
    pump.send("session.event", events[2]);
    await until(() => indices().at(-1) === 3, "the event after it");
    assert.deepEqual(indices(), [1, 3]);
    assert.ok(sent, "its broadcast is settled as done");
  });

  it("paces event messages 1 ms per connection apart, at most 100 ms", async () => {
    for (const [audience, gap] of [
      [20, 20],
      [1_000, 100],
    ]) {
      const { pump, ready, sent, indices } = pumpOn({ audience });
      const events = await ready(1, 100);
      const startedAt = performance.now();
      for (const event of events) {
        pump.send("session.event", event);
        await sleep(3);
      }
      await until(() => indices().length === 100, "every event");
      const spacing = sent.slice(1).map(({ at }, i) => at - sent[i].at);
      assert.ok(Math.min(...spacing) >= gap - 2, `${audience} connections: messages ${Math.min(...spacing).toFixed(1)} ms apart, not ${gap}`);
      const streamedMs = performance.now() - startedAt;
      assert.ok(sent.length <= Math.ceil(streamedMs / gap) + 1, `${sent.length} messages in ${streamedMs.toFixed(0)} ms at one per ${gap} ms`);
    }
  });

  it("does not hold back one connection's slow stream", async () => {
    const { pump, ready, sizes } = pumpOn({ audience: 1 });
    const events = await ready(1, 20);
    for (const event of events) {
      pump.send("session.event", event);
      await sleep(5);
    }
    await sleep(10);
    assert.deepEqual(sizes(), Array(20).fill(1));
  });

  it("keeps every broadcast in order, and says when each has left", async () => {
    const { pump, ready, sent } = pumpOn();
    const [one, two] = await ready(1, 2);
    const left: string[] = [];
    pump.send("session.event", one);
    pump.send("turn", { state: "ended", promptId: "p-1", queued: 0 }, () => left.push(`turn after ${sent.length} sent`));
    pump.send("session.event", two);
    await until(() => sent.length === 3, "three broadcasts");
    assert.deepEqual(sent.map(({ name }) => name), ["session.event", "turn", "session.event"]);
    assert.deepEqual(left, ["turn after 2 sent"]);
  });

  it("sends nothing while the actor's SQLite is being written", async () => {
    const { pump, persist, sql, sent, ready } = pumpOn({ writeMs: 40 });
    const events = await ready(1, 5);
    // A write of the actor's own (a permission's answer), under way as the broadcasts come.
    const writing = persist.execute(`INSERT INTO permissions (permission_id, tool_call_id, json) VALUES (?, ?, ?) ON CONFLICT (permission_id) DO UPDATE SET json = excluded.json`, "p", null, "{}");
    pump.send("chat.user", { userId: "u", text: "hi", createdAt: Date.now() });
    for (const event of events) pump.send("session.event", event);
    await sleep(20);
    assert.equal(sent.length, 0, "a broadcast left during the write");
    await writing;
    await until(() => sent.length === 2, "the broadcasts after the write");
    assert.ok(sent[0].at >= sql.writes.at(-1)!.end!, "left before the write ended");
  });

  it("sends nothing while the stream's own events and promises are written", async () => {
    const { stream, sql, sent, indices, persist } = pumpOn({ writeMs: 30 });
    // 400 chunks, one every 2 ms: the queue writes at least every 500 ms, a promise is written
    // with the first event, and each write takes 30 ms.
    const streaming = (async () => {
      for (let index = 1; index <= 400; index += 1) {
        await stream(index, index);
        await sleep(2);
      }
    })();
    await streaming;
    await persist.flush();
    await until(() => indices().length === 400, "every event");
    const writes = sql.writes.filter((write) => write.end !== undefined);
    assert.ok(writes.length >= 3, `only ${writes.length} writes: nothing to hold back`);
    assert.deepEqual(sent.filter((message) => message.writing), [], "a broadcast left during a write");
    const during = sent.filter(({ at }) => writes.some(({ start, end }) => at > start && at < end!));
    assert.deepEqual(during, [], "a broadcast left inside a write's time");
    assert.deepEqual(indices(), Array.from({ length: 400 }, (_, i) => i + 1));
  });

  it("holds an event, and what comes after it, until its index is promised", async () => {
    const { pump, persist, sql, sent, errors } = pumpOn();
    // The first promise fails; it is tried again 250 ms later.
    sql.failNext = /^INSERT INTO promised/;
    const event = chunk(S, 1);
    await persist.insertEvent(S, event);
    const sentAt = performance.now();
    pump.send("chat.user", { userId: "u", text: "hi", createdAt: Date.now() });
    pump.send("session.event", event);
    pump.send("turn", { state: "ended", promptId: "p-1", queued: 0 });
    await sleep(100);
    assert.deepEqual(sent.map(({ name }) => name), ["chat.user"]);
    assert.equal(errors.length, 1);
    await until(() => sent.length === 3, "the event once promised");
    assert.deepEqual(sent.map(({ name }) => name), ["chat.user", "session.event", "turn"]);
    assert.ok(sent[1].at - sentAt >= 200, `the event left ${(sent[1].at - sentAt).toFixed(0)} ms after it came, before the retried promise`);
  });

  it("gives the event loop a turn at least every 8 ms of broadcasting", async () => {
    // Each broadcast costs half a millisecond: 200 of them, 100 ms.
    const busy = () => {
      const until = performance.now() + 0.5;
      while (performance.now() < until);
    };
    const { pump, sent } = pumpOn({ emit: busy });
    for (let n = 0; n < 200; n++) pump.send("presence", { users: [] });
    let sentWhenTimerRan = -1;
    setTimeout(() => (sentWhenTimerRan = sent.length), 0);
    await until(() => sent.length === 200, "every broadcast");
    assert.ok(sentWhenTimerRan >= 0 && sentWhenTimerRan < 60, `a timer waited until ${sentWhenTimerRan} of 200 broadcasts had left`);
  });
});
