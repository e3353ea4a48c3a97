/**
 * Questions from the agent (ACP `elicitation/create`): the form read from the agent's schema, the
 * check an answer must pass (the workspace refuses what fails it), and the fold into `question`
 * entries, with the answers the host reports.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkAnswer, questionFields, Timeline, type EntryOf } from "../../src/events/index.js";
import { ADA, GRACE, SessionRecorder, prompt } from "../fixtures/session.js";

const SCHEMA = {
  type: "object",
  title: "Status badge",
  properties: {
    color: { type: "string", title: "Colour", enum: ["teal", "amber", "violet"] },
    reason: { type: "string", title: "Why this one?", minLength: 2, maxLength: 20 },
    darkMode: { type: "boolean", title: "Dark mode too", default: true },
    size: { type: "integer", minimum: 8, maximum: 32 },
    ratio: { type: "number", title: "Ratio" },
    tags: { type: "array", title: "Tags", items: { anyOf: [{ const: "a", title: "Alpha" }, { const: "b", title: "Beta" }] } },
    when: { type: "_custom", title: "When" },
  },
  required: ["color", "darkMode"],
};

describe("a question's form, read from the agent's schema", () => {
  const fields = questionFields(SCHEMA);

  it("has a field per property, in the schema's order, with what a form needs", () => {
    assert.deepEqual(
      fields.map((field) => [field.name, field.type, field.required, field.fillable]),
      [
        ["color", "string", true, true],
        ["reason", "string", false, true],
        ["darkMode", "boolean", true, true],
        ["size", "integer", false, true],
        ["ratio", "number", false, true],
        ["tags", "array", false, true],
        ["when", "_custom", false, false],
      ],
    );
    assert.deepEqual(fields[0].choices, [{ value: "teal", title: "teal" }, { value: "amber", title: "amber" }, { value: "violet", title: "violet" }]);
    assert.deepEqual(fields[5].choices, [{ value: "a", title: "Alpha" }, { value: "b", title: "Beta" }]);
    assert.equal(fields[2].default, true);
    assert.deepEqual([fields[3].minimum, fields[3].maximum, fields[1].maxLength], [8, 32, 20]);
  });

  it("reads anything an agent sends without throwing", () => {
    for (const schema of [undefined, null, 5, "x", [], {}, { properties: null }, { properties: { a: 5, b: null, c: { type: 7 } } }, { properties: { a: { type: "string", enum: [1, 2] } } }]) {
      assert.doesNotThrow(() => questionFields(schema));
    }
    assert.deepEqual(questionFields({ properties: { a: 5 } }).map((field) => [field.name, field.type, field.fillable]), [["a", "unknown", false]]);
    assert.equal(questionFields({ properties: { a: { type: "string", enum: [1, 2] } } })[0].choices, undefined, "choices are strings");
  });
});

describe("an answer is checked against the form", () => {
  const fields = questionFields(SCHEMA);
  const check = (content: unknown) => checkAnswer(fields, content);

  it("takes an answer that fills the required fields with values of their types", () => {
    assert.equal(check({ color: "teal", darkMode: false }), undefined);
    assert.equal(check({ color: "amber", darkMode: true, reason: "calm", size: 12, ratio: 1.5, tags: ["a", "b"] }), undefined);
    assert.equal(check({ color: "amber", darkMode: true, reason: "" }), undefined, "an optional text left empty");
  });

  it("refuses a missing required field, naming it by its title", () => {
    assert.equal(check({ darkMode: true }), "“Colour” is required: fill it in, or decline the question.");
    assert.equal(check({ color: "", darkMode: true }), "“Colour” is required: fill it in, or decline the question.", "an empty text is missing");
    assert.match(check({ color: "teal" })!, /“Dark mode too” is required/);
  });

  it("refuses a value of the wrong type, or outside what the field allows", () => {
    assert.equal(check({ color: "pink", darkMode: true }), "“Colour” must be one of “teal”, “amber”, “violet”, not “pink”.");
    assert.equal(check({ color: 3, darkMode: true }), "“Colour” must be text.");
    assert.match(check({ color: "teal", darkMode: "yes" })!, /“Dark mode too” must be true or false/);
    assert.equal(check({ color: "teal", darkMode: true, size: 12.5 }), "“size” must be a whole number.");
    assert.equal(check({ color: "teal", darkMode: true, size: 40 }), "“size” must be at most 32.");
    assert.equal(check({ color: "teal", darkMode: true, size: "12" }), "“size” must be a number.");
    assert.equal(check({ color: "teal", darkMode: true, ratio: Number.NaN }), "“Ratio” must be a number.");
    assert.equal(check({ color: "teal", darkMode: true, reason: "x" }), "“Why this one?” must be at least 2 characters long.");
    assert.equal(check({ color: "teal", darkMode: true, tags: ["c"] }), "“Tags” may only hold “a”, “b”.");
    assert.match(check({ color: "teal", darkMode: true, when: "now" })!, /type this workspace cannot fill \(_custom\)/);
  });

  it("refuses fields the form does not have, and content that is not an object", () => {
    assert.match(check({ color: "teal", darkMode: true, extra: 1 })!, /^The question has no field “extra”; it asks for “Colour”, /);
    for (const content of [undefined, null, "teal", ["teal"]]) assert.match(check(content)!, /needs its form's values/);
    assert.match(check(JSON.parse('{"color":"teal","darkMode":true,"__proto__":{"x":1}}'))!, /no field “__proto__”/);
  });
});

/** A turn in which the agent asks, as the workspace records it: an id-less notification naming its request. */
function askedTurn(options: { server?: string; id?: number } = {}) {
  const rec = new SessionRecorder();
  const promptId = prompt(rec, ADA, "/question");
  rec.update({ sessionUpdate: "agent_message_chunk", content: { type: "text", text: "One question first." } });
  rec.raw("agent", {
    jsonrpc: "2.0",
    method: "elicitation/create",
    params: { sessionId: rec.agentSessionId, mode: "form", message: "Which colour?\nPick one.", requestedSchema: SCHEMA },
    _request: { id: options.id ?? 0, server: options.server ?? "sdk-mock-1" },
  });
  return { rec, promptId, questionId: `${options.server ?? "sdk-mock-1"}:${options.id ?? 0}` };
}

const questionOf = (timeline: Timeline) => [...timeline.entries].find((entry): entry is EntryOf<"question"> => entry.type === "question")!;

describe("questions fold into question entries", () => {
  it("shows the question the workspace recorded, pending, with its message and fields, after the message before it", () => {
    const { rec, questionId } = askedTurn();
    const timeline = new Timeline(rec.events);
    const entry = questionOf(timeline);
    assert.deepEqual([entry.questionId, entry.rpcId, entry.mode, entry.status], [questionId, 0, "form", "pending"]);
    assert.equal(entry.message, "Which colour?\nPick one.");
    assert.equal(entry.title, "Status badge");
    assert.equal(entry.fields.length, 7);
    assert.deepEqual([...timeline.entries].map((e) => e.type), ["user-message", "agent-message", "question"]);
  });

  it("takes the answer the host reports, before or after the question is folded, and keeps it across re-folds", () => {
    const { rec, promptId, questionId } = askedTurn();
    const answer = { action: "accept", content: { color: "teal", darkMode: true }, by: { id: GRACE.id, name: GRACE.name }, at: rec.now };
    const after = new Timeline(rec.events);
    after.resolveQuestion(questionId, answer);
    const before = new Timeline();
    before.resolveQuestion(questionId, answer);
    before.addAll(rec.events);
    for (const timeline of [after, before]) {
      const entry = questionOf(timeline);
      assert.equal(entry.status, "answered");
      assert.deepEqual(entry.resolution, answer);
    }
    // An event older than the newest folded one re-folds the history: the report stays.
    rec.agentResponse(promptId, { stopReason: "end_turn" });
    const late = new Timeline(rec.events.slice(1));
    late.resolveQuestion(questionId, answer);
    late.add(rec.events[0]);
    assert.equal(late.refolds, 1);
    assert.equal(questionOf(late).status, "answered");
    assert.equal(questionOf(late).resolution?.by?.name, "Grace");
  });

  it("says declined and cancelled, and by whom", () => {
    const { rec, questionId } = askedTurn();
    const declined = new Timeline(rec.events);
    declined.resolveQuestion(questionId, { action: "decline", by: { name: "Ada" } });
    assert.deepEqual([questionOf(declined).status, questionOf(declined).resolution?.by?.name], ["declined", "Ada"]);
    const cancelled = new Timeline(rec.events);
    cancelled.resolveQuestion(questionId, { action: "cancel" });
    assert.equal(questionOf(cancelled).status, "cancelled");
  });

  it("does not look pending once its turn ended without an answer; a report that comes later still settles it", () => {
    const { rec, promptId, questionId } = askedTurn();
    rec.agentResponse(promptId, { stopReason: "end_turn" });
    const timeline = new Timeline(rec.events);
    assert.equal(questionOf(timeline).status, "unanswered");
    timeline.resolveQuestion(questionId, { action: "cancel" });
    assert.equal(questionOf(timeline).status, "cancelled");

    const stopped = askedTurn();
    stopped.rec.clientNotification("session/cancel", { sessionId: stopped.rec.agentSessionId });
    stopped.rec.agentResponse(stopped.promptId, { stopReason: "cancelled" });
    assert.equal(questionOf(new Timeline(stopped.rec.events)).status, "cancelled");

    const ended = askedTurn();
    const host = new Timeline(ended.rec.events);
    host.endTurn("end_turn");
    assert.equal(questionOf(host).status, "unanswered", "the host says the turn ended (the log may not)");
  });

  it("tells questions of different agent processes apart, though each numbers its requests from 0", () => {
    const first = askedTurn({ server: "sdk-mock-a", id: 0 });
    const second = askedTurn({ server: "sdk-mock-b", id: 0 });
    const timeline = new Timeline([...first.rec.events, ...second.rec.events.map((event) => ({ ...event, id: `x${event.id}`, eventIndex: event.eventIndex + 100 }))]);
    timeline.resolveQuestion("sdk-mock-b:0", { action: "decline" });
    const questions = [...timeline.entries].filter((entry): entry is EntryOf<"question"> => entry.type === "question");
    assert.deepEqual(questions.map((q) => [q.questionId, q.status]), [["sdk-mock-a:0", "unanswered"], ["sdk-mock-b:0", "declined"]]);
  });

  it("folds a plain request with its id (a log recorded elsewhere) and the client's answer in the log", () => {
    const rec = new SessionRecorder();
    prompt(rec, ADA, "go");
    const id = rec.agentRequest("elicitation/create", { sessionId: rec.agentSessionId, mode: "form", message: "Sure?", requestedSchema: { type: "object", properties: { ok: { type: "boolean" } } } });
    rec.clientResponse(id, { action: "accept", content: { ok: true } });
    const entry = questionOf(new Timeline(rec.events));
    assert.deepEqual([entry.questionId, entry.rpcId, entry.status], [String(id), id, "answered"]);
    assert.deepEqual(entry.resolution?.content, { ok: true });
    assert.equal(entry.events.length, 2, "the request and its answer");
  });

  it("shows a url question and a malformed one without crashing", () => {
    const rec = new SessionRecorder();
    prompt(rec, ADA, "go");
    rec.agentRequest("elicitation/create", { sessionId: rec.agentSessionId, mode: "url", message: "Sign in", url: "https://example.com/login", elicitationId: "e1" });
    rec.raw("agent", { jsonrpc: "2.0", method: "elicitation/create", params: "nonsense" });
    const questions = [...new Timeline(rec.events).entries].filter((entry): entry is EntryOf<"question"> => entry.type === "question");
    assert.deepEqual(questions.map((q) => [q.mode, q.url, q.message, q.fields.length]), [["url", "https://example.com/login", "Sign in", 0], ["form", undefined, "", 0]]);
  });
});
