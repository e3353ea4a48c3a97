/**
 * The index ledger: which eventIndex an event gets, which indices clients may hear of (promised
 * durably, a block at a time), and the ranges a crash lost. The actor's SQLite is replaced by
 * tables in memory; a "crash" is a new ledger on the same tables without `close()`.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { IndexLedger } from "../../../src/actors/storage/index-ledger.js";
import { WriteGate } from "../../../src/actors/storage/write-queue.js";
import { chunk, MemorySql, sleep } from "./memory-sql.js";

const S = "s-1";

function ledgerOn(sql: MemorySql, errors: unknown[] = []): IndexLedger {
  return new IndexLedger(new WriteGate(sql), (error) => errors.push(error));
}

/** Assigns events `from`..`to` (as the SDK numbers them) and returns the indices they got. */
function assign(ledger: IndexLedger, from: number, to: number): number[] {
  const got: number[] = [];
  for (let index = from; index <= to; index++) {
    const event = chunk(S, index);
    ledger.assign(S, event);
    got.push(event.eventIndex);
  }
  return got;
}

const promiseWrites = (sql: MemorySql) => sql.writes.filter((write) => write.statement.startsWith("INSERT INTO promised")).length;

describe("the index ledger", () => {
  it("promises a block of indices before any may be sent, and the next block once half is used", async () => {
    const sql = new MemorySql();
    sql.writeMs = 5;
    const ledger = ledgerOn(sql);
    await ledger.open(S);
    assert.deepEqual(assign(ledger, 1, 1), [1]);
    assert.equal(ledger.isPromised(S, 1), false, "promised before the promise was written");
    await ledger.whenPromised(S, 1);
    assert.equal(sql.promised.get(S), 10_001, "a block of 10,000 past the newest index");
    assert.ok(ledger.isPromised(S, 10_001) && !ledger.isPromised(S, 10_002));

    assign(ledger, 2, 5_001);
    await sleep(20);
    assert.equal(promiseWrites(sql), 1, "promised again with half the block left");
    assign(ledger, 5_002, 5_002);
    await ledger.whenPromised(S, 20_001);
    assert.equal(promiseWrites(sql), 2);
    assert.equal(sql.promised.get(S), 20_001, "the next block starts past the one before");
  });

  it("promises the next block when a burst used more than half of a block while it was written, with nothing after it", async () => {
    const sql = new MemorySql();
    sql.writeMs = 20;
    const ledger = ledgerOn(sql);
    await ledger.open(S);
    // 15,000 events while the first block (through 10,000) is written: the burst ends, nothing follows.
    assign(ledger, 1, 15_000);
    await ledger.whenPromised(S, 15_000);
    assert.ok(ledger.isPromised(S, 15_000), "every assigned index is promised in the end");
    assert.equal(promiseWrites(sql), 2);
  });

  it("numbers an event past every index already assigned", async () => {
    const ledger = ledgerOn(new MemorySql());
    await ledger.open(S);
    const got = [1, 1, 7, 3].map((index) => {
      const event = chunk(S, index);
      ledger.assign(S, event);
      return event.eventIndex;
    });
    assert.deepEqual(got, [1, 2, 7, 8]);
    assert.equal(await ledger.maxEventIndex(S), 8);
  });

  it("after a crash, records what was promised but not stored as lost, and numbers on after it", async () => {
    const sql = new MemorySql();
    sql.store(S, [1, 2, 3, 4, 5]);
    sql.promised.set(S, 10_000);
    const before = Date.now();
    const ledger = ledgerOn(sql);
    const [range] = await ledger.lostRanges(S);
    assert.deepEqual({ after: range.after, through: range.through }, { after: 5, through: 10_000 });
    assert.ok(range.at >= before);
    assert.deepEqual(sql.lost.get(S)?.get(5)?.through, 10_000, "the range is stored");
    assert.equal(await ledger.maxEventIndex(S), 10_000);
    // The SDK numbers on from what is stored; the ledger moves it past the lost range.
    assert.deepEqual(assign(ledger, 6, 7), [10_001, 10_002]);
    assert.equal(ledger.isPromised(S, 10_001), false, "the lost range's indices are not promised again");
    await ledger.whenPromised(S, 10_002);
  });

  it("widens the range when it crashes again before anything is stored", async () => {
    const sql = new MemorySql();
    sql.store(S, [1, 2, 3, 4, 5]);
    sql.promised.set(S, 10_000);
    const first = ledgerOn(sql);
    await first.open(S);
    assign(first, 6, 6);
    await first.whenPromised(S, 10_001);
    // Nothing of it stored: a second crash.
    const second = ledgerOn(sql);
    const lost = await second.lostRanges(S);
    assert.deepEqual(lost.map(({ after, through }) => ({ after, through })), [{ after: 5, through: 20_001 }]);
    assert.equal(sql.lost.get(S)?.size, 1);
    assert.equal(await second.maxEventIndex(S), 20_001);
  });

  it("hands unused indices back on a clean stop: the next start finds nothing lost", async () => {
    const sql = new MemorySql();
    const ledger = ledgerOn(sql);
    await ledger.open(S);
    assign(ledger, 1, 3);
    await ledger.whenPromised(S, 3);
    sql.store(S, [1, 2, 3]);
    await ledger.close();
    assert.equal(sql.promised.get(S), 3);
    const next = ledgerOn(sql);
    assert.deepEqual(await next.lostRanges(S), []);
    assert.equal(await next.maxEventIndex(S), 3);
  });

  it("keeps whoever waits waiting through a failed promise, and tries again", async () => {
    const sql = new MemorySql();
    sql.failNext = /^INSERT INTO promised/;
    const errors: unknown[] = [];
    const ledger = ledgerOn(sql, errors);
    await ledger.open(S);
    assign(ledger, 1, 1);
    const startedAt = performance.now();
    let promisedAt = 0;
    const waiting = ledger.whenPromised(S, 1).then(() => (promisedAt = performance.now()));
    await sleep(100);
    assert.equal(errors.length, 1, "the failure was reported");
    assert.equal(promisedAt, 0, "the event was promised although the write failed");
    await waiting;
    assert.ok(promisedAt - startedAt >= 200, `promised ${(promisedAt - startedAt).toFixed(0)} ms after the failure, not after the retry`);
    assert.equal(sql.promised.get(S), 10_001);
  });

  it("reads a session once, however many ask at the same time", async () => {
    const sql = new MemorySql();
    sql.store(S, [1]);
    const ledger = ledgerOn(sql);
    const reads = await Promise.all([ledger.open(S), ledger.open(S), ledger.maxEventIndex(S)]);
    assert.equal(reads[0], reads[1]);
    assert.equal(reads[2], 1);
    assert.equal(sql.writes.length, 0, "nothing written when nothing was lost");
  });
});
