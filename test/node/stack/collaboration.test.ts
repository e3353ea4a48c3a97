/**
 * Working together on one agent, against the real daemon, agent and engine: roles the actor
 * enforces (for a client that skips any UI), the shared prompt queue (order, withdraw, reorder),
 * who did what from the workspace's own record, and comments on entries.
 *
 * The registry lets in four people by token (demo/registry.ts `WORKSPACE_ROLES`): a viewer, a
 * prompter, an approver and an owner.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { SessionEvent } from "sandbox-agent";
import { runPrompt, type WorkspaceBroadcasts } from "../../../src/actors/index.js";
import { until } from "../../shared/until.js";
import { client, startStack, type Stack, type WorkspaceClient } from "../../support/stack.js";

const TOKENS = { viewer: "t-viewer", prompter: "t-prompter", approver: "t-approver", owner: "t-owner" } as const;
type Role = keyof typeof TOKENS;
const NAMES: Record<Role, string> = { viewer: "Vera", prompter: "Pat", approver: "Abe", owner: "Olga" };

async function join(c: WorkspaceClient, workspaceId: string, role: Role) {
  const userName = NAMES[role];
  const conn = c.workspace.getOrCreate([workspaceId], { params: { userId: `u-${userName.toLowerCase()}`, userName, token: TOKENS[role] } }).connect();
  const seen: Array<{ name: keyof WorkspaceBroadcasts; payload: any }> = [];
  for (const name of ["queue", "turn", "attribution", "comment", "comment.deleted", "presence"] as const) conn.on(name, (payload: unknown) => seen.push({ name, payload }));
  const errors: Array<{ code?: string }> = [];
  conn.onError((error: any) => errors.push({ code: error.code }));
  await until(() => conn.isConnected || errors.length > 0, `${userName} connects`);
  await conn.getSessionInfo();
  const of = <N extends keyof WorkspaceBroadcasts>(name: N): WorkspaceBroadcasts[N][] => seen.filter((entry) => entry.name === name).map((entry) => entry.payload);
  return { conn, of, run: (text: string) => runPrompt(conn, text, 1000) };
}

/** The refusal a call meets: its code and message. */
async function refused(call: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await call;
  } catch (error: any) {
    return { code: error.code, message: error.message };
  }
  assert.fail("the call was not refused");
}

async function history(conn: { getHistory(input: { after?: number; limit?: number }): Promise<{ events: SessionEvent[]; nextAfter?: number }> }): Promise<SessionEvent[]> {
  const events: SessionEvent[] = [];
  for (let after = 0; ; ) {
    const page = await conn.getHistory({ after, limit: 500 });
    events.push(...page.events);
    if (page.nextAfter === undefined) return events;
    after = page.nextAfter;
  }
}

const promptTexts = (events: SessionEvent[]) =>
  events.filter((event: any) => event.payload?.method === "session/prompt").map((event: any) => event.payload.params.prompt.map((block: any) => block.text).join(""));

describe("working together: roles, the queue, attribution, comments", { timeout: 240_000 }, () => {
  let stack: Stack;
  let c: WorkspaceClient;

  before(async () => {
    stack = await startStack({
      registryEnv: { WORKSPACE_ROLES: `${TOKENS.viewer}=viewer,${TOKENS.prompter}=prompter,${TOKENS.approver}=approver,${TOKENS.owner}=owner` },
    });
    c = client(stack.registry.endpoint);
  });
  after(async () => {
    await c?.dispose();
    await stack?.close();
  });

  it("tells each connection its role, and shows everyone's in presence", async () => {
    const all = await Promise.all((Object.keys(TOKENS) as Role[]).map((role) => join(c, "w-roles", role)));
    for (const [i, role] of (Object.keys(TOKENS) as Role[]).entries()) {
      const info = await all[i].conn.getSessionInfo();
      assert.equal(info.role, role);
      assert.deepEqual(info.user, { userId: `u-${NAMES[role].toLowerCase()}`, userName: NAMES[role] });
    }
    const info = await all[0].conn.getSessionInfo();
    assert.deepEqual(
      info.users.map((user) => `${user.userName}:${user.role}`).sort(),
      ["Abe:approver", "Olga:owner", "Pat:prompter", "Vera:viewer"],
    );
    await Promise.all(all.map((one) => one.conn.dispose()));
  });

  it("refuses, at the actor, what a role may not do, with forbidden and a sentence to act on", async () => {
    const vera = await join(c, "w-refuse", "viewer");
    const pat = await join(c, "w-refuse", "prompter");
    const abe = await join(c, "w-refuse", "approver");
    const olga = await join(c, "w-refuse", "owner");
    const viewerPrompt = await refused(vera.conn.prompt({ text: "hello" }));
    assert.equal(viewerPrompt.code, "forbidden");
    assert.match(viewerPrompt.message, /You are a viewer in this workspace: only prompters and owners can send prompts\./);
    assert.equal((await refused(abe.conn.prompt({ text: "hello" }))).code, "forbidden", "an approver does not prompt");
    // A turn that waits on a permission request, so there is something to answer and to stop.
    const turn = pat.run("/permission");
    await until(async () => (await olga.conn.getSessionInfo()).pendingPermissions.length > 0, "the permission request is pending");
    const [request] = (await olga.conn.getSessionInfo()).pendingPermissions;
    const prompterAnswer = await refused(pat.conn.respondPermission({ permissionId: request.permissionId, reply: "once" }));
    assert.equal(prompterAnswer.code, "forbidden");
    assert.match(prompterAnswer.message, /You are a prompter in this workspace: only approvers and owners can answer the agent's permission requests\./);
    assert.equal((await refused(vera.conn.respondPermission({ permissionId: request.permissionId, reply: "once" }))).code, "forbidden");
    for (const who of [vera, pat, abe]) {
      assert.equal((await refused(who.conn.cancel())).code, "forbidden", "only owners stop a turn");
      assert.equal((await refused(who.conn.setMode({ modeId: "plan" }))).code, "forbidden", "only owners change the mode");
      assert.equal((await refused(who.conn.setConfigOption({ configId: "model", value: "x" }))).code, "forbidden");
      assert.equal((await refused(who.conn.reorderQueue({ promptIds: [] }))).code, "forbidden", "only owners reorder");
      assert.equal((await refused(who.conn.destroy())).code, "forbidden", "only owners destroy");
    }
    assert.equal((await refused(vera.conn.respondQuestion({ questionId: "x", action: "decline" }))).code, "forbidden");
    assert.equal((await refused(pat.conn.respondQuestion({ questionId: "x", action: "decline" }))).code, "forbidden");
    assert.equal((await refused(abe.conn.respondQuestion({ questionId: "x", action: "decline" }))).code, "question-not-found", "an approver may answer questions");
    // The refused calls changed nothing: the request is still there for the approver.
    await abe.conn.respondPermission({ permissionId: request.permissionId, reply: "once" });
    assert.equal((await turn).stopReason, "end_turn");
    // Everyone may read and watch.
    assert.ok((await vera.conn.getHistory({ after: 0 })).events.length > 0);
    await Promise.all([vera, pat, abe, olga].map((one) => one.conn.dispose()));
  });

  it("shows the queue to everyone in order; the author or an owner withdraws, an owner reorders; withdrawn prompts never reach the agent", async () => {
    const vera = await join(c, "w-queue", "viewer");
    const pat = await join(c, "w-queue", "prompter");
    const abe = await join(c, "w-queue", "approver");
    const olga = await join(c, "w-queue", "owner");
    const holding = olga.run("/permission");
    await until(async () => (await vera.conn.getSessionInfo()).pendingPermissions.length > 0, "the first turn waits on its permission request");
    const first = pat.run("/echo first");
    await until(async () => (await vera.conn.getSessionInfo()).queue.length === 1, "the first queued");
    const second = pat.run("/echo second");
    await until(async () => (await vera.conn.getSessionInfo()).queue.length === 2, "the second queued");
    const third = olga.run("/echo third");
    await until(async () => (await vera.conn.getSessionInfo()).queue.length === 3, "the third queued");
    const queue = (await vera.conn.getSessionInfo()).queue;
    assert.deepEqual(queue.map((item) => item.text), ["/echo first", "/echo second", "/echo third"]);
    assert.deepEqual(queue.map((item) => item.by.userName), ["Pat", "Pat", "Olga"]);
    assert.ok(queue.every((item) => typeof item.queuedAt === "number" && /^p-/.test(item.promptId)));
    const [firstId, secondId, thirdId] = queue.map((item) => item.promptId);

    // Withdraw: not someone else's (unless an owner), not as a viewer.
    const notMine = await refused(pat.conn.withdrawPrompt({ promptId: thirdId }));
    assert.equal(notMine.code, "forbidden");
    assert.match(notMine.message, /Only whoever sent a prompt \(here Olga\) or an owner can withdraw it\./);
    assert.equal((await refused(vera.conn.withdrawPrompt({ promptId: firstId }))).code, "forbidden");
    // The author withdraws their own; their prompt() settles as withdrawn.
    assert.deepEqual(await pat.conn.withdrawPrompt({ promptId: secondId }), { withdrawn: true, by: { userId: "u-pat", userName: "Pat" } });
    assert.equal((await second).stopReason, "withdrawn");
    assert.equal((await refused(pat.conn.withdrawPrompt({ promptId: secondId }))).code, "not-queued");
    assert.deepEqual((await vera.conn.getTurn({ promptId: secondId }))?.stopReason, "withdrawn");

    // An owner reorders: third before first.
    assert.deepEqual((await olga.conn.reorderQueue({ promptIds: [thirdId, firstId] })).map((item) => item.promptId), [thirdId, firstId]);
    assert.deepEqual((await vera.conn.getSessionInfo()).queue.map((item) => item.promptId), [thirdId, firstId]);
    assert.equal((await refused(olga.conn.reorderQueue({ promptIds: [thirdId, thirdId] }))).code, "invalid-argument");
    // An owner withdraws someone else's: the first, then it goes back in.
    await olga.conn.withdrawPrompt({ promptId: firstId });
    assert.equal((await first).stopReason, "withdrawn");
    const again = pat.run("/echo first again");
    await until(async () => (await vera.conn.getSessionInfo()).queue.length === 2, "queued again");

    await abe.conn.respondPermission({ permissionId: (await vera.conn.getSessionInfo()).pendingPermissions[0].permissionId, reply: "once" });
    assert.equal((await holding).stopReason, "end_turn");
    assert.equal((await third).stopReason, "end_turn");
    assert.equal((await again).stopReason, "end_turn");
    const stored = await history(vera.conn);
    assert.deepEqual(promptTexts(stored), ["/permission", "/echo third", "/echo first again"], "withdrawn prompts never reached the agent; the reordered ran first");
    // Everyone saw the queue change, ending empty.
    await until(() => vera.of("queue").at(-1)?.length === 0, "the viewer saw the queue empty out");
    assert.ok(vera.of("queue").some((items) => items.length === 3), "the viewer saw all three waiting");
    // Who withdrew what is the workspace's record, with the history.
    const { attributions } = await vera.conn.getHistory({ after: 0, limit: 1 });
    const withdrawals = attributions.filter((record) => record.kind === "withdraw");
    assert.deepEqual(
      withdrawals.map((record) => record.kind === "withdraw" && [record.promptId, record.author.userName, record.by.userName, record.text]),
      [
        [secondId, "Pat", "Pat", "/echo second"],
        [firstId, "Pat", "Olga", "/echo first"],
      ],
    );
    assert.ok(withdrawals.every((record) => record.kind === "withdraw" && record.afterEventIndex > 0));
    await Promise.all([vera, pat, abe, olga].map((one) => one.conn.dispose()));
  });

  it("records who changed the mode, from the workspace's record, for everyone", async () => {
    const vera = await join(c, "w-mode", "viewer");
    const olga = await join(c, "w-mode", "owner");
    await olga.run("/echo hi");
    const modes = (await history(vera.conn)).find((event: any) => event.payload?.result?.modes)?.payload as any;
    const other = modes.result.modes.availableModes.find((mode: any) => mode.id !== modes.result.modes.currentModeId);
    await olga.conn.setMode({ modeId: other.id });
    const { attributions } = await vera.conn.getHistory({ after: 0, limit: 1 });
    const record = attributions.find((item) => item.kind === "mode");
    assert.ok(record && record.kind === "mode");
    assert.equal(record.modeId, other.id);
    assert.deepEqual(record.by, { userId: "u-olga", userName: "Olga" });
    await until(() => vera.of("attribution").some((item) => item.kind === "mode"), "the viewer hears of it");
    await vera.conn.dispose();
    await olga.conn.dispose();
  });

  it("keeps comments with the history: everyone comments, within limits; the author or an owner deletes", async () => {
    const vera = await join(c, "w-comments", "viewer");
    const pat = await join(c, "w-comments", "prompter");
    const olga = await join(c, "w-comments", "owner");
    const mine = await vera.conn.comment({ entryId: "e3", text: "Is **this** right, @Pat?" });
    assert.deepEqual({ ...mine, commentId: "", createdAt: 0 }, { commentId: "", entryId: "e3", by: { userId: "u-vera", userName: "Vera" }, text: "Is **this** right, @Pat?", createdAt: 0 });
    const patComment = await pat.conn.comment({ entryId: "e3", text: "Yes." });
    await until(() => olga.of("comment").length === 2, "the owner hears of both");
    // Limits: size, empty, a malformed entry id, rate.
    const tooLarge = await refused(pat.conn.comment({ entryId: "e3", text: "x".repeat(4097) }));
    assert.equal(tooLarge.code, "comment-too-large");
    assert.match(tooLarge.message, /4,097 bytes; the limit is 4,096/);
    assert.equal((await refused(pat.conn.comment({ entryId: "e3", text: "  " }))).code, "invalid-argument");
    assert.equal((await refused(pat.conn.comment({ entryId: "<script>", text: "hi" }))).code, "invalid-argument");
    // Delete rights: not someone else's, unless an owner.
    const notTheirs = await refused(pat.conn.deleteComment({ commentId: mine.commentId }));
    assert.equal(notTheirs.code, "forbidden");
    assert.match(notTheirs.message, /Only whoever wrote a comment \(here Vera\) or an owner can delete it\./);
    await olga.conn.deleteComment({ commentId: patComment.commentId });
    assert.equal((await refused(pat.conn.deleteComment({ commentId: patComment.commentId }))).code, "comment-not-found");
    await until(() => vera.of("comment.deleted").length === 1, "everyone hears of the deletion");
    assert.deepEqual(vera.of("comment.deleted")[0].by, { userId: "u-olga", userName: "Olga" });
    // Read back from the start, and from a cursor.
    const all = await pat.conn.getComments({ after: 0 });
    assert.deepEqual(all.comments.map((comment) => comment.text), ["Is **this** right, @Pat?"]);
    assert.deepEqual(all.deleted, [], "a reader from the start never held the deleted one");
    const since = await pat.conn.getComments({ after: 2 });
    assert.deepEqual(since.deleted.map((deletion) => deletion.commentId), [patComment.commentId], "a reader who held it learns it is gone");
    await vera.conn.deleteComment({ commentId: mine.commentId });
    assert.deepEqual((await pat.conn.getComments({ after: 0 })).comments, []);
    // Rate: 20 a minute per connection (Pat's "Yes." was one; refused ones do not count).
    for (let i = 0; i < 19; i++) await pat.conn.comment({ entryId: "e4", text: `n${i}` });
    assert.equal((await refused(pat.conn.comment({ entryId: "e4", text: "one more" }))).code, "rate-limited");
    // Paged by changes (a deletion the reader never held takes a place in the page but is not sent).
    const texts: string[] = [];
    let pages = 0;
    for (let after: number | undefined = 0; after !== undefined; pages++) {
      const page = await vera.conn.getComments({ after, limit: 5 });
      texts.push(...page.comments.map((comment) => comment.text));
      after = page.nextAfter;
    }
    assert.deepEqual(texts, Array.from({ length: 19 }, (_, i) => `n${i}`));
    assert.ok(pages >= 4);
    await Promise.all([vera, pat, olga].map((one) => one.conn.dispose()));
  });
});

describe("without authorize, everyone is an owner", { timeout: 120_000 }, () => {
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

  it("reports the owner role and lets anyone reorder", async () => {
    const conn = c.workspace.getOrCreate(["w-open"], { params: { userName: "Anyone" } }).connect();
    await until(() => conn.isConnected, "connects");
    const info = await conn.getSessionInfo();
    assert.equal(info.role, "owner");
    assert.deepEqual(info.queue, []);
    assert.deepEqual(await conn.reorderQueue({ promptIds: [] }), []);
    await conn.dispose();
  });
});
