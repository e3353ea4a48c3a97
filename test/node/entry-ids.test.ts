/**
 * Entry ids are what links to one entry name (`#sandbox-workspace/<workspace-id>/<entry-id>`), so
 * they must be the same for every client that holds the same events, however those arrived: in
 * order, newest page first (as a live element reads a long history), shuffled, in batches, with
 * duplicates, re-folded, or copied through JSON (as another client receives them).
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import type { SessionEvent } from "sandbox-agent";
import { LATEST_TYPES, Timeline } from "../../src/events/index.js";
import { fixtureSession } from "../fixtures/session.js";
import { shuffled } from "../shared/shuffled.js";

/** Recorded sessions of real agents (test/fixtures/agents): one per agent. */
const FOLDER = new URL("../fixtures/agents/", import.meta.url);
const RECORDINGS = ["claude-permissions.json", "codex-permissions.json", "opencode-permissions.json"].filter((name) => readdirSync(FOLDER).includes(name));
const recording = (name: string) => JSON.parse(readFileSync(new URL(name, FOLDER), "utf8")) as SessionEvent[];

const idsOf = (timeline: Timeline) => [...timeline.entries].map((entry) => `${entry.id}:${entry.type}`);


/** Events as a live element reads a long history: the newest page, then the older pages, then the rest live. */
function newestPageFirst(events: readonly SessionEvent[], page: number): SessionEvent[][] {
  const last = events.length;
  const newest = events.slice(Math.max(0, last - page));
  const older = events.slice(0, Math.max(0, last - page));
  const batches: SessionEvent[][] = [newest];
  for (let at = 0; at < older.length; at += page) batches.push(older.slice(at, at + page));
  return batches;
}

/** Every way the same events can reach a client, each as the timeline it folds to. */
function deliveries(events: readonly SessionEvent[]): Array<[string, Timeline]> {
  const out: Array<[string, Timeline]> = [];
  out.push(["in order, one at a time", (() => { const t = new Timeline(); for (const e of events) t.add(e); return t; })()]);
  out.push(["all at once, reversed", new Timeline([...events].reverse())]);
  for (const page of [50, 500]) {
    const t = new Timeline();
    for (const batch of newestPageFirst(events, page)) t.addAll(batch);
    out.push([`newest page of ${page} first, then the older pages`, t]);
  }
  for (const seed of [7, 8]) {
    const t = new Timeline();
    const mixed = shuffled(events, seed);
    for (let at = 0; at < mixed.length; at += 13) t.addAll(mixed.slice(at, at + 13));
    out.push([`shuffled (seed ${seed}) in batches of 13`, t]);
  }
  const twice = new Timeline(events.filter((_, i) => i % 3 !== 0));
  twice.addAll(events.map((event) => structuredClone(event)));
  out.push(["a gap filled late, with duplicates and copies", twice]);
  out.push(["read back through JSON, as another client gets them", new Timeline(JSON.parse(JSON.stringify(events)) as SessionEvent[])]);
  return out;
}

describe("entry ids are the same for every client", () => {
  const sessions: Array<[string, SessionEvent[]]> = [
    ["the fixture session", fixtureSession({ newerAcp: true })],
    ...RECORDINGS.map((name): [string, SessionEvent[]] => [name, recording(name)]),
  ];

  for (const [name, events] of sessions) {
    it(`${name}: whatever order and batches the events come in`, () => {
      const reference = idsOf(new Timeline(events));
      assert.ok(reference.length > 3, `${name} folds into entries`);
      for (const [how, timeline] of deliveries(events)) assert.deepEqual(idsOf(timeline), reference, how);
    });
  }

  it("comes from the event that starts the entry (e<eventIndex>), or its type for a latest-wins entry", () => {
    const timeline = new Timeline(fixtureSession({ newerAcp: true }));
    for (const entry of timeline.entries) {
      if (LATEST_TYPES.has(entry.type)) assert.equal(entry.id, entry.type);
      else assert.match(entry.id, /^e\d+(-x)?$/, `${entry.type} ${entry.id}`);
      if (!LATEST_TYPES.has(entry.type) && entry.type !== "error") {
        const first = entry.events[0] as SessionEvent;
        assert.equal(entry.id, `e${first.eventIndex}`, `${entry.type}: named after its first event`);
      }
    }
  });

  it("stays the same through a re-fold, and a re-fold from scratch", () => {
    const events = fixtureSession();
    const reference = idsOf(new Timeline(events));
    const late = new Timeline(events.filter((event) => event.eventIndex !== 3));
    late.add(events[2]);
    assert.ok(late.refolds >= 1, "the late event re-folded the history");
    assert.deepEqual(idsOf(late), reference);
    const reloaded = new Timeline();
    reloaded.addAll(late.events as SessionEvent[]);
    assert.deepEqual(idsOf(reloaded), reference, "a reload folds the same ids");
  });
});
