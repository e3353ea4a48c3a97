/**
 * Working together, the pure parts: what each role may do and how a refusal reads, the comments an
 * element holds and who a comment mentions, and the host's records of who did what folded into the
 * timeline (in place, and the same however the events arrive).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { SessionEvent } from "sandbox-agent";
import { Timeline, type Attribution } from "../../src/events/index.js";
import { can, readRole, refusal, ROLES } from "../../src/protocol/index.js";
import { CommentBook, mentions } from "../../src/components/controllers/connection/comment-book.js";
import { fixtureSession } from "../fixtures/session.js";

describe("roles", () => {
  it("let each role do what the table says", () => {
    const table = Object.fromEntries(ROLES.map((role) => [role, (["watch", "comment", "prompt", "answer", "control"] as const).filter((what) => can(role, what))]));
    assert.deepEqual(table, {
      viewer: ["watch", "comment"],
      prompter: ["watch", "comment", "prompt"],
      approver: ["watch", "comment", "answer"],
      owner: ["watch", "comment", "prompt", "answer", "control"],
    });
    assert.equal(can(undefined, "watch"), false);
  });

  it("refuse with a sentence a person can act on", () => {
    assert.equal(refusal("viewer", "prompt"), "You are a viewer in this workspace: only prompters and owners can send prompts. Ask an owner of the workspace if you need to.");
    assert.match(refusal("approver", "control", "stop a turn"), /^You are an approver in this workspace: only owners can stop a turn\./);
  });

  it("read only the four roles", () => {
    assert.deepEqual(["viewer", "owner", "admin", "", 3].map(readRole), ["viewer", "owner", undefined, undefined, undefined]);
  });
});

describe("comments an element holds", () => {
  const comment = (commentId: string, entryId: string, createdAt: number) => ({ commentId, entryId, by: { userId: "u-a" }, text: commentId, createdAt });

  it("keeps each once, oldest first per entry, and forgets deleted ones for good", () => {
    const book = new CommentBook();
    assert.equal(book.add(comment("c2", "e1", 2)), true);
    assert.equal(book.add(comment("c1", "e1", 1)), true);
    assert.equal(book.add(comment("c1", "e1", 1)), false, "a page and a broadcast can both bring it");
    assert.deepEqual(book.forEntry("e1").map((c) => c.commentId), ["c1", "c2"]);
    const before = book.revision("e1");
    assert.equal(book.remove({ commentId: "c1", entryId: "e1" }), true);
    assert.ok(book.revision("e1") > before, "the entry re-renders");
    assert.equal(book.add(comment("c1", "e1", 1)), false, "a late copy of a deleted comment is not shown again");
    assert.equal(book.remove({ commentId: "c9", entryId: "e1" }), false);
    assert.deepEqual(book.forEntry("e2"), []);
  });

  it("finds mentions of a name, not of a longer word or an address", () => {
    assert.equal(mentions("thanks @grace!", "Grace"), true);
    assert.equal(mentions("@Grace Hopper look", "Grace Hopper"), true);
    assert.equal(mentions("@Grace look", "Grace Hopper"), true, "the first word is enough");
    assert.equal(mentions("@Gracefully", "Grace"), false);
    assert.equal(mentions("mail grace@x.org", "Grace"), false);
    assert.equal(mentions("@a.b (x)", "a.b (x)"), true, "names are matched literally");
    assert.equal(mentions("hi @", undefined), false);
  });
});

describe("who did what, folded into the timeline", () => {
  const events = fixtureSession() as SessionEvent[];
  const withdrawal = (promptId: string, afterEventIndex: number): Attribution => ({
    kind: "withdraw",
    promptId,
    text: `prompt ${promptId}`,
    author: { id: "u-pat", name: "Pat" },
    by: { id: "u-olga", name: "Olga" },
    at: 1000 + afterEventIndex,
    afterEventIndex,
  });
  const order = (timeline: Timeline) => [...timeline.entries].map((entry) => entry.id);

  it("places a withdrawn prompt where it was withdrawn, the same whether it comes before or after the events", () => {
    const middle = events[Math.floor(events.length / 2)].eventIndex;
    const live = new Timeline();
    for (const event of events) {
      live.add(event);
      if (event.eventIndex === middle) live.attribute(withdrawal("p1", middle));
    }
    const late = new Timeline(events);
    late.attribute(withdrawal("p1", middle));
    const early = new Timeline();
    early.attribute(withdrawal("p1", middle));
    early.addAll(events);
    assert.deepEqual(order(late), order(live));
    assert.deepEqual(order(early), order(live));
    const entry = late.entry("withdrawn-p1");
    assert.equal(entry?.type, "notice");
    assert.equal(entry?.type === "notice" && entry.title, "Olga withdrew Pat's queued prompt");
    assert.equal(entry?.type === "notice" && entry.description, "prompt p1");
    // Seen again (every history page carries the records): nothing changes.
    const version = late.version;
    late.attribute(withdrawal("p1", middle));
    assert.equal(late.version, version);
    // Kept across a re-fold (an older event arriving late).
    const refolded = new Timeline(events.slice(1));
    refolded.attribute(withdrawal("p1", middle));
    refolded.add(events[0]);
    assert.deepEqual(order(refolded), order(live));
  });

  it("says who changed the mode and an option, on their entries, whenever the record comes", () => {
    const timeline = new Timeline();
    timeline.attribute({ kind: "mode", modeId: "plan", by: { id: "u-olga", name: "Olga" }, at: 5 });
    timeline.addAll(events);
    const mode = timeline.entry("current-mode");
    assert.deepEqual(mode?.type === "current-mode" && mode.changedBy, { modeId: "plan", by: { id: "u-olga", name: "Olga" }, at: 5 });
    timeline.attribute({ kind: "mode", modeId: "default", by: { id: "u-old" }, at: 4 });
    assert.equal(mode?.type === "current-mode" && mode.changedBy?.by.id, "u-olga", "an older record does not win");
    if (timeline.entry("config-options")) {
      timeline.attribute({ kind: "config", configId: "model", value: "fast", by: { id: "u-olga", name: "Olga" }, at: 6 });
      const options = timeline.entry("config-options");
      assert.deepEqual(options?.type === "config-options" && options.changedBy?.model, { value: "fast", by: { id: "u-olga", name: "Olga" }, at: 6 });
    }
  });
});
