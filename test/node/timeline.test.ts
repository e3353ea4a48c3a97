import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { SessionEvent } from "sandbox-agent";
import { Timeline, type Entry, type EntryOf, type EntryType } from "../../src/events/index.js";
import { ADA, GRACE, SessionRecorder, block, fixtureSession, prompt } from "../fixtures/session.js";
import { shuffled } from "../shared/shuffled.js";

const ofType = <T extends EntryType>(timeline: Timeline, type: T) => [...timeline.entries].filter((e): e is EntryOf<T> => e.type === type);
const text = (entry: { parts: Array<{ kind: string; text?: string }> }) => entry.parts.map((p) => p.text ?? "").join("");

/** What a reader sees of a timeline: every entry's content, and which events it came from. */
function snapshot(timeline: Timeline): unknown {
  return {
    summary: timeline.summary,
    entries: [...timeline.entries].map(({ rev: _rev, events, ...rest }) => ({
      ...rest,
      events: events.map((event) => (event as SessionEvent).eventIndex ?? JSON.stringify(event)),
    })),
  };
}


describe("the fixture session folds into a readable transcript", () => {
  const timeline = new Timeline(fixtureSession());

  it("has an entry of every type", () => {
    const types = new Set([...timeline.entries].map((entry) => entry.type));
    const expected: EntryType[] = ["agent-message", "agent-thought", "user-message", "tool-call", "plan", "usage", "session-info", "available-commands", "current-mode", "config-options", "permission-request", "turn-end", "error", "unknown"];
    assert.deepEqual([...types].sort(), [...expected].sort());
  });

  it("keeps every event in exactly one place, or in each entry it informs", () => {
    const folded = new Set<number>();
    for (const entry of timeline.entries) for (const event of entry.events) folded.add((event as SessionEvent).eventIndex);
    assert.equal(folded.size, fixtureSession().length);
  });

  it("summarises the session for the header", () => {
    assert.equal(timeline.summary.title, "Fix flaky auth middleware test");
    assert.equal(timeline.summary.currentModeId, "acceptEdits");
    assert.equal(timeline.summary.running, false);
    assert.equal(timeline.summary.lastStopReason, "cancelled");
    assert.equal(timeline.summary.pendingPermissions, 0);
    assert.deepEqual(timeline.summary.usage?.cost, { amount: 0.1012, currency: "USD" });
  });
});

describe("agent messages", () => {
  it("joins chunks into one message and starts a new one at each block's empty opening chunk", () => {
    const rec = new SessionRecorder();
    block(rec, "agent_message_chunk", ["First ", "block."]);
    block(rec, "agent_message_chunk", ["## Heading", "\n\nSecond block."]);
    const messages = ofType(new Timeline(rec.events), "agent-message");
    assert.deepEqual(messages.map(text), ["First block.", "## Heading\n\nSecond block."]);
  });

  it("keeps a heading at the start of its block in the fixture (no gluing of blocks)", () => {
    const messages = ofType(new Timeline(fixtureSession()), "agent-message");
    assert.ok(messages.some((m) => text(m).startsWith("## Root cause")), "a message starts with the heading");
    assert.ok(messages.every((m) => !/[^\n]## /.test(text(m))), "no heading lands mid-line");
  });

  it("starts a new message when another kind of event intervenes", () => {
    const rec = new SessionRecorder();
    rec.update({ sessionUpdate: "agent_message_chunk", content: { type: "text", text: "Before" } });
    rec.update({ sessionUpdate: "tool_call", toolCallId: "t1", title: "Read", status: "pending" });
    rec.update({ sessionUpdate: "agent_message_chunk", content: { type: "text", text: "After" } });
    assert.deepEqual(ofType(new Timeline(rec.events), "agent-message").map(text), ["Before", "After"]);
  });

  it("groups chunks by messageId when the agent sends one", () => {
    const rec = new SessionRecorder();
    rec.update({ sessionUpdate: "agent_message_chunk", messageId: "m1", content: { type: "text", text: "one" } });
    rec.update({ sessionUpdate: "agent_message_chunk", messageId: "m2", content: { type: "text", text: "two" } });
    assert.deepEqual(ofType(new Timeline(rec.events), "agent-message").map(text), ["one", "two"]);
  });

  it("keeps non-text content blocks in order", () => {
    const rec = new SessionRecorder();
    rec.update({ sessionUpdate: "agent_message_chunk", content: { type: "text", text: "See " } });
    rec.update({ sessionUpdate: "agent_message_chunk", content: { type: "resource_link", name: "a.ts", uri: "file:///a.ts" } });
    rec.update({ sessionUpdate: "agent_message_chunk", content: { type: "text", text: " above" } });
    const [message] = ofType(new Timeline(rec.events), "agent-message");
    assert.deepEqual(message.parts.map((p) => p.kind), ["text", "block", "text"]);
  });

  it("folds a 10,000-chunk stream in place: one entry, one revision per chunk, no re-fold", () => {
    const timeline = new Timeline();
    const rec = new SessionRecorder();
    for (let i = 0; i < 10_000; i++) rec.update({ sessionUpdate: "agent_message_chunk", content: { type: "text", text: `w${i} ` } });
    for (const event of rec.events) timeline.add(event);
    const [message] = ofType(timeline, "agent-message");
    assert.equal(timeline.size, 1);
    assert.equal(message.rev, 10_000);
    assert.equal(timeline.refolds, 0);
    assert.ok(text(message).endsWith("w9999 "), "the last chunk is in the message");
  });
});

describe("thoughts", () => {
  it("joins the reasoning and stops streaming when something else happens", () => {
    const rec = new SessionRecorder();
    block(rec, "agent_thought_chunk", ["Let me ", "think."]);
    const timeline = new Timeline(rec.events);
    assert.equal(ofType(timeline, "agent-thought")[0].streaming, true);
    block(rec, "agent_message_chunk", ["Done."]);
    timeline.addAll(rec.events);
    const [thought] = ofType(timeline, "agent-thought");
    assert.equal(text(thought), "Let me think.");
    assert.equal(thought.streaming, false);
  });
});

describe("user messages", () => {
  it("come from the client's session/prompt request, with who sent them", () => {
    const users = ofType(new Timeline(fixtureSession()), "user-message");
    assert.equal(users.length, 5);
    assert.deepEqual(users[0].author, ADA);
    assert.deepEqual(users[1].author, GRACE);
    assert.equal(users[0].source, "prompt");
    assert.match(text(users[0]), /auth middleware test fails/);
  });

  it("fold an agent's echo of the prompt into the prompt instead of repeating it", () => {
    const rec = new SessionRecorder();
    prompt(rec, ADA, "Hello there");
    rec.update({ sessionUpdate: "user_message_chunk", content: { type: "text", text: "Hello " } });
    rec.update({ sessionUpdate: "user_message_chunk", content: { type: "text", text: "there" } });
    const users = ofType(new Timeline(rec.events), "user-message");
    assert.equal(users.length, 1);
    assert.equal(users[0].events.length, 3);
  });

  it("show user_message_chunk on its own when no prompt was logged (e.g. a loaded session)", () => {
    const rec = new SessionRecorder();
    rec.update({ sessionUpdate: "user_message_chunk", content: { type: "text", text: "Earlier question" } });
    const [user] = ofType(new Timeline(rec.events), "user-message");
    assert.equal(user.source, "chunk");
    assert.equal(text(user), "Earlier question");
  });
});

describe("tool calls", () => {
  const tools = ofType(new Timeline(fixtureSession()), "tool-call");

  it("are one entry per toolCallId, upserted by a second tool_call with the real input", () => {
    const read = tools.find((t) => t.kind === "read")!;
    assert.equal(read.title, "Read src/auth/middleware.ts");
    assert.ok(read.rawInput && Object.keys(read.rawInput as object).length > 0, "the real input replaced `{}`");
    assert.equal(read.status, "completed");
    assert.equal(read.locations[0].path, "/workspace/acme-api/src/auth/middleware.ts");
    assert.ok(read.meta, "the _meta-only update is kept");
    assert.equal(new Set(tools.map((t) => t.toolCallId)).size, tools.length);
  });

  it("take title, input, content and output from later updates", () => {
    const terminal = tools.find((t) => t.kind === "execute" && t.title.includes("npm test"))!;
    assert.equal(terminal.title, "`npm test -- auth`");
    assert.deepEqual(terminal.content.map((c) => c.type).sort(), ["content", "terminal"]);
    assert.equal((terminal.rawOutput as { exitCode: number }).exitCode, 1);
  });

  it("carry diffs as diff content", () => {
    const edit = tools.find((t) => t.kind === "edit")!;
    const diff = edit.content.find((c) => c.type === "diff");
    assert.ok(diff && diff.type === "diff" && diff.oldText && diff.newText.includes("now"), "the edit carries a diff");
  });

  it("never let an empty input replace a real one, or a missing field erase one", () => {
    const rec = new SessionRecorder();
    rec.update({ sessionUpdate: "tool_call", toolCallId: "t", title: "Terminal", status: "pending", rawInput: { command: "ls" } });
    rec.update({ sessionUpdate: "tool_call", toolCallId: "t", title: "ls", rawInput: {} });
    rec.update({ sessionUpdate: "tool_call_update", toolCallId: "t", status: "completed", title: null });
    const [tool] = ofType(new Timeline(rec.events), "tool-call");
    assert.deepEqual(tool.rawInput, { command: "ls" });
    assert.equal(tool.title, "ls");
    assert.equal(tool.status, "completed");
  });
});

describe("plan, usage and session state", () => {
  const timeline = new Timeline(fixtureSession());

  it("keep one plan: the latest replaces the previous", () => {
    const plans = ofType(timeline, "plan");
    assert.equal(plans.length, 1);
    assert.equal(plans[0].entries.length, 4);
    assert.equal(plans[0].completed, 3);
    assert.ok(plans[0].versions > 1, "several plan versions were folded");
  });

  it("keep the latest usage, mode, options, commands and title", () => {
    assert.equal(ofType(timeline, "usage").length, 1);
    assert.equal(ofType(timeline, "current-mode")[0].currentModeId, "acceptEdits");
    assert.equal(ofType(timeline, "current-mode")[0].availableModes.length, 3);
    const mode = ofType(timeline, "config-options")[0].options.find((o) => o.id === "mode")!;
    assert.equal(mode.currentValue, "acceptEdits");
    assert.ok(ofType(timeline, "available-commands")[0].commands.length >= 2);
    assert.equal(ofType(timeline, "session-info")[0].cwd, "/workspace/acme-api");
  });

  it("a usage update after the turn's end does not reopen the turn", () => {
    const rec = new SessionRecorder();
    const id = prompt(rec, ADA, "hi");
    rec.agentResponse(id, { stopReason: "end_turn" });
    rec.update({ sessionUpdate: "usage_update", used: 10, size: 100 });
    const timeline = new Timeline(rec.events);
    assert.equal(timeline.summary.running, false);
    assert.equal(timeline.summary.usage?.used, 10);
  });
});

describe("permission requests", () => {
  it("pair the client's answer with the agent's request even when ids overlap with a prompt", () => {
    const timeline = new Timeline(fixtureSession());
    const [allowed, rejected] = ofType(timeline, "permission-request");
    assert.equal(allowed.status, "resolved");
    assert.equal(allowed.resolution?.reply, "once");
    assert.equal(rejected.resolution?.reply, "reject");
    const tool = timeline.entry(allowed.toolCallEntryId!);
    assert.equal(tool?.type, "tool-call");
  });

  it("are pending until answered, and settled when the log never records the answer but the turn moves on", () => {
    const rec = new SessionRecorder();
    const id = prompt(rec, ADA, "edit it");
    rec.update({ sessionUpdate: "tool_call", toolCallId: "t", title: "Edit", kind: "edit", status: "pending" });
    rec.agentRequest("session/request_permission", {
      sessionId: rec.agentSessionId,
      toolCall: { toolCallId: "t", title: "Edit a.ts" },
      options: [{ optionId: "ok", name: "Allow", kind: "allow_once" }],
    });
    const timeline = new Timeline(rec.events);
    assert.equal(ofType(timeline, "permission-request")[0].status, "pending");
    assert.equal(timeline.summary.pendingPermissions, 1);
    rec.agentResponse(id, { stopReason: "end_turn" });
    timeline.addAll(rec.events);
    assert.equal(ofType(timeline, "permission-request")[0].status, "resolved");
    assert.equal(timeline.summary.pendingPermissions, 0);
  });

  it("show who answered when the host reports it", () => {
    const timeline = new Timeline(fixtureSession({ permissionResponses: false }));
    const [first] = ofType(timeline, "permission-request");
    timeline.resolvePermission(String(first.toolCall.toolCallId), { reply: "once", optionId: "allow", by: GRACE });
    const [resolved] = ofType(timeline, "permission-request");
    assert.deepEqual(resolved.resolution?.by, GRACE);
    // ...and still after a re-fold caused by a late event.
    timeline.add({ ...fixtureSession()[0], eventIndex: 0 });
    assert.deepEqual(ofType(timeline, "permission-request")[0].resolution?.by, GRACE);
  });
});

describe("a tool call id reused in a later turn (agents don't always keep them unique)", () => {
  /** Two turns whose tool calls share one id; the first permission answered, the second still waiting. */
  function twoTurns(): { rec: SessionRecorder; second: number } {
    const rec = new SessionRecorder();
    const ask = () =>
      rec.agentRequest("session/request_permission", {
        sessionId: rec.agentSessionId,
        toolCall: { toolCallId: "call_1", title: "Run ls" },
        options: [{ optionId: "yes", name: "Yes, proceed", kind: "allow_once" }, { optionId: "no", name: "No", kind: "reject_once" }],
      });
    const first = prompt(rec, ADA, "list the files");
    rec.update({ sessionUpdate: "tool_call", toolCallId: "call_1", title: "Run ls", kind: "execute", status: "pending" });
    ask();
    rec.wait(1000);
    rec.update({ sessionUpdate: "tool_call_update", toolCallId: "call_1", status: "completed" });
    rec.agentResponse(first, { stopReason: "end_turn" });
    rec.wait(1000);
    const second = prompt(rec, GRACE, "again");
    // Codex asks before it announces the call.
    ask();
    return { rec, second };
  }
  const firstAnswer = { permissionId: "p1", reply: "once", optionId: "yes", by: GRACE, at: 0 };

  it("keeps the new request pending and answerable, its answer going to it alone", () => {
    const { rec } = twoTurns();
    const asked = rec.events.filter((event) => (event.payload as { method?: string }).method === "session/request_permission").map((event) => event.createdAt);
    const timeline = new Timeline(rec.events);
    timeline.resolvePermission("call_1", { ...firstAnswer, at: asked[0] + 500 });
    let [old, fresh] = ofType(timeline, "permission-request");
    assert.equal(old.status, "resolved");
    assert.deepEqual(old.resolution?.by, GRACE);
    assert.equal(fresh.status, "pending", "the second turn's request waits for an answer");
    assert.equal(timeline.summary.pendingPermissions, 1);
    timeline.resolvePermission("call_1", { permissionId: "p2", reply: "reject", optionId: "no", by: ADA, at: asked[1] + 500 });
    [old, fresh] = ofType(timeline, "permission-request");
    assert.equal(fresh.status, "resolved");
    assert.equal(fresh.resolution?.optionId, "no");
    assert.deepEqual(fresh.resolution?.by, ADA);
    assert.deepEqual(old.resolution?.by, GRACE, "the first answer stays with the first request");
    // A re-fold (a late event) gives each answer to its own request again.
    timeline.add({ ...rec.events[0], eventIndex: 0 });
    [old, fresh] = ofType(timeline, "permission-request");
    assert.deepEqual([old.resolution?.optionId, fresh.resolution?.optionId], ["yes", "no"]);
  });

  it("shows the later turn's call as an entry of its own, with its permission", () => {
    const { rec } = twoTurns();
    rec.update({ sessionUpdate: "tool_call", toolCallId: "call_1", title: "Run ls again", kind: "execute", status: "in_progress" });
    const timeline = new Timeline(rec.events);
    const tools = ofType(timeline, "tool-call");
    assert.deepEqual(tools.map((tool) => [tool.title, tool.status]), [["Run ls", "completed"], ["Run ls again", "in_progress"]]);
    const [, fresh] = ofType(timeline, "permission-request");
    assert.equal(fresh.toolCallEntryId, tools[1].id);
    assert.deepEqual(tools[1].permissions, [fresh.id]);
  });

  it("gives an answer given after the newer request to the newer one, even folded after a crash left the older unanswered", () => {
    const { rec } = twoTurns();
    const asked = rec.events.filter((event) => (event.payload as { method?: string }).method === "session/request_permission").map((event) => event.createdAt);
    const timeline = new Timeline();
    // The host reports only the second answer (its first died with it), before the events are folded.
    timeline.resolvePermission("call_1", { permissionId: "p2", reply: "once", optionId: "yes", by: ADA, at: asked[1] + 10 });
    timeline.addAll(rec.events);
    const [old, fresh] = ofType(timeline, "permission-request");
    assert.equal(old.resolution?.by, undefined);
    assert.deepEqual(fresh.resolution?.by, ADA);
    assert.equal(fresh.status, "resolved");
  });
});

describe("turn ends", () => {
  const timeline = new Timeline(fixtureSession());

  it("show each logged prompt response with its stop reason", () => {
    assert.deepEqual(ofType(timeline, "turn-end").map((t) => t.stopReason), ["end_turn", "end_turn", "end_turn", "cancelled"]);
  });

  it("survive a turn whose response is missing from the log: the next prompt ends it", () => {
    const users = ofType(timeline, "user-message");
    assert.equal(users[1].stopReason, undefined, "turn 2's response was never logged");
    assert.equal(users[2].stopReason, "end_turn");
  });

  it("take the turn's last chunks when the log has them after the response (the stream trails it)", () => {
    const rec = new SessionRecorder();
    const id = prompt(rec, ADA, "go");
    block(rec, "agent_message_chunk", ["The answer ", "is "]);
    rec.agentResponse(id, { stopReason: "end_turn" });
    rec.update({ sessionUpdate: "agent_message_chunk", content: { type: "text", text: "forty-two." } });
    const timeline = new Timeline(rec.events);
    assert.deepEqual([...timeline.entries].map((e) => e.type), ["user-message", "agent-message", "turn-end"]);
    assert.equal(text(ofType(timeline, "agent-message")[0]), "The answer is forty-two.");
    // Delivered one by one, as live, the same.
    const live = new Timeline();
    for (const event of rec.events) live.add(event);
    assert.deepEqual(snapshot(live), snapshot(timeline));
  });

  it("start a new message for chunks after the response once anything else came between", () => {
    const rec = new SessionRecorder();
    const id = prompt(rec, ADA, "go");
    block(rec, "agent_message_chunk", ["First."]);
    rec.agentResponse(id, { stopReason: "end_turn" });
    rec.update({ sessionUpdate: "session_info_update", title: "Titled" });
    block(rec, "agent_message_chunk", ["Unprompted."]);
    const next = prompt(rec, GRACE, "again");
    rec.update({ sessionUpdate: "agent_message_chunk", content: { type: "text", text: "Second." } });
    rec.agentResponse(next, { stopReason: "end_turn" });
    const timeline = new Timeline(rec.events);
    assert.deepEqual(ofType(timeline, "agent-message").map(text), ["First.", "Unprompted.", "Second."]);
  });

  it("can be reported by the host when the log misses them", () => {
    const rec = new SessionRecorder();
    prompt(rec, ADA, "go");
    const live = new Timeline(rec.events);
    assert.equal(live.summary.running, true);
    live.endTurn("end_turn");
    assert.equal(live.summary.running, false);
    assert.equal(live.summary.lastStopReason, "end_turn");
  });
});

describe("bad input is shown, never dropped, never a crash", () => {
  const timeline = new Timeline(fixtureSession());

  it("shows JSON-RPC errors with the request they answer", () => {
    const [error] = ofType(timeline, "error").filter((e) => e.reason === "rpc");
    assert.equal(error.method, "session/set_mode");
    assert.equal(error.code, -32602);
  });

  it("shows unknown session updates with their payload", () => {
    const unknown = ofType(timeline, "unknown").find((e) => e.label === "workspace_snapshot");
    assert.ok(unknown, "the unknown update has an entry");
  });

  it("reports malformed events, whatever they are", () => {
    const garbage: unknown[] = [
      null,
      42,
      "text",
      [],
      {},
      { eventIndex: "1" },
      { eventIndex: 1.5, sender: "agent", payload: {} },
      { eventIndex: 900, sender: "robot", payload: {} },
      { eventIndex: 901, sender: "agent" },
      { eventIndex: 902, sender: "agent", payload: { jsonrpc: "2.0", method: "session/update" } },
      { eventIndex: 903, sender: "agent", payload: { jsonrpc: "2.0", method: "session/update", params: { update: { sessionUpdate: "agent_message_chunk" } } } },
      { eventIndex: 904, sender: "agent", payload: { jsonrpc: "2.0", method: "session/update", params: { update: { sessionUpdate: "tool_call" } } } },
      { eventIndex: 905, sender: "agent", payload: { jsonrpc: "2.0", method: "session/update", params: { update: { sessionUpdate: "plan", entries: "all" } } } },
      { eventIndex: 906, sender: "agent", payload: { jsonrpc: "2.0", method: 7 } },
      { eventIndex: 907, sender: "agent", payload: { jsonrpc: "2.0", id: 99, error: "boom" } },
    ];
    const t = new Timeline();
    assert.doesNotThrow(() => t.addAll(garbage));
    const errors = ofType(t, "error");
    assert.equal(errors.length, garbage.length);
    assert.ok(errors.every((e) => e.message.length > 0), "every error says what is wrong");
    assert.equal(t.summary.malformedCount, garbage.length - 1, "the JSON-RPC error is not malformed");
  });

  it("does not let an update named like an Object property reach a handler", () => {
    const t = new Timeline([{ eventIndex: 1, sender: "agent", payload: { jsonrpc: "2.0", method: "session/update", params: { update: { sessionUpdate: "constructor" } } } }]);
    assert.equal(ofType(t, "unknown")[0].label, "constructor");
  });
});

describe("delivery: idempotent, order-independent", () => {
  const events = fixtureSession();
  const reference = snapshot(new Timeline(events));

  it("ignores duplicates", () => {
    const timeline = new Timeline(events);
    assert.equal(timeline.addAll(events), false);
    for (const event of events.slice(0, 50)) timeline.add(structuredClone(event));
    assert.deepEqual(snapshot(timeline), reference);
  });

  it("tells which events of a batch it folded: those not held before, each once, in arrival order", () => {
    const timeline = new Timeline(events.slice(0, 10));
    const batch = [events[12], events[5], events[10], events[12], events[11]];
    const added: unknown[] = [];
    assert.equal(timeline.addAll(batch, added), true);
    assert.deepEqual(added, [events[12], events[10], events[11]]);
    const none: unknown[] = [];
    assert.equal(timeline.addAll(batch, none), false);
    assert.deepEqual(none, []);
    // A batch in order after the newest held (a history page read forward) is folded as it stands.
    const next = events.slice(13, 20);
    const more: unknown[] = [];
    assert.equal(timeline.addAll(next, more), true);
    assert.deepEqual(more, next);
    assert.deepEqual(timeline.events, [...events.slice(0, 13), ...next]);
  });

  for (const seed of [1, 2, 3]) {
    it(`converges to the same timeline when events arrive shuffled (seed ${seed}), one at a time`, () => {
      const timeline = new Timeline();
      for (const event of shuffled(events, seed)) timeline.add(event);
      assert.deepEqual(snapshot(timeline), reference);
    });
  }

  it("converges when a gap is filled later, in one batch", () => {
    const timeline = new Timeline(events.filter((e) => e.eventIndex % 7 !== 0));
    timeline.addAll(events.filter((e) => e.eventIndex % 7 === 0));
    assert.deepEqual(snapshot(timeline), reference);
    assert.equal(timeline.refolds, 1);
  });

  it("places events without an index where they arrived, and the next indexed event after them without a re-fold", () => {
    const timeline = new Timeline(events.slice(0, 10));
    const stray = (n: number) => {
      const { eventIndex: _, ...rest } = structuredClone(events[10]) as SessionEvent;
      return { ...rest, id: `stray-${n}` };
    };
    timeline.addAll([stray(1)]);
    timeline.addAll([stray(2)]);
    timeline.add(events[10]);
    assert.equal(timeline.refolds, 0);
    assert.deepEqual(
      timeline.events.map((event) => (event as SessionEvent).eventIndex ?? (event as { id: string }).id),
      [...events.slice(0, 10).map((event) => event.eventIndex), "stray-1", "stray-2", events[10].eventIndex],
    );
  });

  it("keeps ids stable across re-folds, so views keep their DOM", () => {
    const late = events.find((e) => e.eventIndex === 300)!;
    const timeline = new Timeline(events.filter((e) => e !== late));
    const ids = [...timeline.entries].map((e: Entry) => e.id);
    timeline.add(late);
    assert.equal(timeline.refolds, 1);
    assert.deepEqual([...timeline.entries].map((e: Entry) => e.id), ids);
  });

  it("knows up to which index nothing is missing, for gap-free fetching", () => {
    const timeline = new Timeline(events.filter((e) => e.eventIndex !== 5));
    assert.equal(timeline.contiguousIndex, 4);
    timeline.add(events[4]);
    assert.equal(timeline.contiguousIndex, events.length);
    const trimmed = new Timeline(events.slice(100));
    assert.equal(trimmed.contiguousIndex, 0);
    trimmed.skipTo(100);
    assert.equal(trimmed.contiguousIndex, events.length, "events trimmed from storage are not a gap");
  });

  it("forgets events storage lost in a crash: drops them, ignores them later, and no gap remains", () => {
    // Held up to 60; storage kept up to 50 and declares (50, 80] lost; new events start at 81.
    const held = new Timeline(events.slice(0, 60));
    const reference = new Timeline(events.slice(0, 50));
    assert.equal(held.forget(50, 80), 10, "the ten held events in the range are dropped");
    assert.deepEqual(snapshot(held), snapshot(reference), "the same timeline as one that never held them");
    assert.equal(held.contiguousIndex, 80, "the lost range is not a gap");
    assert.equal(held.forget(50, 80), 0, "a range already forgotten changes nothing");
    assert.equal(held.add(events[55]), false, "an event of the range that arrives late is ignored");
    const next = { ...events[80], eventIndex: 81 };
    assert.equal(held.add(next), true);
    assert.equal(held.contiguousIndex, 81);
    const fresh = new Timeline(events.slice(0, 40));
    fresh.forget(50, 80);
    assert.equal(fresh.contiguousIndex, 40, "a range after a real gap does not hide the gap");
  });

  it("reports the highest index and what it has, for gap-free fetching", () => {
    const timeline = new Timeline(events.slice(0, 10));
    assert.equal(timeline.lastIndex, 10);
    assert.ok(timeline.has(10) && !timeline.has(11), "has() tells folded indices");
  });
});
