/**
 * The history reader alone, over a connection that serves pages of a stored log: it reads
 * everything after what the timeline holds, the newest page first for a long session, trimmed
 * history is no gap, and lost ranges are forgotten and reported. A unit test of the reader.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { deflateRawSync } from "node:zlib";
import { HistoryReader, NEWEST, PAGE } from "../../../src/components/controllers/connection/history-reader.js";
import type { Conn } from "../../../src/components/controllers/connection/link.js";
import { Timeline } from "../../../src/events/index.js";

/**
 * A stored log of `count` agent message chunks from index `first`, and `lost` ranges, served as the
 * workspace serves it: JSON text or deflated, at most `maxPage` events a page (its own maximum).
 */
function store(count: number, first = 1, lost: Array<{ after: number; through: number }> = [], maxPage = Infinity) {
  const events = Array.from({ length: count }, (_, i) => ({
    id: `e${first + i}`,
    eventIndex: first + i,
    sessionId: "s",
    createdAt: 1_700_000_000_000 + i,
    connectionId: "c",
    sender: "agent",
    payload: { jsonrpc: "2.0", method: "session/update", params: { sessionId: "s", update: { sessionUpdate: "agent_message_chunk", content: { type: "text", text: `${first + i} ` } } } },
  }));
  const asked: number[] = [];
  const getHistoryJson = async ({ after, limit }: { after: number; limit: number }) => {
    asked.push(after);
    const page = events.filter((event) => event.eventIndex > after).slice(0, Math.min(limit, maxPage));
    const last = page.at(-1)?.eventIndex;
    return { eventsJson: JSON.stringify(page), nextAfter: last !== undefined && last < first + count - 1 ? last : undefined, permissions: [], lost };
  };
  const conn = {
    getSessionInfo: async () => ({ lastEventIndex: first + count - 1 }),
    getHistoryJson,
    getHistoryDeflated: async (input: { after: number; limit: number }) => {
      const { eventsJson, ...rest } = await getHistoryJson(input);
      return { ...rest, eventsDeflated: new Uint8Array(deflateRawSync(eventsJson)) };
    },
  } as unknown as Conn;
  return { conn, asked };
}

function reader(conn: Conn) {
  const timeline = new Timeline();
  const errors: string[] = [];
  const batches: number[][] = [];
  const history = new HistoryReader({
    timeline: () => timeline,
    link: () => ({ conn, generation: 1 }),
    isCurrent: () => true,
    live: () => true,
    onEvents: (events) => {
      batches.push(events.map((event) => (event as { eventIndex: number }).eventIndex));
      timeline.addAll(events);
    },
    onAnswer: () => undefined,
    onError: (code) => errors.push(code),
  });
  return { history, timeline, errors, batches };
}

describe("the history reader", () => {
  it("reads a short log whole, in order", async () => {
    const { conn } = store(120);
    const { history, timeline } = reader(conn);
    await history.catchUp();
    assert.equal(timeline.contiguousIndex, 120);
    assert.equal(timeline.lastIndex, 120);
  });

  it("opens a long log at its newest page, then fills in everything before it", async () => {
    const total = PAGE * 3 + 17;
    const { conn } = store(total);
    const { history, timeline, batches } = reader(conn);
    await history.catchUp();
    assert.equal(timeline.contiguousIndex, total);
    assert.equal(batches[0][0], total - NEWEST + 1, "the newest page came first");
    assert.equal(batches.flat().length, total, "each event once");
  });

  it("reads every event once when the workspace sends shorter pages than asked (its maximum, or large events)", async () => {
    const total = PAGE * 2 + 333;
    const { conn } = store(total, 1, [], 137);
    const { history, timeline, batches } = reader(conn);
    await history.catchUp();
    assert.equal(timeline.contiguousIndex, total);
    assert.deepEqual(batches.flat().sort((a, b) => a - b), Array.from({ length: total }, (_, i) => i + 1), "each event once");
    assert.equal(batches[0][0], total - NEWEST + 1, "the newest events came first");
  });

  it("reads on from what the timeline holds", async () => {
    const { conn, asked } = store(300);
    const { history, timeline } = reader(conn);
    await history.catchUp();
    asked.length = 0;
    await history.catchUp();
    assert.deepEqual(asked, [300], "the second read asks only after what it holds");
    assert.equal(timeline.contiguousIndex, 300);
  });

  it("takes a log trimmed of its oldest events as whole from its first stored event", async () => {
    const { conn } = store(50, 1001);
    const { history, timeline } = reader(conn);
    await history.catchUp();
    assert.equal(timeline.contiguousIndex, 1050, "no gap below the first stored event");
  });

  it("forgets events storage lost, and says how many", async () => {
    const { conn } = store(10, 1, [{ after: 10, through: 12 }]);
    const { history, timeline, errors } = reader(conn);
    timeline.addAll([11, 12].map((eventIndex) => ({ id: `x${eventIndex}`, eventIndex, sessionId: "s", createdAt: 1, connectionId: "c", sender: "agent", payload: { jsonrpc: "2.0", method: "session/update", params: { sessionId: "s", update: { sessionUpdate: "agent_message_chunk", content: { type: "text", text: "lost" } } } } })));
    await history.catchUp();
    assert.deepEqual(errors, ["events-lost"]);
    assert.equal(timeline.lastIndex, 10);
  });
});
