/**
 * The fold's entries by id in display order (`EntryMap`): whatever the sequence of adds, replaces,
 * deletes and moves to the end, it reads exactly like a plain ordered list of ids would. (Why it is
 * not a plain Map is in its comment; what it saves is the bench's million-event fold.)
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { EntryMap } from "../../src/events/fold-state.js";
import type { Entry } from "../../src/events/index.js";

const entry = (id: string, rev = 1) => ({ id, type: "notice", rev }) as unknown as Entry;

type Op = { op: "set" | "delete" | "move"; id: string; rev: number };

/** The reference: ids in display order, and each one's entry. */
function model(ops: Op[]): Array<[string, number]> {
  const order: Array<[string, number]> = [];
  for (const { op, id, rev } of ops) {
    const at = order.findIndex(([known]) => known === id);
    if (op === "set") {
      if (at >= 0) order[at] = [id, rev];
      else order.push([id, rev]);
    } else if (op === "delete") {
      if (at >= 0) order.splice(at, 1);
    } else if (at >= 0) {
      order.push(order.splice(at, 1)[0]);
    }
  }
  return order;
}

describe("entry map", () => {
  it("reads like an ordered list of ids after any adds, replaces, deletes and moves", () => {
    const ops = fc.array(
      fc.record({ op: fc.constantFrom("set", "delete", "move"), id: fc.constantFrom("plan", "usage", "e1", "e2", "e3", "e4"), rev: fc.nat(99) }),
      { maxLength: 120 },
    ) as fc.Arbitrary<Op[]>;
    fc.assert(
      fc.property(ops, (sequence) => {
        const map = new EntryMap();
        for (const { op, id, rev } of sequence) {
          if (op === "set") map.set(id, entry(id, rev));
          else if (op === "delete") map.delete(id);
          else map.moveToEnd(id);
        }
        const expected = model(sequence);
        assert.deepStrictEqual(
          [...map.values()].map((item) => [item.id, item.rev]),
          expected,
        );
        assert.equal(map.size, expected.length);
        for (const id of ["plan", "usage", "e1", "e2", "e3", "e4"]) {
          assert.equal(map.get(id)?.rev, expected.find(([known]) => known === id)?.[1]);
        }
      }),
    );
  });

  it("keeps order and lookups right when one entry moves thousands of times among many", () => {
    // The case a plain Map handles slowly (see EntryMap): one key moved again and again, among many others.
    const map = new EntryMap();
    for (let i = 0; i < 20_000; i++) {
      map.set(`e${i}`, entry(`e${i}`));
      if (i === 0) map.set("usage", entry("usage"));
      else map.moveToEnd("usage");
    }
    const ids = [...map.values()].map((item) => item.id);
    assert.equal(ids.length, 20_001);
    assert.equal(ids.at(-1), "usage");
    assert.equal(ids.at(-2), "e19999");
    assert.equal(map.get("usage")?.id, "usage");
  });
});
