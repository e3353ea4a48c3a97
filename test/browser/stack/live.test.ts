/**
 * The element live, in real Chromium, against the real stack: sandbox-agent daemon + demo agent +
 * workspace registry on RivetKit's engine (started by the test runner's stack plugin).
 */
import { expect, oneEvent } from "@open-wc/testing";
import type { SandboxWorkspace, SandboxWorkspaceErrorEvent } from "../../../src/components/index.js";
import type { SessionEvent } from "../../../src/events/index.js";
import { until } from "../../shared/until.js";
import { $, $$, JOIN_MS, answer, entries, join, presence, textOf } from "../support/harness.js";
import { caughtUp, fresh, stack } from "../support/stack.js";

const indices = (el: SandboxWorkspace) => el.timeline.events.map((event) => (event as SessionEvent).eventIndex);
const settled = (els: SandboxWorkspace[]) => els.every((el) => !el.timeline.summary.running && el.timeline.contiguousIndex === el.timeline.lastIndex);

/** Mocha's default 30 s for what a test does, plus one slow join (see `join`). */
const TEST_MS = JOIN_MS + 30_000;

describe("live: the element joins its workspace", function () {
  this.timeout(TEST_MS);
  let endpoint: string;
  before(async () => {
    ({ endpoint } = await stack({ action: "start" }));
  });

  it("renders a full turn, typed in its composer, with every entry type a turn has", async () => {
    const el = await join(endpoint, fresh("turn"), "Ada");
    const input = el.shadowRoot!.querySelector<HTMLTextAreaElement>('[part="composer-input"]')!;
    input.value = "Fix the flaky test";
    input.dispatchEvent(new Event("input"));
    await el.updateComplete;
    const prompted = oneEvent(el, "sandbox-workspace-prompt");
    $(el, '[part~="send"]').click();
    expect((await prompted).detail.text).to.equal("Fix the flaky test");
    await answer(el, "once");
    // The agent's last usage_update lands just after its prompt result: wait for it too.
    await el.updateComplete;
    await until(() => settled([el]) && entries(el, "turn-end").length === 1 && entries(el, "usage").length > 0, "the turn ends, its usage after it", 30_000);
    await el.updateComplete;
    for (const type of ["user-message", "agent-thought", "agent-message", "tool-call", "plan", "usage", "session-info", "available-commands", "current-mode", "config-options", "permission-request", "turn-end"]) {
      expect(entries(el, type), type).to.not.be.empty;
    }
    expect(textOf(entries(el, "user-message")[0])).to.contain("Ada");
    expect(entries(el, "permission-request")[0].dataset.status).to.equal("allowed");
    expect(textOf($(el, '[part="connection"]'))).to.equal("Live");
    expect(indices(el)).to.deep.equal(Array.from({ length: el.timeline.lastIndex }, (_, i) => i + 1), "every event, once, in order");
  });

  it("keeps two elements on one workspace identical; a permission answered in one resolves in both", async () => {
    const id = fresh("two");
    const ada = await join(endpoint, id, "Ada");
    const grace = await join(endpoint, id, "Grace");
    await until(() => presence(ada).includes("Grace"), "Ada sees Grace");
    const turn = ada.prompt("Fix the flaky test");
    // The buttons are the agent's own options, as it named and ordered them.
    await until(() => $$(grace, '[part~="permission-button"]').length > 0, "Grace's answer buttons appear");
    const offered = [...grace.timeline.entries].find((e) => e.type === "permission-request");
    const names = offered?.type === "permission-request" ? offered.options.map((option) => option.name) : [];
    expect(names, "the request's options, from the log").to.not.be.empty;
    expect($$(grace, '[part~="permission-button"]').map((button) => textOf(button))).to.deep.equal(names);
    const rejectName = textOf($(grace, '[part~="permission-reject"]'));
    await answer(grace, "reject");
    expect((await turn)?.stopReason).to.equal("end_turn");
    // A turn's last events can trail its answer: wait until both hold everything the workspace has.
    await caughtUp([ada, grace], "shared", id, 20_000); // "shared": the stack these tests run on
    await ada.updateComplete;
    await grace.updateComplete;
    expect(indices(ada)).to.deep.equal(indices(grace));
    expect([...ada.timeline.entries].map((e) => e.id)).to.deep.equal([...grace.timeline.entries].map((e) => e.id));
    for (const el of [ada, grace]) {
      const [permission] = entries(el, "permission-request");
      expect(permission.dataset.status).to.equal("rejected");
      expect(textOf(permission)).to.contain(`Rejected: ${rejectName}, by Grace`);
    }
  });

  it("answers a later turn's permission request that reuses an earlier turn's tool call id", async () => {
    const id = fresh("reuse");
    const ada = await join(endpoint, id, "Ada");
    const grace = await join(endpoint, id, "Grace");
    // The ACP SDK's own example agent reuses its ids; the demo agent does when given one.
    const first = ada.prompt("/permission call_1");
    await answer(grace, "once");
    expect((await first)?.stopReason).to.equal("end_turn");
    const second = ada.prompt("/permission call_1");
    await until(() => entries(grace, "permission-request").length === 2, "the second request is shown");
    // Both elements can answer it; Grace does.
    await until(() => $$(ada, '[part~="permission-reject"]').length === 1, "Ada's answer buttons appear");
    await answer(grace, "reject");
    expect((await second)?.stopReason).to.equal("end_turn");
    await caughtUp([ada, grace], "shared", id, 20_000);
    for (const el of [ada, grace]) {
      await el.updateComplete;
      const [earlier, later] = entries(el, "permission-request");
      expect(earlier.dataset.status, "the first request keeps its answer").to.equal("allowed");
      expect(later.dataset.status).to.equal("rejected");
      expect(textOf(later)).to.contain(", by Grace");
      expect(entries(el, "tool-call").length, "each turn's call is an entry of its own").to.equal(2);
    }
  });

  it("Stop, pressed by Grace, reads as \"Stopped by Grace\" on the turn it ended, for everyone", async () => {
    const id = fresh("stop");
    const ada = await join(endpoint, id, "Ada");
    const grace = await join(endpoint, id, "Grace");
    const turn = ada.prompt("/slow 200");
    await until(() => entries(grace, "agent-message").length > 0 && $$(grace, '[part~="stop"]').length === 1, "the answer streams and Grace can stop it");
    $(grace, '[part~="stop"]').click();
    expect((await turn)?.stopReason).to.equal("cancelled");
    await caughtUp([ada, grace], "shared", id, 20_000);
    for (const el of [ada, grace]) {
      await el.updateComplete;
      expect(textOf(entries(el, "user-message")[0])).to.contain("Stopped by Grace");
      expect(textOf(entries(el, "turn-end")[0].querySelector('[part="entry-summary"]')!)).to.contain("Stopped by Grace");
      expect(entries(el, "unknown"), "no unknown entry for session/cancel").to.be.empty;
      expect(entries(el, "tool-call").filter((tool) => tool.dataset.status === "in_progress" || tool.dataset.status === "pending"), "nothing of the turn still runs").to.be.empty;
    }
  });

  it("switches workspaces cleanly when workspace-id changes, and leaves when removed", async () => {
    const first = fresh("first");
    const ada = await join(endpoint, first, "Ada");
    const grace = await join(endpoint, first, "Grace");
    await ada.prompt("/long 10 in the first workspace");
    await until(() => settled([ada]) && ada.timeline.size > 0, "the first workspace has a turn");
    ada.workspaceId = fresh("second");
    await until(() => ada.connectionStatus === "live" && ada.timeline.size === 0, "Ada is live in an empty workspace");
    await until(() => !presence(grace).includes("Ada"), "Grace sees Ada leave the first workspace");
    const left = oneEvent(grace, "sandbox-workspace-disconnected");
    grace.remove();
    expect((await left).detail.workspaceId).to.equal(first);
  });

  it("opens a long session newest page first, then fills in everything before it, at the newest end", async () => {
    const id = fresh("long");
    for (const turn of [1, 2, 3]) await stack({ action: "prompt", workspaceId: id, text: `/long 400 turn ${turn}` });
    // The prompt answers before the stream's last events are stored: open the session once it is whole.
    type Info = { lastEventIndex: number };
    let stored = -1;
    for (let info = await stack({ action: "info", workspaceId: id }) as unknown as Info; info.lastEventIndex !== stored; ) {
      stored = info.lastEventIndex;
      await new Promise((resolve) => setTimeout(resolve, 300));
      info = (await stack({ action: "info", workspaceId: id })) as unknown as Info;
    }
    const el = document.createElement("sandbox-workspace");
    const arrivals: number[][] = [];
    el.addEventListener("sandbox-workspace-event", (event) => arrivals.push(event.detail.events.map((e) => (e as SessionEvent).eventIndex)));
    Object.assign(el, { endpoint, workspaceId: id, userName: "Ada" });
    el.style.height = "500px";
    document.body.append(el);
    await until(() => el.timeline.lastIndex > 1200 && el.timeline.contiguousIndex === el.timeline.lastIndex, "the whole history is in");
    expect(arrivals[0][0]).to.be.greaterThan(500, "the newest page came first");
    expect(indices(el)).to.deep.equal(Array.from({ length: el.timeline.lastIndex }, (_, i) => i + 1));
    expect(el.timeline.refolds).to.equal(1, "older pages were slotted in at once");
    await el.updateComplete;
    await new Promise((resolve) => requestAnimationFrame(resolve));
    await el.updateComplete;
    // The reader is at the newest end, following it, and what is in view is rendered markdown.
    const list = el.shadowRoot!.querySelector<HTMLElement>('[part="timeline"]')!;
    expect(list.scrollTop + list.clientHeight).to.be.closeTo(list.scrollHeight, 48);
    expect(el.shadowRoot!.querySelector('[part="jump-latest"]'), "no “new entries” prompt").to.not.exist;
    const answers = entries(el, "agent-message");
    expect(answers, [...el.timeline.entries].map((e) => e.type).join(" ")).to.have.length(3);
    expect(answers[2].querySelector(".markdown.plain"), "the newest answer").to.not.exist;
    expect(answers[2].querySelector("h2")).to.exist;
    // While the reader follows, idle time renders the text above as markdown too.
    await until(() => !el.shadowRoot!.querySelector(".markdown.plain"), "the plain text above is rendered in idle time");
    expect(answers[0].querySelector("h2")).to.exist;
    el.remove();
  });

  it("carries large events whole, live and from the history, and one too large for any message", async () => {
    const id = fresh("large");
    const ada = await join(endpoint, id, "Ada");
    // 120 chunks of 10,000 characters (1.2 MB): 100 of them in one message would outgrow RivetKit's 1 MiB.
    expect((await ada.prompt("/firehose 120 10000"))?.stopReason).to.equal("end_turn");
    // One chunk of 1.1 MB: no message carries it; Ada's element reads it from the history.
    expect((await ada.prompt("/firehose 1 1100000"))?.stopReason).to.equal("end_turn");
    // Grace joins after: all of it comes from the history.
    const grace = await join(endpoint, id, "Grace");
    const stored = async () => ((await stack({ action: "info", workspaceId: id })) as unknown as { lastEventIndex: number }).lastEventIndex;
    let last = 0;
    await until(async () => (last = await stored()) > 125 && [ada, grace].every((el) => settled([el]) && el.timeline.lastIndex === last), "both hold every stored event", 20_000, 200);
    for (const el of [ada, grace]) {
      expect(indices(el), "every event, once, in order").to.deep.equal(Array.from({ length: last }, (_, i) => i + 1));
      const answers = [...el.timeline.entries].filter((entry) => entry.type === "agent-message") as unknown as Array<{ parts: Array<{ text?: string }> }>;
      expect(answers.map((message) => message.parts.map((part) => part.text ?? "").join("").length), "the answers, whole").to.deep.equal([120 * 10_000, 1_100_000]);
      expect(el.connectionStatus).to.equal("live");
    }
    ada.remove();
    grace.remove();
  });

  it("joined mid-stream, reports each event to the host once, though history and live broadcasts overlap", async () => {
    const id = fresh("overlap");
    const ada = await join(endpoint, id, "Ada");
    const turn = ada.prompt("/firehose 1500 0 2");
    await until(() => ada.timeline.lastIndex > 300, "the stream is under way");
    const grace = document.createElement("sandbox-workspace");
    const reported: number[] = [];
    grace.addEventListener("sandbox-workspace-event", (event) => reported.push(...event.detail.events.map((e) => (e as SessionEvent).eventIndex)));
    Object.assign(grace, { endpoint, workspaceId: id, userName: "Grace" });
    grace.style.height = "400px";
    document.body.append(grace);
    await turn;
    await until(() => settled([ada, grace]) && grace.timeline.lastIndex === ada.timeline.lastIndex, "both have the whole turn");
    const twice = reported.filter((index, i) => reported.indexOf(index) !== i);
    expect(twice, "reported twice").to.deep.equal([]);
    expect([...reported].sort((a, b) => a - b)).to.deep.equal(indices(grace));
    expect(indices(grace)).to.deep.equal(indices(ada));
    grace.remove();
  });

  it("says so when the endpoint does not answer", async () => {
    const el = document.createElement("sandbox-workspace");
    el.endpoint = "http://127.0.0.1:9";
    el.workspaceId = fresh("nowhere");
    const error = oneEvent(el, "sandbox-workspace-error") as Promise<SandboxWorkspaceErrorEvent>;
    document.body.append(el);
    const { detail } = await error;
    expect(detail.code).to.equal("unreachable");
    await el.updateComplete;
    expect(textOf($(el, '[part="notice"]'))).to.contain("http://127.0.0.1:9");
    expect($(el, '[part="composer-input"]').hasAttribute("disabled")).to.be.true;
    el.remove();
  });
});

describe("live: reconnecting loses nothing", function () {
  this.timeout(TEST_MS);
  it("fills what it missed while the registry was down, with no duplicates", async () => {
    const { endpoint } = await stack({ name: "restart", action: "start" });
    const id = fresh("restart");
    const el = await join(endpoint, id, "Ada");
    await el.prompt("/long 30 before");
    await until(() => settled([el]), "the first turn is in");
    const before = el.timeline.lastIndex;

    await stack({ name: "restart", action: "stop-registry" });
    await until(() => el.connectionStatus !== "live", "the element notices");
    await stack({ name: "restart", action: "start-registry" });
    // Someone else prompts before this element is back.
    await stack({ name: "restart", action: "prompt", workspaceId: id, text: "/long 40 while you were away" });

    await until(() => el.connectionStatus === "live", "the element reconnects", 30_000);
    await until(() => settled([el]) && el.timeline.lastIndex > before + 40, "it caught up");
    await el.updateComplete;
    expect(indices(el)).to.deep.equal(Array.from({ length: el.timeline.lastIndex }, (_, i) => i + 1), "nothing lost, nothing twice");
    expect(entries(el, "user-message").map((entry) => textOf(entry.querySelector('[part="entry-title"]')!))).to.deep.equal(["/long 30 before", "/long 40 while you were away"]);
  });
});
