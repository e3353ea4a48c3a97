/**
 * Questions answered by the room, against the real stack (daemon + demo agent + engine): the demo
 * agent's `/question` asks a form (ACP `elicitation/create`); whoever answers first answers for
 * everyone, attributed, and the workspace keeps who answered what beside the log.
 *
 * As in workspace.test.ts, what the workspace did is read back from it (RivetKit can drop a
 * broadcast); the broadcasts that did arrive must agree with it.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { isDeepStrictEqual } from "node:util";
import type { SessionEvent } from "sandbox-agent";
import { runPrompt, type QuestionRequestedBroadcast, type QuestionResolvedBroadcast, type WorkspaceBroadcasts } from "../../../src/actors/index.js";
import { Timeline, type EntryOf } from "../../../src/events/index.js";
import { until } from "../../shared/until.js";
import { client, startStack, type Stack, type WorkspaceClient } from "../../support/stack.js";

/** Connects as `userName` and records the question broadcasts it receives. */
async function join(c: WorkspaceClient, workspaceId: string, userName: string) {
  const conn = c.workspace.getOrCreate([workspaceId], { params: { userId: `u-${userName.toLowerCase()}`, userName } }).connect();
  const requested: QuestionRequestedBroadcast[] = [];
  const resolved: QuestionResolvedBroadcast[] = [];
  conn.on("question.requested", (payload: WorkspaceBroadcasts["question.requested"]) => requested.push(payload));
  conn.on("question.resolved", (payload: WorkspaceBroadcasts["question.resolved"]) => resolved.push(payload));
  await until(() => conn.isConnected, `${userName} connects`);
  // Subscriptions are sent as the link opens; an answered action after them means they hold.
  await conn.getSessionInfo();
  return { conn, requested, resolved, run: (text: string) => runPrompt(conn, text) };
}

type Client = Awaited<ReturnType<typeof join>>;

async function history(conn: Client["conn"]): Promise<SessionEvent[]> {
  const events: SessionEvent[] = [];
  let after = 0;
  for (;;) {
    const page = await conn.getHistory({ after, limit: 200 });
    events.push(...page.events);
    if (page.nextAfter === undefined) return events;
    after = page.nextAfter;
  }
}

/** The question the workspace holds, once it holds one. */
async function pendingQuestion(who: Client): Promise<QuestionRequestedBroadcast> {
  let question: QuestionRequestedBroadcast | undefined;
  await until(async () => !!(question = (await who.conn.getSessionInfo()).pendingQuestions[0]), "the question is pending");
  return question!;
}

/** The agent's words in the events after `after`. */
const replyIn = (events: SessionEvent[]) =>
  events
    .map((event: any) => event.payload?.params?.update)
    .filter((update: any) => update?.sessionUpdate === "agent_message_chunk")
    .map((update: any) => update.content.text)
    .join("");

const json = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

describe("questions answered by the room", { timeout: 240_000 }, () => {
  let stack: Stack;
  let c: WorkspaceClient;

  before(async () => {
    stack = await startStack();
    c = client(stack.registry.endpoint);
  });
  after(async () => {
    await c?.dispose();
    await stack?.close();
  });

  it("puts the agent's question to everyone; the first answer wins, a later one learns who answered, and the agent hears it", async () => {
    const ada = await join(c, "w-question", "Ada");
    const grace = await join(c, "w-question", "Grace");
    const turn = ada.run("/question");
    const question = await pendingQuestion(grace);
    const { questionId } = question;
    assert.deepEqual((await ada.conn.getSessionInfo()).pendingQuestions.map((q) => q.questionId), [questionId], "the same question, for both");
    assert.match(question.message, /status badge/);
    // The daemon passes JSON on with its object keys sorted: the agent's order of fields does not survive it.
    assert.deepEqual(Object.keys(question.requestedSchema.properties ?? {}).sort(), ["color", "darkMode", "reason"]);

    const answer = await grace.conn.respondQuestion({ questionId, action: "accept", content: { color: "teal", reason: "it reads as calm", darkMode: false } });
    assert.equal(answer.by?.userName, "Grace");
    await assert.rejects(
      ada.conn.respondQuestion({ questionId, action: "decline" }),
      (error: any) => error.code === "question-answered" && /already answered by Grace/.test(error.message),
    );
    assert.deepEqual((await ada.conn.getSessionInfo()).pendingQuestions, [], "answered for both");
    assert.equal((await turn)?.stopReason, "end_turn");

    // The agent got the answer.
    const events = await history(ada.conn);
    const reply = replyIn(events);
    assert.match(reply, /Going with \*\*teal\*\* because “it reads as calm”, in light mode only/);

    // The log holds the question (as the workspace recorded it), the workspace who answered it.
    const asked = events.find((event: any) => event.payload?.method === "elicitation/create") as any;
    assert.ok(asked, "the question is in the stored log");
    assert.equal(`${asked.payload._request.server}:${asked.payload._request.id}`, questionId);
    assert.equal(asked.payload.id, undefined, "recorded as a notification: no id the SDK could mistake for its own");
    const page = await ada.conn.getHistory({ after: 0 });
    const stored = page.questions.find((q) => q.questionId === questionId);
    assert.deepEqual(stored, json(answer), "the answer is stored as it was given");

    // Together they fold into the question and its answer.
    const timeline = new Timeline(events);
    for (const q of page.questions) timeline.resolveQuestion(q.questionId, { action: q.action, content: q.content, by: q.by && { id: q.by.userId, name: q.by.userName }, at: q.at });
    const entry = [...timeline.entries].find((e): e is EntryOf<"question"> => e.type === "question");
    assert.equal(entry?.questionId, questionId);
    assert.equal(entry?.status, "answered");
    assert.equal(entry?.resolution?.by?.name, "Grace");
    assert.deepEqual(entry?.resolution?.content, { color: "teal", reason: "it reads as calm", darkMode: false });
    assert.deepEqual(entry?.fields.map((field) => [field.name, field.type, field.required]).sort(), [["color", "string", true], ["darkMode", "boolean", false], ["reason", "string", false]]);

    // Broadcasts, as far as they arrived, say the same.
    for (const who of [ada, grace]) {
      assert.ok(who.requested.every((q) => q.questionId === questionId));
      assert.ok(who.resolved.every((r) => isDeepStrictEqual(json(r), stored)), `${JSON.stringify(who.resolved)} agrees with ${JSON.stringify(stored)}`);
    }
    assert.ok(ada.requested.length + grace.requested.length > 0, "question.requested was broadcast");
    await ada.conn.dispose();
    await grace.conn.dispose();
  });

  it("refuses an answer the form does not allow, with a sentence a person can act on, and keeps the question open", async () => {
    const ada = await join(c, "w-question-invalid", "Ada");
    const turn = ada.run("/question");
    const { questionId } = await pendingQuestion(ada);
    const refused = async (content: unknown, pattern: RegExp) =>
      assert.rejects(ada.conn.respondQuestion({ questionId, action: "accept", content: content as never }), (error: any) => {
        assert.equal(error.code, "invalid-argument", error.message);
        assert.match(error.message, pattern);
        return true;
      });
    await refused({ reason: "no colour" }, /“Colour” is required: fill it in, or decline the question\./);
    await refused({ color: "pink" }, /“Colour” must be one of “teal”, “amber”, “violet”, not “pink”\./);
    await refused({ color: "teal", darkMode: "yes" }, /“Use it in dark mode too” must be true or false/);
    await refused({ color: "teal", size: 12 }, /no field “size”/);
    await refused({ color: "teal", reason: "x".repeat(201) }, /at most 200 characters/);
    await refused(undefined, /needs its form's values/);
    await assert.rejects(ada.conn.respondQuestion({ questionId, action: "maybe" as never }), (error: any) => error.code === "invalid-argument" && /“accept”.*“decline”/.test(error.message));
    assert.equal((await ada.conn.getSessionInfo()).pendingQuestions.length, 1, "still open");
    const declined = await ada.conn.respondQuestion({ questionId, action: "decline" });
    assert.equal(declined.action, "decline");
    assert.equal((await turn)?.stopReason, "end_turn");
    assert.match(replyIn(await history(ada.conn)), /keep the current colour/);
    await ada.conn.dispose();
  });

  it("answers an open question `cancel` when Stop is pressed, records it, and tells a late answer so", async () => {
    const ada = await join(c, "w-question-stop", "Ada");
    const turn = ada.run("/question");
    const { questionId } = await pendingQuestion(ada);
    await ada.conn.cancel();
    assert.equal((await turn)?.stopReason, "cancelled");
    const stored = (await ada.conn.getHistory({ after: 0 })).questions.find((q) => q.questionId === questionId);
    assert.equal(stored?.action, "cancel");
    assert.equal(stored?.by, undefined, "the workspace answered it, not a person");
    await assert.rejects(
      ada.conn.respondQuestion({ questionId, action: "accept", content: { color: "teal" } }),
      (error: any) => error.code === "question-answered" && /cancelled/.test(error.message),
    );
    await assert.rejects(ada.conn.respondQuestion({ questionId: "nope:1", action: "decline" }), (error: any) => error.code === "question-not-found");
    // The next prompt goes on in the same session.
    assert.equal((await ada.run("/echo still here"))?.stopReason, "end_turn");
    await ada.conn.dispose();
  });
});
