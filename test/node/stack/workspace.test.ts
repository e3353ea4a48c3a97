/**
 * The workspace actor against the real stack: sandbox-agent daemon + demo ACP agent + RivetKit's
 * embedded engine, each in its own process on free ports.
 *
 * RivetKit can drop a broadcast to one connection (the README: clients reconcile from the history
 * and `getSessionInfo`). So what the workspace did (who asked, which turns ran, how they ended, who
 * answered) is read back from it, as any client may; the broadcasts a client received are held to
 * agree with that, as far as they arrived. Only the event streams are expected whole: they are what
 * the broadcast pump is tested on here (see "delivers a fast agent's firehose").
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { isDeepStrictEqual } from "node:util";
import { inflateRawSync } from "node:zlib";
import type { SessionEvent } from "sandbox-agent";
import { FIREHOSE_META } from "../../../demo/agent/material.js";
import { LOST_METHOD } from "../../../src/events/index.js";
import { runPrompt, type PermissionReply, type SessionInfo, type WorkspaceBroadcasts } from "../../../src/actors/index.js";
import { until } from "../../shared/until.js";
import { client, startStack, type Stack, type WorkspaceClient } from "../../support/stack.js";

type Name = keyof WorkspaceBroadcasts;
const NAMES: Name[] = ["session.event", "chat.user", "permission.requested", "permission.resolved", "turn", "presence", "error"];

/** Connects as `userName` and records every broadcast it receives, in order. */
async function join(c: WorkspaceClient, workspaceId: string, userName: string, params: Record<string, string> = {}) {
  const conn = c.workspace.getOrCreate([workspaceId], { params: { userId: `u-${userName.toLowerCase()}`, userName, ...params } }).connect();
  const seen: Array<{ name: Name; payload: any }> = [];
  for (const name of NAMES) conn.on(name, (payload: unknown) => seen.push({ name, payload }));
  // Events that queue up arrive batched; record them one by one, as a client applies them.
  conn.on("session.events", (events: SessionEvent[]) => events.forEach((payload) => seen.push({ name: "session.event", payload })));
  const errors: Array<{ code?: string; message: string }> = [];
  conn.onError((error: any) => errors.push({ code: error.code, message: error.message }));
  await until(() => conn.isConnected || errors.length > 0, `${userName} connects`);
  // The client subscribes to broadcasts with messages it sends as the link opens, and the actor
  // handles a link's messages in order: once an action sent after them is answered, they hold.
  // (Without this, a broadcast sent moments after connecting could go out before they arrived.)
  if (conn.isConnected) await conn.getSessionInfo();
  const of = <N extends Name>(name: N): WorkspaceBroadcasts[N][] => seen.filter((entry) => entry.name === name).map((entry) => entry.payload);
  /** Sends a prompt and waits for its turn to end, as a host's Node code would. */
  const run = (text: string) => runPrompt(conn, text);
  return { conn, seen, errors, of, run, indices: () => of("session.event").map((event) => event.eventIndex) };
}

type Client = Awaited<ReturnType<typeof join>>;

/** Every stored event of a workspace, by paging getHistory. */
async function history(conn: { getHistory(input: { after?: number; limit?: number }): Promise<{ events: SessionEvent[]; nextAfter?: number }> }): Promise<SessionEvent[]> {
  const events: SessionEvent[] = [];
  let after = 0;
  for (;;) {
    const page = await conn.getHistory({ after, limit: 100 });
    events.push(...page.events);
    if (page.nextAfter === undefined) return events;
    after = page.nextAfter;
  }
}

/** The prompts a workspace stored, in the order they reached it: text, and who asked under which prompt id (their `_meta`). */
function promptsIn(events: SessionEvent[]): Array<{ text: string; promptId: string; user?: { id: string; name?: string } }> {
  return events
    .filter((event: any) => event.payload?.method === "session/prompt")
    .map((event: any) => {
      const block = event.payload.params.prompt.at(-1);
      const meta = block._meta?.["sandbox-workspace"];
      return { text: block.text, promptId: meta?.promptId, user: meta?.user };
    });
}

/**
 * What arrived of the broadcasts `expected` (some may be lost): nothing else, nothing twice, in
 * their order. Compared as JSON, the form both the wire and storage keep.
 */
function arrivedOf(arrived: unknown[], expected: unknown[], what: string): void {
  const json = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;
  let next = 0;
  for (const item of arrived) {
    const at = expected.findIndex((candidate, i) => i >= next && isDeepStrictEqual(json(candidate), json(item)));
    assert.ok(at >= 0, `${what}: ${JSON.stringify(item)} arrived, but is not next of ${JSON.stringify(expected.slice(next))} (all that arrived: ${JSON.stringify(arrived)})`);
    next = at + 1;
  }
}

/** A turn as its broadcasts tell it: state, prompt id and who asked. */
const turnOf = (turn: WorkspaceBroadcasts["turn"]) => `${turn.state}:${turn.promptId}:${turn.by?.userName}`;
/** The turn broadcasts a run of stored prompts makes, each running then ended. */
const turnsOf = (prompts: ReturnType<typeof promptsIn>) => prompts.flatMap((prompt) => ["running", "ended"].map((state) => `${state}:${prompt.promptId}:${prompt.user?.name}`));

/**
 * Answers each permission request the workspace holds, as it appears: asked for every 100 ms, not
 * learnt from the `permission.requested` broadcast. Call the function it returns before disposing.
 */
function answering(conn: Client["conn"], reply: PermissionReply): () => Promise<void> {
  let on = true;
  const loop = (async () => {
    while (on) {
      try {
        const info: SessionInfo = await conn.getSessionInfo();
        for (const { permissionId } of info.pendingPermissions) await conn.respondPermission({ permissionId, reply });
      } catch {
        // Answered meanwhile, or the answer was lost: the next look tells.
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  return async () => {
    on = false;
    await loop;
  };
}

/** Waits until every client has received the newest stored event; returns its index. */
async function settled(clients: Array<{ indices(): number[] }>, conn: { getSessionInfo(): Promise<{ lastEventIndex: number }> }, atLeast = 1): Promise<number> {
  let last = 0;
  await until(async () => {
    last = (await conn.getSessionInfo()).lastEventIndex;
    return last >= atLeast && clients.every((client) => client.indices().at(-1) === last);
  }, "every client received the newest event", 60_000).catch((error: Error) => {
    throw new Error(`${error.message}: stored up to ${last}, clients at ${clients.map((client) => client.indices().at(-1)).join(", ")}`);
  });
  return last;
}

/**
 * The flood that outruns the workspace on purpose: 50 MB, more than the socket buffers between the
 * daemon and a paused reader can hold (Linux lets them grow to 32 MiB + 4 MiB).
 */
const FLOOD = 5_000;
const FLOOD_CHUNK = 10_000;
const contiguous = (indices: number[]) => indices.every((index, i) => i === 0 || index === indices[i - 1] + 1);
const updateTypes = (events: SessionEvent[]) => new Set(events.map((e: any) => e.payload?.params?.update?.sessionUpdate).filter(Boolean));

describe("the workspace actor on the real daemon, agent and engine", { timeout: 240_000 }, () => {
  let stack: Stack;
  let c: WorkspaceClient;

  before(async () => {
    stack = await startStack({ registryEnv: { WORKSPACE_SLEEP_TIMEOUT_MS: "1500" } });
    c = client(stack.registry.endpoint);
  });
  after(async () => {
    await c?.dispose();
    await stack?.close();
  });

  it("streams a prompt's events in order, with no gaps, and keeps them", async () => {
    const ada = await join(c, "w-stream", "Ada");
    const stopAnswering = answering(ada.conn, "once");
    const result = await ada.run("Fix the flaky test");
    await stopAnswering();
    assert.equal(result?.stopReason, "end_turn");
    const info = { lastEventIndex: await settled([ada], ada.conn) };
    const live = ada.indices();
    assert.ok(contiguous(live), `live events are in order without gaps: ${live.join(",")}`);
    const stored = await history(ada.conn);
    assert.deepEqual(stored.map((e) => e.eventIndex), Array.from({ length: info.lastEventIndex }, (_, i) => i + 1), "history is 1..N");
    // What the listener missed before it subscribed (session/new) is in the history.
    assert.deepEqual(live, stored.map((e) => e.eventIndex).slice(stored.length - live.length));
    // The JSON-text pages the element reads say the same, page for page.
    const json = await ada.conn.getHistoryJson({ after: 3, limit: 7 });
    const objects = await ada.conn.getHistory({ after: 3, limit: 7 });
    assert.deepEqual(JSON.parse(json.eventsJson), objects.events);
    assert.equal(json.nextAfter, objects.nextAfter);
    assert.equal(json.nextAfter, 10);
    for (const type of ["agent_thought_chunk", "agent_message_chunk", "tool_call", "tool_call_update", "plan", "usage_update", "session_info_update", "available_commands_update", "current_mode_update", "config_option_update"]) {
      assert.ok(updateTypes(stored).has(type), `the turn has ${type}`);
    }
    const prompt = stored.find((e: any) => e.payload.method === "session/prompt") as any;
    assert.deepEqual(prompt.payload.params.prompt[0]._meta["sandbox-workspace"].user, { id: "u-ada", name: "Ada" }, "the log says who asked");
    // The turn, as the workspace tells whoever asks; the broadcasts that said so agree, as far as they arrived.
    const prompts = promptsIn(stored);
    assert.deepEqual(prompts.map((p) => [p.user?.id, p.text]), [["u-ada", "Fix the flaky test"]]);
    assert.deepEqual(await ada.conn.getTurn({ promptId: prompts[0].promptId }), { promptId: prompts[0].promptId, state: "ended", stopReason: "end_turn" });
    arrivedOf(ada.of("chat.user").map((m) => [m.userId, m.text]), [["u-ada", "Fix the flaky test"]], "chat.user");
    arrivedOf(ada.of("turn").map(turnOf), turnsOf(prompts), "turn");
    await ada.conn.dispose();
  });

  it("shows two clients the identical stream, and who is connected", async () => {
    const ada = await join(c, "w-two", "Ada");
    const grace = await join(c, "w-two", "Grace");
    const connected = async () => (await ada.conn.getSessionInfo()).users.map((u) => u.userName).sort();
    await until(async () => (await connected()).length === 2, "Ada is told Grace joined");
    assert.deepEqual(await connected(), ["Ada", "Grace"]);
    // A probe (the element's failover check) is answered, and is nobody: not in presence, not announced.
    const presences = ada.of("presence").length;
    const probe = c.workspace.getOrCreate(["w-two"], { params: { userName: "Probe", probe: true } }).connect();
    const probed = await probe.getSessionInfo();
    assert.deepEqual(probed.users.map((u) => u.userName).sort(), ["Ada", "Grace"], "the probe is not among the users");
    assert.equal(probed.bootId, (await ada.conn.getSessionInfo()).bootId);
    await probe.dispose();
    await ada.conn.getSessionInfo();
    assert.equal(ada.of("presence").length, presences, "no presence broadcast for the probe coming or going");
    const done = grace.run("/long 300");
    await done;
    await settled([ada, grace], ada.conn);
    assert.deepEqual(ada.of("session.event"), grace.of("session.event"));
    assert.ok(ada.indices().length >= 300);
    assert.deepEqual(promptsIn(await history(ada.conn)).map((p) => p.user?.name), ["Grace"], "Ada can tell who prompted");
    arrivedOf(ada.of("chat.user").map((m) => m.userName), ["Grace"], "chat.user");
    for (const { users } of ada.of("presence")) assert.ok(users.every((u) => u.userName === "Ada" || u.userName === "Grace"), `presence names only who is there: ${JSON.stringify(users)}`);
    await grace.conn.dispose();
    await until(async () => (await connected()).length === 1, "Ada is told Grace left");
    assert.deepEqual(await connected(), ["Ada"]);
    await ada.conn.dispose();
  });

  it("delivers a fast agent's firehose complete and in order, and stores all of it", async () => {
    const ada = await join(c, "w-firehose", "Ada");
    const grace = await join(c, "w-firehose", "Grace");
    // 400 chunks as fast as the agent can: far beyond real agents (`npm run bench` floods 20,000).
    assert.equal((await ada.run("/firehose 400"))?.stopReason, "end_turn");
    const last = await settled([ada, grace], ada.conn, 404);
    for (const who of [ada, grace]) {
      const indices = who.indices();
      assert.ok(contiguous(indices), "no gap, no duplicate, in order");
      assert.equal(indices.length, last - indices[0] + 1);
    }
    const stored = await history(ada.conn);
    assert.equal(stored.length, last, "every event is stored");
    await ada.conn.dispose();
    await grace.conn.dispose();
  });

  it("marks in its log where the daemon dropped chunks of a flood and could not send them again: none goes silently", async () => {
    const ada = await join(c, "w-flood-lost", "Ada");
    // The agent session starts first, so that the pause falls in the flood.
    assert.equal((await ada.run("/echo ready"))?.stopReason, "end_turn");
    // The workspace stopped for 2 s through a flood falls far behind: the daemon keeps 512 messages
    // for a reader that is behind and replays its last 1,024, so much of what it sent meanwhile is
    // gone. The flood begins 500 ms after the prompt reaches the agent, when the workspace is paused
    // already, and the buffers between it and the daemon are still as small as a short turn left them.
    const turn = ada.run(`/firehose ${FLOOD} ${FLOOD_CHUNK} 0 500`);
    await until(async () => (await ada.conn.getSessionInfo()).running, "the turn runs", 30_000, 5);
    await new Promise((resolve) => setTimeout(resolve, 200));
    process.kill(stack.registry.pid, "SIGSTOP");
    await new Promise((resolve) => setTimeout(resolve, 2_000)).finally(() => process.kill(stack.registry.pid, "SIGCONT"));
    assert.equal((await turn)?.stopReason, "end_turn");
    const stored = await history(ada.conn);
    let chunks = 0;
    let lost = 0;
    let previous: number | undefined;
    let gap: number | undefined;
    for (const event of stored as any[]) {
      const chunk: number | undefined = event.payload?.params?.update?._meta?.[FIREHOSE_META.index];
      if (event.payload?.method === LOST_METHOD) {
        gap = (gap ?? 0) + event.payload.params.count;
        lost += event.payload.params.count;
      } else if (chunk !== undefined) {
        // Each mark stands where its chunks were: between the chunks before and after them.
        if (previous !== undefined) assert.equal(chunk - previous - 1, gap ?? 0, `between chunks ${previous} and ${chunk}`);
        chunks++;
        previous = chunk;
        gap = undefined;
      }
    }
    assert.ok(lost > 0, "the pause lost chunks");
    assert.equal(chunks + lost, FLOOD, `each chunk is stored or counted lost (${chunks} stored, ${lost} counted)`);
    await ada.conn.dispose();
  });

  it("carries large events whole: live, and in history pages that each fit a message, plain and deflated", async () => {
    const ada = await join(c, "w-large", "Ada");
    // 300 chunks of 8,000 characters (2.4 MB): 500 of them, or 200, would outgrow RivetKit's largest message (1 MiB).
    assert.equal((await ada.run("/firehose 300 8000"))?.stopReason, "end_turn");
    const last = await settled([ada], ada.conn, 300);
    assert.ok(contiguous(ada.indices()), "the live stream has no gap");
    const all = Array.from({ length: last }, (_, i) => i + 1);
    const read = async (kind: "getHistory" | "getHistoryJson" | "getHistoryDeflated") => {
      const indices: number[] = [];
      let pages = 0;
      for (let after = 0; ; pages++) {
        const page: any = await ada.conn[kind]({ after, limit: 2000 });
        const events: SessionEvent[] =
          kind === "getHistory" ? page.events : JSON.parse(kind === "getHistoryJson" ? page.eventsJson : inflateRawSync(page.eventsDeflated).toString());
        indices.push(...events.map((event) => event.eventIndex));
        if (page.nextAfter === undefined) return { indices, pages: pages + 1 };
        after = page.nextAfter;
      }
    };
    for (const kind of ["getHistory", "getHistoryJson", "getHistoryDeflated"] as const) {
      const { indices, pages } = await read(kind);
      assert.deepEqual(indices, all, `${kind}: every event, once, in order`);
      assert.ok(pages >= 5, `${kind}: in pages of at most 512 KiB (${pages} pages)`);
    }
    const json = await ada.conn.getHistoryJson({ after: 0, limit: 10 });
    const deflated = await ada.conn.getHistoryDeflated({ after: 0, limit: 10 });
    assert.equal(inflateRawSync(deflated.eventsDeflated).toString(), json.eventsJson, "deflated, the same text");
    assert.equal(deflated.nextAfter, json.nextAfter);
    await ada.conn.dispose();
  });

  it("keeps every link open through an event too large for any message, which the history carries", async () => {
    const ada = await join(c, "w-huge", "Ada");
    // Two chunks of 1.2 MB each, over RivetKit's 1 MiB: such a message would close every reader's link.
    assert.equal((await ada.run("/firehose 2 1200000"))?.stopReason, "end_turn");
    assert.equal((await ada.run("/echo after"))?.stopReason, "end_turn");
    const last = await settled([ada], ada.conn);
    assert.deepEqual(ada.errors, [], "no link closed");
    const stored: SessionEvent[] = [];
    for (let after = 0; ; ) {
      const page = await ada.conn.getHistoryDeflated({ after });
      stored.push(...(JSON.parse(inflateRawSync(page.eventsDeflated).toString()) as SessionEvent[]));
      if (page.nextAfter === undefined) break;
      after = page.nextAfter;
    }
    assert.deepEqual(stored.map((event) => event.eventIndex), Array.from({ length: last }, (_, i) => i + 1), "the history holds every event");
    const huge = stored.filter((event) => JSON.stringify(event).length > 1_000_000).map((event) => event.eventIndex);
    assert.equal(huge.length, 2);
    // (The session's first events went out before Ada's link subscribed.)
    const live = new Set(ada.indices());
    const first = Math.min(...live);
    assert.deepEqual(stored.map((event) => event.eventIndex).filter((index) => index > first && !live.has(index)), huge, "only those two were not broadcast");
    await ada.conn.dispose();
  });

  it("resolves a permission for everyone when one person answers; a second answer learns who won", async () => {
    const ada = await join(c, "w-perm", "Ada");
    const grace = await join(c, "w-perm", "Grace");
    const turn = ada.run("/permission");
    const pending = async (who: Client) => (await who.conn.getSessionInfo()).pendingPermissions.map((p) => p.permissionId);
    await until(async () => (await pending(ada)).length === 1 && (await pending(grace)).length === 1, "both are told of the request");
    const [permissionId] = await pending(ada);
    assert.deepEqual(await pending(grace), [permissionId], "the same request, for both");
    const answer = await grace.conn.respondPermission({ permissionId, reply: "reject" });
    assert.equal(answer?.by?.userName, "Grace");
    await assert.rejects(ada.conn.respondPermission({ permissionId, reply: "once" }), (error: any) => error.code === "permission-answered" && /Grace already answered/.test(error.message));
    assert.deepEqual([await pending(ada), await pending(grace)], [[], []], "resolved for both");
    assert.equal((await turn)?.stopReason, "end_turn", "a rejected permission ends the turn");
    const page = await ada.conn.getHistory({ after: 0 });
    const stored = page.permissions.find((p) => p.permissionId === permissionId);
    assert.equal(stored?.by?.userName, "Grace", "the answer is stored");
    assert.equal(stored?.reply, "reject");
    assert.deepEqual(JSON.parse(JSON.stringify(answer)), stored, "as it was answered");
    for (const who of [ada, grace]) {
      arrivedOf(who.of("permission.requested").map((request) => request.permissionId), [permissionId], "permission.requested");
      arrivedOf(who.of("permission.resolved"), [stored], "permission.resolved");
    }
    await ada.conn.dispose();
    await grace.conn.dispose();
  });

  it("answers a permission with the agent's own option, by its id, and says which option was chosen", async () => {
    const ada = await join(c, "w-option", "Ada");
    const turn = ada.run("/permission");
    let request: SessionInfo["pendingPermissions"][number] | undefined;
    await until(async () => !!(request = (await ada.conn.getSessionInfo()).pendingPermissions[0]), "the request is pending");
    const offered = request!.options;
    assert.ok(offered.length >= 2, "the agent offers its options");
    await assert.rejects(
      ada.conn.respondPermission({ permissionId: request!.permissionId, optionId: "no-such-option" }),
      (error: any) => error.code === "invalid-argument" && offered.every((option) => error.message.includes(option.name)),
    );
    const chosen = offered.find((option) => option.kind === "allow_always") ?? offered[0];
    const answer = await ada.conn.respondPermission({ permissionId: request!.permissionId, optionId: chosen.optionId });
    assert.deepEqual([answer.optionId, answer.optionName, answer.kind, answer.reply], [chosen.optionId, chosen.name, chosen.kind, chosen.kind === "allow_always" ? "always" : "once"]);
    assert.equal((await turn)?.stopReason, "end_turn");
    const stored = (await ada.conn.getHistory({ after: 0 })).permissions.find((p) => p.permissionId === request!.permissionId);
    assert.equal(stored?.optionName, chosen.name, "the chosen option is stored with its name");
    await ada.conn.dispose();
  });

  it("stops a turn for whoever presses Stop, says who in the log, and goes on in the same agent session", async () => {
    const ada = await join(c, "w-stop", "Ada");
    const grace = await join(c, "w-stop", "Grace");
    const turn = ada.run("/slow 200");
    await until(async () => (await history(ada.conn)).some((e: any) => e.payload?.params?.update?.sessionUpdate === "agent_message_chunk"), "the answer streams");
    assert.deepEqual(await grace.conn.cancel(), { cancelled: true });
    assert.equal((await turn)?.stopReason, "cancelled");
    assert.equal((await ada.run("/echo again"))?.stopReason, "end_turn");
    const stored = await history(ada.conn);
    const cancels = stored.filter((e: any) => e.payload?.method === "session/cancel");
    assert.equal(cancels.length, 1, "one session/cancel in the log");
    assert.deepEqual((cancels[0].payload as any).params._meta["sandbox-workspace"].user, { id: "u-grace", name: "Grace" }, "the log says who stopped the turn");
    const results = stored.filter((e: any) => typeof e.payload?.result?.stopReason === "string").map((e: any) => e.payload.result.stopReason);
    assert.deepEqual(results, ["cancelled", "end_turn"]);
    // The agent session went on: the SDK did not start a new one and replay the history into it.
    assert.equal(stored.filter((e: any) => e.payload?.method === "session/new").length, 1, "one agent session");
    const texts = stored.filter((e: any) => e.payload?.method === "session/prompt").map((e: any) => e.payload.params.prompt.map((b: any) => b.text).join(""));
    assert.deepEqual(texts, ["/slow 200", "/echo again"], "no history replayed into the second prompt");
    await assert.rejects(grace.conn.cancel(), /No turn is running/);
    await ada.conn.dispose();
    await grace.conn.dispose();
  });

  it("runs queued prompts one at a time, in the order they reached the workspace", async () => {
    const ada = await join(c, "w-queue", "Ada");
    const grace = await join(c, "w-queue", "Grace");
    const results = await Promise.all([ada.run("/long 40 first"), grace.run("/long 40 second"), ada.run("/long 40 third")]);
    assert.deepEqual(results.map((r) => r?.stopReason), ["end_turn", "end_turn", "end_turn"]);
    const stored = await history(ada.conn);
    const prompts = promptsIn(stored);
    // Calls sent at the same instant may reach the actor in any order; arrival order is the queue's order.
    const arrived = prompts.map((p) => p.text);
    assert.deepEqual([...arrived].sort(), ["/long 40 first", "/long 40 second", "/long 40 third"]);
    assert.deepEqual(prompts.map((p) => p.user?.name), arrived.map((text) => (text.includes("second") ? "Grace" : "Ada")), "each ran as the one who sent it");
    for (const { promptId } of prompts) assert.deepEqual(await grace.conn.getTurn({ promptId }), { promptId, state: "ended", stopReason: "end_turn" });
    arrivedOf(ada.of("turn").map(turnOf), turnsOf(prompts), "turns run in arrival order, one at a time");
    arrivedOf(ada.of("chat.user").map((m) => m.text), arrived, "chat.user");
    // Never interleaved: each prompt's response comes before the next prompt is sent.
    const marks = stored.filter((e: any) => e.payload.method === "session/prompt" || (e.sender === "agent" && e.payload.result?.stopReason)).map((e: any) => (e.payload.method ? "prompt" : "end"));
    assert.deepEqual(marks, ["prompt", "end", "prompt", "end", "prompt", "end"]);
    await ada.conn.dispose();
    await grace.conn.dispose();
  });

  it("answers a prompt once queued, runs a prompt id once, and tells its outcome to whoever asks", async () => {
    const ada = await join(c, "w-turns", "Ada");
    const grace = await join(c, "w-turns", "Grace");
    const ID = "p-ada-once-0001";
    assert.equal(await ada.conn.getTurn({ promptId: "p-never-sent" }), null);
    const accepted = await ada.conn.prompt({ text: "/long 200 once", promptId: ID });
    assert.deepEqual(accepted, { promptId: ID, ahead: 0 }, "answered at once, before the turn ends");
    assert.notEqual((await grace.conn.getTurn({ promptId: ID }))?.state, "ended");
    // Sent again (a client that cannot tell whether it arrived): not run twice, whoever sends it.
    await ada.conn.prompt({ text: "/long 200 once", promptId: ID });
    await grace.conn.prompt({ text: "/long 200 once", promptId: ID });
    await until(async () => (await grace.conn.getTurn({ promptId: ID }))?.state === "ended", "Grace, asking, learns the turn ended", 30_000);
    assert.deepEqual(await grace.conn.getTurn({ promptId: ID }), { promptId: ID, state: "ended", stopReason: "end_turn" });
    const ran = promptsIn(await history(ada.conn));
    assert.deepEqual(ran.map((p) => [p.text, p.promptId, p.user?.name]), [["/long 200 once", ID, "Ada"]], "one prompt ran, Ada's");
    arrivedOf(ada.of("chat.user").map((m) => m.text), ["/long 200 once"], "chat.user: one prompt ran");
    arrivedOf(grace.of("turn").map(turnOf), [`running:${ID}:Ada`, `ended:${ID}:Ada`], "turn");
    // A failed turn ends with its error, for getTurn too, whoever asks.
    let failure: { code?: string; message?: string } = {};
    await assert.rejects(ada.run("/error"), (error: any) => ((failure = error), error.code === "prompt-failed"));
    const failed = promptsIn(await history(ada.conn)).find((p) => p.text === "/error")!;
    const outcome = { promptId: failed.promptId, state: "ended", stopReason: "error", error: { code: failure.code, message: failure.message } };
    assert.deepEqual(await ada.conn.getTurn({ promptId: failed.promptId }), outcome);
    assert.deepEqual(await grace.conn.getTurn({ promptId: failed.promptId }), outcome);
    arrivedOf(grace.of("turn").map(turnOf), [`running:${ID}:Ada`, `ended:${ID}:Ada`, `running:${failed.promptId}:Ada`, `ended:${failed.promptId}:Ada`], "turn");
    for (const turn of grace.of("turn").filter((t) => t.promptId === failed.promptId && t.state === "ended")) {
      assert.deepEqual({ stopReason: turn.stopReason, error: turn.error }, { stopReason: outcome.stopReason, error: outcome.error }, "the broadcast end says the same");
    }
    await ada.conn.dispose();
    await grace.conn.dispose();
  });

  it("keeps its clients' links through a turn longer than the gateway's 30 s acknowledgement window", async () => {
    const ada = await join(c, "w-long-turn", "Ada");
    const drops: string[] = [];
    ada.conn.onStatusChange((status: string) => status !== "connected" && drops.push(status));
    // 50 chunks a second apart: before prompts answered once queued, the link was cut at 30–45 s.
    const started = Date.now();
    assert.equal((await ada.run("/firehose 50 20 1000"))?.stopReason, "end_turn");
    assert.ok(Date.now() - started > 45_000, "the turn ran past the window");
    assert.deepEqual(drops, [], "the link never dropped");
    assert.deepEqual(ada.errors, []);
    await ada.conn.dispose();
  });

  it("keeps history when the actor sleeps and wakes, and when the registry restarts", async () => {
    const ada = await join(c, "w-sleep", "Ada");
    await ada.run("/long 50");
    const before = await history(ada.conn);
    await ada.conn.dispose();
    await new Promise((resolve) => setTimeout(resolve, 4000)); // past the 1.5 s sleep timeout
    const woken = await join(c, "w-sleep", "Ada");
    assert.deepEqual((await history(woken.conn)).map((e) => e.id), before.map((e) => e.id), "same events after sleeping");
    await woken.conn.dispose();

    stack.registry = await stack.registry.restart();
    const c2 = client(stack.registry.endpoint);
    try {
      const again = await join(c2, "w-sleep", "Ada");
      assert.deepEqual((await history(again.conn)).map((e) => e.id), before.map((e) => e.id), "same events after a restart");
      await again.run("/long 20");
      const after = await history(again.conn);
      assert.ok(contiguous(after.map((e) => e.eventIndex)), "indices continue without gaps after the restart");
      assert.ok(after.length > before.length);
      await again.conn.dispose();
    } finally {
      await c2.dispose();
      c = client(stack.registry.endpoint);
    }
  });

  it("after a crash mid-stream, gives no index a client held to another event, and says which it lost", async () => {
    const ada = await join(c, "w-crash", "Ada");
    const interrupted = ada.run("/firehose 3000 0 2").then(
      () => "resolved",
      (error: { code?: string }) => error.code,
    );
    await until(() => ada.indices().length > 400, "the stream is under way", 30_000);
    // The host dies at once: whatever it sent but had not written yet is gone from storage.
    await stack.registry.kill();
    const held = new Map(ada.of("session.event").map((event) => [event.eventIndex, event.id]));
    stack.registry = await stack.registry.restart();
    const c2 = client(stack.registry.endpoint);
    try {
      const again = await join(c2, "w-crash", "Ada");
      const page = await again.conn.getHistory({ after: 0, limit: 1 });
      // The client that sent the interrupted prompt hears so once its link is back, and stops waiting.
      const timeout = new Promise((resolve) => setTimeout(() => resolve("still waiting after 30 s"), 30_000));
      assert.equal(await Promise.race([interrupted, timeout]), "connection-lost");
      await again.run("/long 20 after the crash");
      const stored = await history(again.conn);
      const storedIds = new Map(stored.map((event) => [event.eventIndex, event.id]));
      const lost = (index: number) => page.lost.some((range) => index > range.after && index <= range.through);
      // Each index the client held is stored under the same event, or declared lost: never reused.
      const reused = [...held].filter(([index, id]) => storedIds.has(index) && storedIds.get(index) !== id);
      const unaccounted = [...held.keys()].filter((index) => !storedIds.has(index) && !lost(index));
      assert.deepEqual({ reused: reused.length, unaccounted: unaccounted.length }, { reused: 0, unaccounted: 0 });
      const after = stored.filter((event) => event.createdAt > Math.max(...page.lost.map((range) => range.at), 0));
      assert.ok(after.length > 0, "the prompt after the crash stored its events");
      for (const range of page.lost) {
        assert.ok(after.every((event) => event.eventIndex > range.through), "new events are numbered after the lost range");
        assert.ok(stored.every((event) => !lost(event.eventIndex)), "nothing is stored inside a lost range");
      }
      // The stored indices have no gaps but the lost ranges.
      const indices = stored.map((event) => event.eventIndex);
      assert.ok(indices.every((index, i) => i === 0 || index === indices[i - 1] + 1 || lost(indices[i - 1] + 1)), "no gaps but the lost ranges");
      await again.conn.dispose();
    } finally {
      await c2.dispose();
      c = client(stack.registry.endpoint);
    }
  });
});

describe("failures are explicit, and the workspace recovers", { timeout: 240_000 }, () => {
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

  it("goes on when the daemon falls silent for a few seconds mid-turn (busy, not dead)", async () => {
    const ada = await join(c, "w-busy", "Ada");
    await ada.run("/long 5 warm-up");
    const before = (await ada.conn.getSessionInfo()).lastEventIndex;
    const stopAnswering = answering(ada.conn, "once");
    const turn = ada.run("/slow 50");
    await until(async () => (await ada.conn.getSessionInfo()).lastEventIndex > before + 10, "the turn is under way");
    // The daemon and its agent stop answering for 4 s, as on a machine too busy to schedule them.
    stack.daemon.kill("SIGSTOP");
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    stack.daemon.kill("SIGCONT");
    assert.equal((await turn)?.stopReason, "end_turn", "the turn ends as it would have");
    await stopAnswering();
    assert.deepEqual(ada.of("error"), [], "no error was told");
    await ada.conn.dispose();
  });

  it("says so when the daemon dies mid-turn, and the next prompt after it restarts works", async () => {
    const ada = await join(c, "w-daemon", "Ada");
    await ada.run("/long 5 warm-up");
    const before = (await ada.conn.getSessionInfo()).lastEventIndex;
    const turn = ada.run("/slow 50");
    await until(async () => (await ada.conn.getSessionInfo()).lastEventIndex > before + 10, "the turn is under way");
    const { port, dataDir } = stack.daemon;
    stack.daemon.kill("SIGKILL");
    await assert.rejects(turn, (error: any) => error.code === "sandbox-unreachable" && /cannot be reached/.test(error.message));
    // Everyone can learn why: the turn's outcome says so to whoever asks, and the broadcasts that arrived agree.
    const prompts = promptsIn(await history(ada.conn));
    const slow = prompts.find((p) => p.text === "/slow 50")!;
    const outcome = await ada.conn.getTurn({ promptId: slow.promptId });
    assert.deepEqual([outcome?.state, outcome?.stopReason, outcome?.error?.code], ["ended", "error", "sandbox-unreachable"]);
    assert.equal((await ada.conn.getSessionInfo()).running, false, "the turn is over");
    arrivedOf(ada.of("turn").map(turnOf), turnsOf(prompts), "turn");
    for (const error of ada.of("error")) assert.equal(error.code, "sandbox-unreachable", error.message);
    await assert.rejects(ada.run("while it is down"), (error: any) => error.code === "sandbox-unreachable");

    const { startDaemon } = await import("../../../demo/daemon.js");
    stack.daemon = await startDaemon({ port, dataDir, env: { DEMO_AGENT_DELAY_MS: "1" } });
    const result = await ada.run("/long 10 after the restart");
    assert.equal(result?.stopReason, "end_turn");
    const stored = await history(ada.conn);
    assert.ok(contiguous(stored.map((e) => e.eventIndex)), "one history, no gaps, across the daemon restart");
    await ada.conn.dispose();
  });

  it("says so when the agent process exits mid-turn, and the next prompt starts it again", async () => {
    const ada = await join(c, "w-exit", "Ada");
    await assert.rejects(ada.run("/exit"), (error: any) => error.code === "agent-exited" && /agent process exited/.test(error.message));
    // Everyone can learn why: the turn's outcome says so to whoever asks, and the broadcasts that arrived agree.
    const [exit] = promptsIn(await history(ada.conn));
    const outcome = await ada.conn.getTurn({ promptId: exit.promptId });
    assert.deepEqual([outcome?.state, outcome?.stopReason, outcome?.error?.code], ["ended", "error", "agent-exited"]);
    for (const error of ada.of("error")) assert.equal(error.code, "agent-exited", error.message);
    const result = await ada.run("/long 10 again");
    assert.equal(result?.stopReason, "end_turn");
    await ada.conn.dispose();
  });

  it("passes on a prompt the agent rejects, with its message", async () => {
    const ada = await join(c, "w-error", "Ada");
    await assert.rejects(ada.run("/error"), (error: any) => error.code === "prompt-failed" && /overloaded/.test(error.message));
    assert.equal((await ada.run("/long 5"))?.stopReason, "end_turn", "the session still works");
    await ada.conn.dispose();
  });

  it("refuses prompts that are empty or too large", async () => {
    const ada = await join(c, "w-limits", "Ada");
    await assert.rejects(ada.run("   "), (error: any) => error.code === "invalid-argument");
    await assert.rejects(ada.run("x".repeat(40_000)), (error: any) => error.code === "prompt-too-large");
    // A prompt id it could not answer under is refused, not swapped for another the client never hears of.
    await assert.rejects(ada.conn.prompt({ text: "/long 5", promptId: "not ok!" }), (error: any) => error.code === "invalid-argument");
    await ada.conn.dispose();
  });
});

describe("access and secrets", { timeout: 240_000 }, () => {
  const SANDBOX_TOKEN = "sandbox-secret-7f3a9c";
  let stack: Stack;
  let c: WorkspaceClient;

  before(async () => {
    stack = await startStack({ daemon: { token: SANDBOX_TOKEN }, registryEnv: { WORKSPACE_TOKEN: "let-me-in" } });
    c = client(stack.registry.endpoint);
  });
  after(async () => {
    await c?.dispose();
    await stack?.close();
  });

  it("refuses a connection that authorize rejects", async () => {
    const mallory = await join(c, "w-secret", "Mallory", { token: "wrong" });
    await until(() => mallory.errors.length > 0, "an error reaches the client");
    assert.equal(mallory.errors[0].code, "unauthorized");
    assert.equal(mallory.conn.isConnected, false);
    await mallory.conn.dispose();
  });

  it("takes identity from the connection, not from action arguments", async () => {
    const ada = await join(c, "w-ident", "Ada", { token: "let-me-in" });
    const claimingGrace = { prompt: (input: { text: string }) => ada.conn.prompt({ ...input, userId: "u-grace" } as typeof input), getTurn: (input: { promptId: string }) => ada.conn.getTurn(input), getSessionInfo: () => ada.conn.getSessionInfo(), on: ada.conn.on.bind(ada.conn) };
    await runPrompt(claimingGrace, "/long 5");
    assert.deepEqual(promptsIn(await history(ada.conn)).map((p) => p.user?.id), ["u-ada"]);
    arrivedOf(ada.of("chat.user").map((m) => m.userId), ["u-ada"], "chat.user");
    await ada.conn.dispose();
  });

  it("never sends the sandbox token or URL to a client", async () => {
    const ada = await join(c, "w-secret", "Ada", { token: "let-me-in" });
    const stopAnswering = answering(ada.conn, "once");
    const results: unknown[] = [];
    results.push(await ada.run("Fix the flaky test"));
    await stopAnswering();
    results.push(await ada.conn.getSessionInfo());
    results.push(await history(ada.conn));
    results.push(await ada.conn.getHistory({ after: 0 }));
    await ada.run("/error").catch((error: Error) => results.push(error.message));
    const everything = JSON.stringify([results, ada.seen]);
    assert.ok(everything.length > 10_000, "a real amount of traffic was checked");
    assert.ok(!everything.includes(SANDBOX_TOKEN), "the token never leaves the actor");
    assert.ok(!everything.includes(stack.daemon.url), "the sandbox URL never leaves the actor");
    assert.ok(!everything.includes(`:${stack.daemon.port}`), "not even its port");
    await ada.conn.dispose();
  });
});
