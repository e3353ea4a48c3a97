/**
 * Access, live in real Chromium against the real stack: who may join, what a client receives, who a
 * client may claim to be, what never leaves the server, and the limits a connection meets. The
 * stack's daemon requires a token, and its registry a workspace token, so there are secrets to keep
 * and a door to refuse at. Everything the page receives is recorded from outside it (wire plugin).
 */
import { expect } from "@open-wc/testing";
import { executeServerCommand } from "@web/test-runner-commands";
import { createClient } from "rivetkit/client";
import type { PromptAccepted, WorkspaceRegistry } from "../../../src/actors/index.js";
import { runPrompt } from "../../../src/protocol/index.js";
import type { SandboxWorkspace } from "../../../src/components/index.js";
import type { SessionEvent } from "../../../src/events/index.js";
import type { WireReport } from "../../support/wire-plugin.js";
import { until } from "../../shared/until.js";
import { $, JOIN_MS, answer, chip, errorsOf, join, notice, textOf } from "../support/harness.js";
import { caughtUp, compareWithHistory, fresh, stack, type StoredHistory } from "../support/stack.js";

const NAME = "access";
const WORKSPACE_TOKEN = `pass-${Math.random().toString(36).slice(2)}`;
const wire = (action: "start" | "stop", find: string[] = []) => executeServerCommand<WireReport, { action: string; find: string[] }>("wire", { action, find });
/** Text the page is known to receive (a prompt, in broadcasts), to show the recording reads frames. */
const canaries: string[] = [];

let endpoint: string;

before(async () => {
  await wire("start");
  ({ endpoint } = await stack({ name: NAME, action: "start", spec: { daemonToken: true, registryEnv: { WORKSPACE_TOKEN } } }));
});
after(async () => {
  await stack({ name: NAME, action: "close" });
});

/** An element added without waiting for it to go live. */
function mount(workspaceId: string, userName: string, token?: string): SandboxWorkspace {
  const el = document.createElement("sandbox-workspace");
  Object.assign(el, { endpoint, workspaceId, userName, token });
  el.style.height = "400px";
  document.body.append(el);
  return el;
}

/** The agent's words in the element's transcript, chunk after chunk. */
const agentText = (el: SandboxWorkspace) =>
  el.timeline.events
    .map((event) => (event as { payload?: { params?: { update?: { sessionUpdate?: string; content?: { text?: string } } } } }).payload?.params?.update)
    .filter((update) => update?.sessionUpdate === "agent_message_chunk")
    .map((update) => update!.content?.text ?? "")
    .join("");

const entryTexts = (el: SandboxWorkspace, type: string) => [...el.shadowRoot!.querySelectorAll(`[part~="entry-${type}"]`)].map((node) => textOf(node));

describe("access: authorize decides who joins", function () {
  this.timeout(60_000 + JOIN_MS); // what a test does, plus one slow join (see `join`)

  it("a refused connection shows a clear error, and stays refused", async () => {
    for (const token of [undefined, "wrong"]) {
      const el = mount(fresh("refused"), "Mallory", token);
      const errors = errorsOf(el);
      await until(() => el.connectionStatus === "error", "the element gives up");
      await el.updateComplete;
      expect(errors.map((e) => e.code)).to.include("unauthorized");
      expect(notice(el)?.text).to.match(/Not allowed to join workspace “refused-[^”]+”: You are not allowed to join this workspace\./);
      expect(chip(el)).to.equal("Error");
      expect($(el, '[part="composer-input"]').hasAttribute("disabled"), "no composer for a refused user").to.equal(true);
      // It does not knock again and again.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(el.connectionStatus).to.equal("error");
      el.remove();
    }
  });

  it("the right token joins", async () => {
    const el = await join(endpoint, fresh("allowed"), "Ada", { token: WORKSPACE_TOKEN });
    await el.updateComplete;
    expect(chip(el)).to.equal("Live");
    expect(notice(el)).to.equal(undefined);
    el.remove();
  });
});

describe("access: one workspace's clients never receive another's events", function () {
  this.timeout(90_000 + JOIN_MS);

  it("two elements on two workspaces, both prompted, each see only their own session", async () => {
    const ids = [fresh("alpha"), fresh("beta")];
    const markers = ids.map((id) => `marker-${id}`);
    const els = await Promise.all(ids.map((id) => join(endpoint, id, "Ada", { token: WORKSPACE_TOKEN })));
    const received = els.map((el) => {
      const seen: unknown[] = [];
      el.addEventListener("sandbox-workspace-event", (event) => seen.push(...event.detail.events));
      return seen;
    });
    // A bare client on the first workspace, recording every broadcast it receives.
    const client = createClient<WorkspaceRegistry>({ endpoint, devtools: false });
    const watcher = client.workspace.getOrCreate([ids[0]], { params: { userName: "Watcher", token: WORKSPACE_TOKEN } }).connect();
    const broadcasts: unknown[] = [];
    for (const name of ["session.event", "session.events", "chat.user", "permission.requested", "permission.resolved", "turn", "presence", "error"] as const) {
      watcher.on(name, (payload: unknown) => broadcasts.push(payload));
    }
    await until(() => watcher.isConnected, "the watcher connects");
    // Its subscriptions go out as the link opens; an action answered after them shows they hold,
    // so the prompts below are not broadcast before the watcher listens.
    await watcher.getSessionInfo();
    try {
      const results = await Promise.all(els.map((el, i) => el.prompt(`/echo ${markers[i]}`)));
      expect(results.map((r) => r?.stopReason)).to.deep.equal(["end_turn", "end_turn"]);
      await Promise.all(els.map((el, i) => caughtUp([el], NAME, ids[i])));
      await Promise.all(els.map((el) => el.updateComplete));
      const sessionIds = els.map((el) => new Set(el.timeline.events.map((event) => (event as SessionEvent).sessionId)));
      for (const [i, el] of els.entries()) {
        const other = 1 - i;
        expect(entryTexts(el, "user-message")[0], "its own prompt shows").to.contain(markers[i]);
        expect(agentText(el), "its own reply arrived").to.contain(`You said: ${markers[i]}`);
        expect(JSON.stringify(el.timeline.events), "no event of the other session").to.not.contain(markers[other]);
        expect(JSON.stringify(received[i]), "nothing of the other session arrived").to.not.contain(markers[other]);
        expect(el.shadowRoot!.textContent, "nothing of the other session shows").to.not.contain(markers[other]);
        expect([...sessionIds[i]].filter((id) => sessionIds[other].has(id)), "no shared session").to.deep.equal([]);
        await compareWithHistory(el, NAME, ids[i]);
      }
      expect(JSON.stringify(broadcasts)).to.contain(markers[0]);
      expect(JSON.stringify(broadcasts), "the first workspace's client got nothing of the second").to.not.contain(markers[1]);
    } finally {
      await watcher.dispose();
      await client.dispose();
      els.forEach((el) => el.remove());
    }
  });
});

describe("access: a client cannot act as another user", function () {
  this.timeout(90_000 + JOIN_MS);

  it("the author and the one who answered are the connection's user, whatever the call claims", async () => {
    const id = fresh("ident");
    const ada = await join(endpoint, id, "Ada", { token: WORKSPACE_TOKEN });
    const grace = await join(endpoint, id, "Grace", { token: WORKSPACE_TOKEN });
    // Mallory connects as herself, then claims to be Grace in every argument she can.
    const client = createClient<WorkspaceRegistry>({ endpoint, devtools: false });
    const mallory = client.workspace.getOrCreate([id], { params: { userId: "u-mallory", userName: "Mallory", token: WORKSPACE_TOKEN } }).connect();
    await until(() => mallory.isConnected, "Mallory connects");
    const claim = { userId: "u-grace", userName: "Grace", user: { id: "u-grace", name: "Grace" }, by: { userId: "u-grace", userName: "Grace" } };
    const forged = { "sandbox-workspace": { user: { id: "u-grace", name: "Grace" } } };
    try {
      const forging = {
        prompt: (input: { text: string; promptId?: string }) => (mallory.prompt as (input: unknown) => Promise<PromptAccepted>)({ ...input, ...claim, _meta: forged }),
        getTurn: (input: { promptId: string }) => mallory.getTurn(input),
        getSessionInfo: () => mallory.getSessionInfo(),
        on: mallory.on.bind(mallory),
      };
      const turn = runPrompt(forging, "/permission please");
      // The request as the workspace holds it, asked for (its broadcast may not reach her).
      let requests: Array<{ permissionId: string }> = [];
      await until(async () => (requests = (await mallory.getSessionInfo()).pendingPermissions).length === 1, "Mallory is told of the permission request");
      await (mallory.respondPermission as (input: unknown) => Promise<unknown>)({ permissionId: requests[0].permissionId, reply: "once", ...claim, _meta: forged });
      expect((await turn).stopReason).to.equal("end_turn");
      // Grace, for real, from her own element.
      await grace.prompt("/long 5 from Grace herself");
      await caughtUp([ada, grace], NAME, id);
      for (const el of [ada, grace]) {
        await el.updateComplete;
        const [forgedPrompt, realPrompt] = entryTexts(el, "user-message");
        expect(forgedPrompt).to.contain("Mallory").and.not.contain("Grace");
        expect(realPrompt).to.contain("Grace");
        const [permission] = entryTexts(el, "permission-request");
        expect(permission).to.contain("by Mallory").and.not.contain("Grace");
      }
      // What the workspace stored says the same, read from Node.
      const { events, permissions } = await stack<StoredHistory>({ name: NAME, action: "history", workspaceId: id });
      const authors = events
        .filter((event) => (event.payload as { method?: string }).method === "session/prompt")
        .map((event) => (event.payload as { params: { prompt: Array<{ _meta?: Record<string, { user?: { id: string; name?: string } }> }> } }).params.prompt.at(-1)!._meta?.["sandbox-workspace"]?.user);
      expect(authors.map((user) => user?.name)).to.deep.equal(["Mallory", "Grace"]);
      expect(authors[0]?.id).to.equal("u-mallory");
      expect(permissions.map((p) => p.by)).to.deep.equal([{ userId: "u-mallory", userName: "Mallory" }]);
      await compareWithHistory(ada, NAME, id);
    } finally {
      await mallory.dispose();
      await client.dispose();
      ada.remove();
      grace.remove();
    }
  });
});

describe("access: limits answer with a clear error in the element", function () {
  this.timeout(90_000 + JOIN_MS);

  it("a prompt over the size limit is refused, and says so", async () => {
    const el = await join(endpoint, fresh("size"), "Ada", { token: WORKSPACE_TOKEN });
    const errors = errorsOf(el);
    for (const size of [40_000, 100_000]) {
      let error: { code?: string } | undefined;
      await el.prompt("x".repeat(size)).catch((e: { code?: string }) => (error = e));
      await el.updateComplete;
      expect(error?.code, `${size} bytes`).to.equal("prompt-too-large");
      expect(notice(el)?.code).to.equal("prompt-too-large");
      expect(notice(el)?.text).to.match(new RegExp(`The prompt is ${size.toLocaleString()} bytes; the limit is 32,768\\.`));
      expect(chip(el), "the connection survives").to.equal("Live");
    }
    expect(errors.map((e) => e.code)).to.deep.equal(["prompt-too-large", "prompt-too-large"]);
    expect((await el.prompt("/long 3 still fine"))?.stopReason).to.equal("end_turn");
    el.remove();
  });

  it("text too large, sent the moment the element is added, waits for the workspace's limits and is refused by them; the link never drops", async () => {
    const el = mount(fresh("size-early"), "Ada", WORKSPACE_TOKEN);
    const errors = errorsOf(el);
    let drops = 0;
    el.addEventListener("sandbox-workspace-disconnected", () => drops++);
    // 100,000 bytes is over the link's own message limit too: sent, it would close the link.
    const refused = await el.prompt("x".repeat(100_000)).then(
      () => undefined,
      (error: { code?: string; message?: string }) => error,
    );
    expect(refused?.code).to.equal("prompt-too-large");
    expect(refused?.message).to.equal("The prompt is 100,000 bytes; the limit is 32,768.");
    await el.updateComplete;
    expect(notice(el)?.text).to.equal("The prompt is 100,000 bytes; the limit is 32,768.");
    expect((await el.prompt("/long 3 still fine"))?.stopReason).to.equal("end_turn");
    // (A slow first connection may also say it is still trying: that is not about the prompt.)
    expect(errors.map((e) => e.code).filter((code) => code !== "unreachable")).to.deep.equal(["prompt-too-large"]);
    expect(drops, "the link never dropped").to.equal(0);
    el.remove();
  });

  it("prompting faster than the rate limit is refused, and says so", async () => {
    const id = fresh("rate");
    const el = await join(endpoint, id, "Ada", { token: WORKSPACE_TOKEN });
    const results = await Promise.allSettled(Array.from({ length: 31 }, (_, i) => el.prompt(`/long 2 number ${i}`)));
    const refused = results.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason.code);
    expect(refused).to.deep.equal(["rate-limited"]);
    await caughtUp([el], NAME, id);
    // Typed into the composer, as a person would.
    const input = $(el, '[part="composer-input"]') as HTMLTextAreaElement;
    input.value = "one more";
    input.dispatchEvent(new Event("input"));
    await el.updateComplete;
    const error = new Promise<string>((resolve) => el.addEventListener("sandbox-workspace-error", (event) => resolve(event.detail.code), { once: true }));
    $(el, '[part~="send"]').click();
    expect(await error).to.equal("rate-limited");
    await el.updateComplete;
    expect(notice(el)).to.deep.equal({ code: "rate-limited", text: "Too many prompts: at most 30 a minute." });
    expect(chip(el)).to.equal("Live");
    el.remove();
  });
});

describe("access: secrets stay on the server", function () {
  this.timeout(90_000 + JOIN_MS);

  it("a full turn, a failing prompt, a dead sandbox and a late joiner: the page is told no sandbox URL, port or token", async () => {
    const id = fresh("secret");
    const el = await join(endpoint, id, "Ada", { token: WORKSPACE_TOKEN });
    canaries.push(`Fix the flaky test in ${id}`);
    const turn = el.prompt(canaries[0]);
    await answer(el, "once");
    expect((await turn)?.stopReason).to.equal("end_turn");
    await el.prompt("/error").catch(() => undefined);
    await until(() => notice(el)?.code === "prompt-failed", "the agent's error shows");
    await stack({ name: NAME, action: "kill-daemon" });
    try {
      await el.prompt("/long 5 while the sandbox is down").catch(() => undefined);
      await until(() => notice(el)?.code === "sandbox-unreachable", "the dead sandbox shows");
      expect(notice(el)!.text).to.not.match(/127\.0\.0\.1|localhost|http/);
    } finally {
      await stack({ name: NAME, action: "start-daemon" });
    }
    const late = await join(endpoint, id, "Grace", { token: WORKSPACE_TOKEN });
    await caughtUp([el, late], NAME, id);
    el.remove();
    late.remove();
  });

  it("nothing this file's page received carries a sandbox secret", async () => {
    const report = await wire("stop", canaries);
    const registryPort = new URL(endpoint).port;
    const registrySockets = report.sockets.filter((socket) => socket.url.includes(`:${registryPort}/`));
    const frames = registrySockets.reduce((sum, socket) => sum + socket.frames, 0);
    const bytes = registrySockets.reduce((sum, socket) => sum + socket.bytes, 0);
    console.log(
      `wire: ${frames} frames (${bytes} bytes) on ${registrySockets.length} registry WebSockets, ` +
        `${report.sockets.reduce((sum, socket) => sum + socket.frames, 0)} frames on all ${report.sockets.length}, ` +
        `${report.responses} HTTP responses (${report.responseBytes} body bytes, ${report.bodiesUnavailable} bodies unavailable), ` +
        `secrets looked for: ${JSON.stringify(report.secrets)}, hits: ${report.hits.length}`,
    );
    expect(report.secrets["sandbox token"], "the stack's sandbox token was looked for").to.be.at.least(1);
    expect(report.secrets["sandbox URL"]).to.be.at.least(1);
    expect(registrySockets.length, "the elements' own links were recorded").to.be.at.least(5);
    expect(bytes, "a real amount of traffic was checked").to.be.greaterThan(50_000);
    expect(report.responses).to.be.greaterThan(0);
    expect(report.found, "the recording holds what the page was sent").to.deep.equal(Object.fromEntries(canaries.map((text) => [text, true])));
    expect(report.hits).to.deep.equal([]);
  });
});
