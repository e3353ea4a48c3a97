/**
 * One copy of the strings every event repeats (`SharedStrings`): the element puts it in each event
 * it holds, in place. What a reader of the events sees must not change at all, whatever the events
 * are, and events that cannot be written are left alone. (What it saves is measured by the bench's
 * long-session heap.)
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { SharedStrings, Timeline } from "../../src/events/index.js";
import { fixtureSession, tiledSession } from "../fixtures/session.js";

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

describe("shared strings", () => {
  it("leave a recorded session's events equal to what they were, key for key", () => {
    const events = tiledSession(3_000);
    const before = structuredClone(events);
    new SharedStrings().share(events);
    assert.deepStrictEqual(events, before);
  });

  it("leave any value equal, events or noise", () => {
    const session = fixtureSession();
    const event = fc.oneof(fc.constantFrom(...session), fc.anything(), fc.record({ payload: fc.record({ params: fc.record({ update: fc.dictionary(fc.string(), fc.anything()) }) }) }));
    fc.assert(
      fc.property(fc.array(event, { maxLength: 20 }), (events) => {
        const copies = structuredClone(events);
        const before = structuredClone(events);
        new SharedStrings().share(copies);
        assert.deepStrictEqual(copies, before);
      }),
      { numRuns: 300 },
    );
  });

  it("leave frozen events as they are, and fold the same", () => {
    const events = deepFreeze(fixtureSession());
    assert.doesNotThrow(() => new SharedStrings().share(events));
    const shared = structuredClone(fixtureSession());
    new SharedStrings().share(shared);
    assert.deepStrictEqual([...new Timeline(shared).entries].map((entry) => entry.id), [...new Timeline(events).entries].map((entry) => entry.id));
  });
});
