/**
 * The fold of what a plain Claude Code log lacks: Stop (`session/cancel`), ACP's client methods
 * (files and terminals), how a turn's end settles what it left open, and the newer session updates
 * (ACP v1's notice and compaction; the unstable schema's plans by id, subagents and messages
 * between sessions).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { SessionEvent } from "sandbox-agent";
import { LOST_METHOD, Timeline, type EntryOf, type EntryType } from "../../src/events/index.js";
import { ADA, SessionRecorder, block, fixtureSession, prompt } from "../fixtures/session.js";

const ofType = <T extends EntryType>(timeline: Timeline, type: T) => [...timeline.entries].filter((e): e is EntryOf<T> => e.type === type);
const one = <T extends EntryType>(timeline: Timeline, type: T) => {
  const found = ofType(timeline, type);
  assert.equal(found.length, 1, `one ${type} entry`);
  return found[0];
};
const indices = (entry: { events: unknown[] }) => entry.events.map((event) => (event as SessionEvent).eventIndex);
const text = (parts: Array<{ kind: string; text?: string }>) => parts.map((p) => p.text ?? "").join("");

describe("Stop: the client's session/cancel", () => {
  function stopped(): { rec: SessionRecorder; id: number } {
    const rec = new SessionRecorder();
    const id = prompt(rec, ADA, "Migrate everything");
    block(rec, "agent_message_chunk", ["Sure. The migration touches", " three places"]);
    rec.clientNotification("session/cancel", { sessionId: rec.agentSessionId });
    return { rec, id };
  }

  it("belongs to the running turn: its prompt says Stop was pressed, and nothing is unknown", () => {
    const { rec } = stopped();
    const timeline = new Timeline(rec.events);
    assert.deepEqual(ofType(timeline, "unknown"), []);
    const promptEntry = one(timeline, "user-message");
    const cancel = rec.events.at(-1)!;
    assert.deepEqual(promptEntry.stop, { at: cancel.createdAt, by: undefined });
    assert.ok(indices(promptEntry).includes(cancel.eventIndex));
    // The stopped message stays open for the agent's last chunks.
    rec.update({ sessionUpdate: "agent_message_chunk", content: { type: "text", text: " of the code" } });
    timeline.add(rec.events.at(-1));
    assert.equal(text(one(timeline, "agent-message").parts), "Sure. The migration touches three places of the code");
  });

  it("shows in the turn's end", () => {
    const { rec, id } = stopped();
    rec.agentResponse(id, { stopReason: "cancelled" });
    const timeline = new Timeline(rec.events);
    const end = one(timeline, "turn-end");
    assert.equal(end.stopReason, "cancelled");
    assert.ok(end.stop);
    assert.deepEqual(indices(end), [6]);
    assert.equal(timeline.summary.running, false);
  });

  it("records who pressed Stop when the request's _meta names them (the host's convention)", () => {
    const rec = new SessionRecorder();
    const id = prompt(rec, ADA, "Go");
    rec.clientNotification("session/cancel", { sessionId: rec.agentSessionId, _meta: { "sandbox-workspace": { user: { id: "u_grace", name: "Grace" } } } });
    rec.agentResponse(id, { stopReason: "cancelled" });
    const timeline = new Timeline(rec.events);
    assert.deepEqual(one(timeline, "turn-end").stop?.by, { id: "u_grace", name: "Grace" });
  });

  it("with no turn running, is a notice, not an unknown message", () => {
    const rec = new SessionRecorder();
    rec.clientNotification("session/cancel", { sessionId: rec.agentSessionId });
    const timeline = new Timeline(rec.events);
    const notice = one(timeline, "notice");
    assert.equal(notice.method, "session/cancel");
    assert.deepEqual(ofType(timeline, "unknown"), []);
  });

  it("the fixture's cancelled turn is no longer an unknown entry", () => {
    const timeline = new Timeline(fixtureSession());
    assert.deepEqual(ofType(timeline, "unknown").map((entry) => entry.label).sort(), ["session/set_mode", "workspace_snapshot"]);
  });
});

describe("ACP's client methods", () => {
  it("a write after a whole read shows as a diff against the read; a partial read does not count as the file", () => {
    const rec = new SessionRecorder();
    prompt(rec, ADA, "Edit");
    const read = rec.agentRequest("fs/read_text_file", { sessionId: rec.agentSessionId, path: "/r/a.md" });
    rec.clientResponse(read, { content: "old\n" });
    const partial = rec.agentRequest("fs/read_text_file", { sessionId: rec.agentSessionId, path: "/r/b.md", line: 3, limit: 2 });
    rec.clientResponse(partial, { content: "x\ny\n" });
    rec.agentRequest("fs/write_text_file", { sessionId: rec.agentSessionId, path: "/r/a.md", content: "new\n" });
    rec.agentRequest("fs/write_text_file", { sessionId: rec.agentSessionId, path: "/r/b.md", content: "whole\n" });
    rec.agentRequest("fs/write_text_file", { sessionId: rec.agentSessionId, path: "/r/a.md", content: "newer\n" });
    const timeline = new Timeline(rec.events);
    const [whole, part] = ofType(timeline, "file-read");
    assert.deepEqual([whole.path, whole.status, whole.content], ["/r/a.md", "done", "old\n"]);
    assert.deepEqual([part.line, part.limit, part.content], [3, 2, "x\ny\n"]);
    const [first, blind, second] = ofType(timeline, "file-write");
    assert.deepEqual([first.before, first.beforeFrom, first.content], ["old\n", "read", "new\n"]);
    assert.deepEqual([blind.before, blind.content], [undefined, "whole\n"]);
    assert.deepEqual([second.before, second.beforeFrom], ["new\n", "write"]);
    assert.equal(first.status, "pending");
    assert.deepEqual(ofType(timeline, "unknown"), []);
  });

  it("a write that applies a tool call's whole-file diff (OpenCode) is compared with the diff's old text and linked to it", () => {
    const rec = new SessionRecorder();
    prompt(rec, ADA, "Edit");
    rec.update({ sessionUpdate: "tool_call", toolCallId: "t1", title: "edit", status: "pending", content: [{ type: "diff", path: "/r/n.md", oldText: "a\n", newText: "b\n" }] });
    rec.agentRequest("fs/write_text_file", { sessionId: rec.agentSessionId, path: "/r/n.md", content: "b\n" });
    const timeline = new Timeline(rec.events);
    const write = one(timeline, "file-write");
    assert.deepEqual([write.before, write.beforeFrom, write.toolCallEntryId], ["a\n", "tool-call", one(timeline, "tool-call").id]);
  });

  it("a terminal a tool call refers to shows in that tool call, with every call and answer", () => {
    const timeline = new Timeline(fixtureSession({ newerAcp: true }));
    const tool = ofType(timeline, "tool-call").find((entry) => entry.toolCallId === "call_tests")!;
    assert.equal(tool.terminals.length, 1);
    const terminal = tool.terminals[0];
    assert.deepEqual([terminal.terminalId, terminal.command, terminal.args, terminal.released], ["term_9", "npm", ["test"], true]);
    assert.deepEqual(terminal.exitStatus, { exitCode: 0, signal: null });
    assert.match(terminal.output ?? "", /# pass 42/);
    assert.deepEqual(terminal.calls.map((call) => [call.method, call.status]), [
      ["terminal/create", "done"],
      ["terminal/wait_for_exit", "done"],
      ["terminal/output", "done"],
      ["terminal/release", "done"],
    ]);
    // Its events moved into the tool call, after the tool call's first, in order; no terminal entry of its own is left.
    const [first, ...events] = indices(tool);
    assert.ok(events[0] < first);
    assert.deepEqual(events, [...events].sort((a, b) => a - b));
    assert.equal(events.length, 9);
    assert.deepEqual(ofType(timeline, "terminal").map((entry) => entry.terminal.terminalId), ["term_10"]);
  });

  it("a terminal no tool call refers to stands alone; calls the log has no answer for say so when the turn ends", () => {
    const timeline = new Timeline(fixtureSession({ newerAcp: true }));
    const { terminal } = one(timeline, "terminal");
    assert.equal(terminal.command, "git");
    // The create's answer is not in the log: the next call names the terminal.
    assert.equal(terminal.terminalId, "term_10");
    assert.deepEqual(terminal.calls.map((call) => call.status), ["unanswered", "unanswered"]);
  });

  it("a failed call is marked failed in its entry, with the client's message", () => {
    const rec = new SessionRecorder();
    prompt(rec, ADA, "Read");
    const read = rec.agentRequest("fs/read_text_file", { sessionId: rec.agentSessionId, path: "/nope" });
    rec.clientError(read, { code: -32002, message: "Resource not found" });
    const timeline = new Timeline(rec.events);
    const entry = one(timeline, "file-read");
    assert.deepEqual([entry.status, entry.error], ["failed", "Resource not found"]);
    assert.deepEqual(indices(entry), [2, 3]);
  });

  it("the same method sent by the client is not a client method: shown as unknown", () => {
    const rec = new SessionRecorder();
    rec.clientRequest("fs/read_text_file", { path: "/x" });
    assert.equal(one(new Timeline(rec.events), "unknown").label, "fs/read_text_file");
  });
});

describe("a turn's end settles what it left open", () => {
  it("Codex's rejected edit left in_progress shows cancelled once the turn is cancelled; the raw status stays", () => {
    const rec = new SessionRecorder();
    const id = prompt(rec, ADA, "Edit");
    rec.update({ sessionUpdate: "tool_call", toolCallId: "call_1", title: "Edit /r/a", kind: "edit", status: "in_progress" });
    rec.update({ sessionUpdate: "plan", entries: [{ content: "edit", priority: "medium", status: "in_progress" }] });
    rec.agentResponse(id, { stopReason: "cancelled" });
    const timeline = new Timeline(rec.events);
    const tool = one(timeline, "tool-call");
    assert.deepEqual([tool.status, tool.endedAs], ["in_progress", "cancelled"]);
    assert.equal(one(timeline, "plan").endedAs, "cancelled");
  });

  it("a turn that ended otherwise, or that the host ended, leaves its open work interrupted, and no thought streaming", () => {
    const rec = new SessionRecorder();
    prompt(rec, ADA, "Go");
    block(rec, "agent_thought_chunk", ["Let me think"]);
    const timeline = new Timeline(rec.events);
    assert.equal(one(timeline, "agent-thought").streaming, true);
    timeline.endTurn();
    assert.equal(one(timeline, "agent-thought").streaming, false);

    const rec2 = new SessionRecorder();
    const id = prompt(rec2, ADA, "Go");
    rec2.update({ sessionUpdate: "tool_call", toolCallId: "t", title: "Terminal", status: "pending", rawInput: {} });
    rec2.agentResponse(id, { stopReason: "end_turn" });
    assert.equal(one(new Timeline(rec2.events), "tool-call").endedAs, "interrupted");
  });

  it("an update after the turn's end that closes the call wins", () => {
    const rec = new SessionRecorder();
    const id = prompt(rec, ADA, "Go");
    rec.update({ sessionUpdate: "tool_call", toolCallId: "t", title: "Edit", status: "pending" });
    rec.agentResponse(id, { stopReason: "end_turn" });
    rec.update({ sessionUpdate: "tool_call_update", toolCallId: "t", status: "failed" });
    const tool = one(new Timeline(rec.events), "tool-call");
    assert.equal(tool.status, "failed");
  });

  it("a plan whose items are all done is not marked", () => {
    const rec = new SessionRecorder();
    const id = prompt(rec, ADA, "Go");
    rec.update({ sessionUpdate: "plan", entries: [{ content: "a", priority: "medium", status: "completed" }] });
    rec.agentResponse(id, { stopReason: "end_turn" });
    assert.equal(one(new Timeline(rec.events), "plan").endedAs, undefined);
  });
});

describe("the newer session updates", () => {
  const timeline = new Timeline(fixtureSession({ newerAcp: true }));

  it("a notice keeps its severity, title and description", () => {
    const notice = one(timeline, "notice");
    assert.deepEqual([notice.severity, notice.title, notice.description], ["warning", "Context almost full", "Older messages will be **summarised** to make room."]);
  });

  it("a compaction is one marker: its status, and its summary streamed in chunks", () => {
    const compaction = one(timeline, "compaction");
    assert.equal(compaction.status, "completed");
    assert.match(text(compaction.parts), /^Ada and Grace fixed the flaky auth test/);
    assert.equal(ofType(timeline, "compaction").length, 1);
  });

  it("a compaction sent with its summary whole replaces what streamed; a failure keeps its error", () => {
    const rec = new SessionRecorder();
    rec.update({ sessionUpdate: "compaction_summary_chunk", compactionId: "c", content: { type: "text", text: "partial" } });
    rec.update({ sessionUpdate: "compaction_update", compactionId: "c", status: "failed", summary: [{ type: "text", text: "whole" }], error: "out of tokens" });
    const entry = one(new Timeline(rec.events), "compaction");
    assert.deepEqual([entry.status, text(entry.parts), entry.error], ["failed", "whole", "out of tokens"]);
  });

  it("plans by id: each its own entry, latest wins, a removed one says so", () => {
    const plans = ofType(timeline, "plan-update");
    assert.deepEqual(plans.map((plan) => [plan.planId, plan.kind, plan.removed]), [
      ["plan_docs", "items", false],
      ["plan_scratch", "markdown", true],
    ]);
    assert.equal(plans[0].completed, 2);
    assert.equal(plans[0].endedAs, "cancelled");
  });

  it("a subagent holds the messages it sent or received, even one that streamed before it was named", () => {
    const subagent = one(timeline, "subagent");
    assert.deepEqual([subagent.title, subagent.state, subagent.stopReason, subagent.canCancel], ["Docs reviewer", "idle", "end_turn", true]);
    assert.deepEqual(subagent.messages.map((message) => message.messageId), ["msg_to_child", "msg_from_child"]);
    assert.match(text(subagent.messages[1].parts), /`npm test` passes/);
    const [, ...events] = indices(subagent);
    assert.deepEqual(events, [...events].sort((a, b) => a - b));
  });

  it("a message naming no known subagent stands alone", () => {
    const message = one(timeline, "session-message").message;
    assert.deepEqual([message.messageId, message.senderSessionId], ["msg_stray", "ses_elsewhere"]);
  });

  it("a message announced before its subagent moves under it once the subagent is announced", () => {
    const rec = new SessionRecorder();
    rec.unstableUpdate({ sessionUpdate: "session_message", messageId: "m", senderSessionId: "child", content: [{ type: "text", text: "hi" }] });
    rec.unstableUpdate({ sessionUpdate: "subagent_update", sessionId: "child" });
    const t = new Timeline(rec.events);
    assert.deepEqual(ofType(t, "session-message"), []);
    assert.deepEqual(one(t, "subagent").messages.map((m) => m.messageId), ["m"]);
  });

  it("shows the tool call's name", () => {
    const tool = ofType(timeline, "tool-call").find((entry) => entry.toolCallId === "call_readme")!;
    assert.equal(tool.name, "edit");
  });

  it("keeps every event in some entry, and an update it does not know as unknown", () => {
    const folded = new Set<number>();
    for (const entry of timeline.entries) for (const event of entry.events) folded.add((event as SessionEvent).eventIndex);
    assert.equal(folded.size, fixtureSession({ newerAcp: true }).length);
    assert.ok(ofType(timeline, "unknown").some((entry) => entry.label === "workspace_snapshot"));
  });

  it("malformed newer updates are error entries, never dropped", () => {
    const rec = new SessionRecorder();
    rec.raw("agent", { jsonrpc: "2.0", method: "session/update", params: { sessionId: "s", update: { sessionUpdate: "compaction_update", status: "in_progress" } } });
    rec.raw("agent", { jsonrpc: "2.0", method: "session/update", params: { sessionId: "s", update: { sessionUpdate: "session_message_chunk", messageId: "m", content: 5 } } });
    const errors = ofType(new Timeline(rec.events), "error");
    assert.equal(errors.length, 2);
  });

  it("folds to the same timeline in any order", () => {
    const events = fixtureSession({ newerAcp: true });
    const strip = (t: Timeline) => [...t.entries].map(({ rev: _rev, ...rest }) => rest);
    const reversed = new Timeline();
    for (const event of [...events].reverse()) reversed.add(event);
    assert.deepEqual(strip(reversed), strip(timeline));
  });
});

describe("messages the daemon dropped (the workspace's `_sandbox-workspace/lost`)", () => {
  it("are a warning notice where they were, which splits the message they fell in", () => {
    const rec = new SessionRecorder();
    prompt(rec, ADA, "Stream a lot");
    block(rec, "agent_message_chunk", ["The first part"]);
    rec.raw("agent", { jsonrpc: "2.0", method: LOST_METHOD, params: { sessionId: rec.agentSessionId, count: 1234 } });
    block(rec, "agent_message_chunk", ["and the last."]);
    const timeline = new Timeline(rec.events);
    assert.deepEqual(ofType(timeline, "unknown"), []);
    const types = [...timeline.entries].map((entry) => entry.type).filter((type) => type !== "session-info");
    assert.deepEqual(types, ["user-message", "agent-message", "notice", "agent-message"]);
    const notice = one(timeline, "notice");
    assert.equal(notice.severity, "warning");
    assert.equal(notice.title, "1,234 messages from the agent lost here");
    assert.equal(notice.method, LOST_METHOD);
    const lost = rec.events.find((event) => (event.payload as { method?: string }).method === LOST_METHOD)!;
    assert.deepEqual(indices(notice), [lost.eventIndex]);
  });

  it("without a count, are reported as malformed", () => {
    const rec = new SessionRecorder();
    rec.raw("agent", { jsonrpc: "2.0", method: LOST_METHOD, params: { sessionId: "s", count: "many" } });
    const errors = ofType(new Timeline(rec.events), "error");
    assert.equal(errors.length, 1);
    assert.match(errors[0].message, /without a count/);
  });
});
