/**
 * Failover, live in real Chromium against a cluster: a standalone Rivet Engine, two runners and one
 * daemon (the stack plugin's `cluster` stack). Two people's elements on one workspace live through,
 * in turn, the SIGKILL of the runner hosting it while a turn streams, the SIGTERM of its runner (a
 * deploy) while a turn streams, and an engine restart. After each, without a reload, both elements
 * are live again (the time is printed: `failover: …`), the turn that died shows as over for both, the
 * author's prompt settles, and each transcript equals the history the workspace stored (read from
 * Node): nothing stored is missing, nothing twice, and what was shown but never stored is taken back
 * and said (`events-lost`) inside the `lost` range storage reports.
 */
import { expect } from "@open-wc/testing";
import type { SandboxWorkspace, SandboxWorkspaceErrorDetail } from "../../../src/components/index.js";
import type { SessionEvent, UserMessageEntry } from "../../../src/events/index.js";
import { until } from "../../shared/until.js";
import { $, $$, JOIN_MS, errorsOf, notice, textOf } from "../support/harness.js";
import { caughtUp, compareWithHistory, fresh, inLost, stack, type StoredHistory } from "../support/stack.js";

const NAME = "failover";
/** A generous bound on a recovery (the README's cluster section has the measured times). */
const RECOVERY_MS = 40_000;
/** 3000 chunks, one every 2 ms: a turn of 6 s or more, at a pace that does not depend on the machine. */
const STREAM = "/firehose 3000 20 2";

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs a prompt through the element, keeping its outcome (and when it came) for later. */
function send(el: SandboxWorkspace, text: string) {
  const outcome: { result?: { stopReason: string }; error?: { code?: string; message: string }; done: boolean; at?: number } = { done: false };
  el.prompt(text).then(
    (result) => Object.assign(outcome, { result, done: true, at: Date.now() }),
    (error: { code?: string; message: string }) => Object.assign(outcome, { error: { code: error.code, message: error.message }, done: true, at: Date.now() }),
  );
  return outcome;
}

/** When the element's link dropped and came back, as a host page hears it. */
function statusesOf(el: SandboxWorkspace): Array<[string, number]> {
  const seen: Array<[string, number]> = [];
  el.addEventListener("sandbox-workspace-disconnected", () => seen.push(["disconnected", Date.now()]));
  el.addEventListener("sandbox-workspace-connected", () => seen.push(["connected", Date.now()]));
  return seen;
}

/** How the link went from `since` on: "stayed live" or "dropped at 12.3 s, back at 14.0 s". */
function linkStory(statuses: Array<[string, number]>, since: number): string {
  const after = statuses.filter(([, at]) => at >= since);
  if (after.length === 0) return "its link stayed live";
  return after.map(([what, at]) => `${what === "disconnected" ? "dropped" : "back"} at ${seconds(at - since)}`).join(", ");
}

/** The element is live and shows no turn running: it can be used again. */
const usable = (el: SandboxWorkspace) => el.connectionStatus === "live" && !el.timeline.summary.running;

/** The prompt entry of the turn that ran last. */
function lastPrompt(el: SandboxWorkspace): UserMessageEntry | undefined {
  return [...el.timeline.entries].filter((entry): entry is UserMessageEntry => entry.type === "user-message" && entry.source === "prompt").at(-1);
}

/**
 * An element joined to `workspaceId`, live. Not a fixture: open-wc removes fixtures after each test,
 * and these live through every case (removed in `after`).
 */
async function keep(endpoint: string, workspaceId: string, userName: string): Promise<SandboxWorkspace> {
  const el = document.createElement("sandbox-workspace");
  el.setAttribute("endpoint", endpoint);
  el.setAttribute("workspace-id", workspaceId);
  el.setAttribute("user-name", userName);
  el.style.height = "500px";
  document.body.append(el);
  await until(() => el.connectionStatus === "live", () => `${userName} is live on ${workspaceId} (${el.connectionStatus}: ${JSON.stringify(notices(el))})`, JOIN_MS);
  return el;
}

/** Every notice above the transcript: code and text. */
const notices = (el: SandboxWorkspace) => $$(el, '[part="notice"]').map((node) => ({ code: node.dataset.code, text: textOf(node) }));

/** Waits for `check`, returning the ms from `since` at which it held. */
async function timeUntil(check: () => boolean, what: string, since: number, ms = RECOVERY_MS): Promise<number> {
  await until(check, what, ms, 50);
  return Date.now() - since;
}

/**
 * Every event the element reports from now on (`sandbox-workspace-event`), id by index: what it was
 * shown, including what arrives after its host died (a page busy with a stream reads its socket late).
 */
function heldBy(el: SandboxWorkspace): Map<number, string> {
  const held = new Map<number, string>();
  el.addEventListener("sandbox-workspace-event", (event) => {
    for (const raw of event.detail.events) held.set((raw as SessionEvent).eventIndex, (raw as SessionEvent).id);
  });
  return held;
}

const span = ({ after, through }: { after: number; through: number }) => [after, through];

const figures: string[] = [];

describe("failover on a cluster: two elements live through a runner crash, a deploy and an engine restart", function () {
  this.timeout(120_000 + 2 * JOIN_MS);
  let endpoint: string;
  const id = fresh("failover");
  let ada: SandboxWorkspace;
  let grace: SandboxWorkspace;
  let adaErrors: SandboxWorkspaceErrorDetail[];
  let graceErrors: SandboxWorkspaceErrorDetail[];
  let adaStatuses: Array<[string, number]>;
  let graceStatuses: Array<[string, number]>;

  before(async () => {
    const started = Date.now();
    ({ endpoint } = await stack({ name: NAME, action: "start", spec: { cluster: true } }));
    figures.push(`cluster (engine, two runners, daemon) up in ${seconds(Date.now() - started)}`);
    ada = await keep(endpoint, id, "Ada");
    grace = await keep(endpoint, id, "Grace");
    adaErrors = errorsOf(ada);
    graceErrors = errorsOf(grace);
    adaStatuses = statusesOf(ada);
    graceStatuses = statusesOf(grace);
    expect((await ada.prompt("/long 20 before the faults"))?.stopReason).to.equal("end_turn");
    await caughtUp([ada, grace], NAME, id);
  });
  after(async () => {
    ada?.remove();
    grace?.remove();
    await stack({ name: NAME, action: "close" });
  });

  it("a runner SIGKILLed mid-turn: both elements are live again, the turn shows as interrupted, the prompt settles, nothing stored is missing or twice", async () => {
    const before = await stack<StoredHistory>({ name: NAME, action: "history", workspaceId: id });
    const storedAt = (await stack<{ lastEventIndex: number }>({ name: NAME, action: "info", workspaceId: id })).lastEventIndex;
    const held = [heldBy(ada), heldBy(grace)];
    const turn = send(ada, STREAM);
    await until(() => [ada, grace].every((el) => el.timeline.summary.running && el.timeline.lastIndex > storedAt + 200), "the turn streams to both", 30_000);
    // Long enough for a first write of the turn's events behind the stream (within 0.5 s).
    await sleep(800);
    expect((await stack<{ running: boolean }>({ name: NAME, action: "info", workspaceId: id })).running, "the turn still runs when the runner dies").to.equal(true);
    const killedAt = Date.now();
    const { runner } = await stack<{ runner: string }>({ name: NAME, action: "kill-runner", workspaceId: id });
    expect(turn.done, "the prompt waits for the workspace to say what became of it").to.equal(false);

    const [adaMs, graceMs] = await Promise.all([
      timeUntil(() => turn.done && usable(ada), "Ada's element is live with the interrupted turn settled", killedAt),
      timeUntil(() => usable(grace), "Grace's element is live with the interrupted turn shown as over", killedAt),
    ]);
    figures.push(
      `runner SIGKILL mid-turn (${runner}): Ada's element live again, turn settled, after ${seconds(adaMs)} (${linkStory(adaStatuses, killedAt)}); Grace's after ${seconds(graceMs)} (${linkStory(graceStatuses, killedAt)}); Ada's prompt settled after ${seconds(turn.at! - killedAt)}`,
    );
    expect(Math.max(adaMs, graceMs)).to.be.below(RECOVERY_MS);

    // The author's prompt settles, and says so; nobody is shown the turn as running.
    expect(turn.error?.code, `the prompt settled with ${JSON.stringify(turn)}`).to.equal("connection-lost");
    expect(adaErrors.map((e) => e.code)).to.include("connection-lost");
    await ada.updateComplete;
    const lostNotice = notices(ada).find((shown) => shown.code === "connection-lost");
    expect(lostNotice?.text, `Ada's notices: ${JSON.stringify(notices(ada))}`).to.match(/Send it again/);
    expect($$(ada, '[part="resend"]').length, `Ada is offered to send it again (${ada.connectionStatus}; ${JSON.stringify(notices(ada))})`).to.equal(1);
    for (const el of [ada, grace]) {
      await el.updateComplete;
      expect(textOf($(el, '[part="turn-status"]')), "the header").to.equal("Idle · last turn interrupted");
      expect($$(el, '[part="stop"]'), "no Stop button for a turn that is gone").to.deep.equal([]);
      expect(lastPrompt(el)?.stopReason, "the prompt's entry").to.equal("interrupted");
    }

    // Every event stored is shown once; what was shown but never stored is in a lost range, taken back and said.
    await caughtUp([ada, grace], NAME, id);
    for (const el of [ada, grace]) await compareWithHistory(el, NAME, id);
    const after = await stack<StoredHistory>({ name: NAME, action: "history", workspaceId: id });
    expect(after.lost.length, `the crash is reported as a lost range: ${JSON.stringify(after.lost)}`).to.be.above(before.lost.length);
    const stored = new Map(after.events.map((event) => [event.eventIndex, event.id]));
    for (const [i, errors] of [adaErrors, graceErrors].entries()) {
      const who = i === 0 ? "Ada" : "Grace";
      expect([...held[i]].filter(([index, eventId]) => stored.has(index) && stored.get(index) !== eventId), `${who}: indices given to other events`).to.deep.equal([]);
      const takenBack = [...held[i].keys()].filter((index) => !stored.has(index));
      expect(takenBack.filter((index) => !inLost(after.lost, index)), `${who}: held events neither stored nor declared lost`).to.deep.equal([]);
      const said = errors.filter((e) => e.code === "events-lost");
      if (takenBack.length > 0) expect(said.map((e) => e.message).join(" "), `${who}: the element says how many it took back`).to.contain(`${takenBack.length.toLocaleString()} event`);
      else expect(said, `${who}: nothing taken back, nothing said`).to.deep.equal([]);
      figures.push(`  ${who} was shown ${held[i].size} events of the turn; ${takenBack.length} never stored, taken back (lost ranges ${JSON.stringify(after.lost.map(span))})`);
    }
  });

  it("the author's element offers to send the prompt again, and sends the same text as a new turn", async () => {
    await ada.updateComplete;
    await grace.updateComplete;
    expect($$(grace, '[part="resend"]'), "only the author is offered it").to.deep.equal([]);
    const resend = $(ada, '[part="resend"]');
    expect(textOf(resend)).to.equal("Send again");
    await expect(ada).to.be.accessible({ ignoredRules: ["landmark-no-duplicate-banner"] });
    const prompts = [...ada.timeline.entries].filter((entry) => entry.type === "user-message").length;
    resend.click();
    await until(() => notice(ada) === undefined, () => `the notices go once the prompt is sent again: ${JSON.stringify(notices(ada))}`);
    await until(() => [...ada.timeline.entries].filter((entry) => entry.type === "user-message").length > prompts, "the prompt runs again", 30_000);
    await caughtUp([ada, grace], NAME, id, 60_000);
    for (const el of [ada, grace]) {
      const again = lastPrompt(el)!;
      expect(JSON.stringify(again.parts), "the same text").to.contain(STREAM);
      expect(again.stopReason).to.equal("end_turn");
      await compareWithHistory(el, NAME, id);
    }
  });

  it("a runner SIGTERMed mid-turn (a deploy): both elements stay or get live, the turn is over for both, no event lost", async () => {
    await stack({ name: NAME, action: "start-runner" });
    const before = await stack<StoredHistory>({ name: NAME, action: "history", workspaceId: id });
    const storedAt = (await stack<{ lastEventIndex: number }>({ name: NAME, action: "info", workspaceId: id })).lastEventIndex;
    const lostSaid = adaErrors.filter((e) => e.code === "events-lost").length + graceErrors.filter((e) => e.code === "events-lost").length;
    const turn = send(ada, STREAM);
    await until(() => [ada, grace].every((el) => el.timeline.summary.running && el.timeline.lastIndex > storedAt + 200), "the turn streams to both", 30_000);
    const stoppedAt = Date.now();
    const stopping = stack<{ runner: string; exitedMs: number }>({ name: NAME, action: "term-runner", workspaceId: id });
    const [adaMs, graceMs] = await Promise.all([
      timeUntil(() => turn.done && usable(ada), "Ada's element is live with the turn settled", stoppedAt),
      timeUntil(() => usable(grace), "Grace's element is live with the turn shown as over", stoppedAt),
    ]);
    const { runner, exitedMs } = await stopping;
    figures.push(
      `runner SIGTERM mid-turn (${runner}, exited after ${seconds(exitedMs)}): Ada's element live, turn settled (${turn.result ? `ended: ${turn.result.stopReason}` : turn.error?.code}), after ${seconds(adaMs)} (${linkStory(adaStatuses, stoppedAt)}); Grace's after ${seconds(graceMs)} (${linkStory(graceStatuses, stoppedAt)})`,
    );
    expect(Math.max(adaMs, graceMs)).to.be.below(RECOVERY_MS);
    // The turn finished first, or ended with the stopping workspace saying so, and its author is offered to send it again.
    if (turn.error) {
      expect(turn.error.code, JSON.stringify(turn.error)).to.equal("connection-lost");
      await ada.updateComplete;
      expect($$(ada, '[part="resend"]').length, `Ada is offered to send it again (${JSON.stringify(notices(ada))})`).to.equal(1);
    } else expect(turn.result?.stopReason).to.equal("end_turn");
    for (const el of [ada, grace]) {
      await el.updateComplete;
      expect(textOf($(el, '[part="turn-status"]'))).to.not.contain("Running");
    }
    await caughtUp([ada, grace], NAME, id);
    for (const el of [ada, grace]) await compareWithHistory(el, NAME, id);
    const after = await stack<StoredHistory>({ name: NAME, action: "history", workspaceId: id });
    expect(after.lost.map(span), "no lost range added").to.deep.equal(before.lost.map(span));
    expect(adaErrors.filter((e) => e.code === "events-lost").length + graceErrors.filter((e) => e.code === "events-lost").length, "nothing taken back").to.equal(lostSaid);
    expect(after.events.slice(0, before.events.length).map((e) => e.id), "every event stored before is still there").to.deep.equal(before.events.map((e) => e.id));
    expect((await ada.prompt("/long 20 after the deploy"))?.stopReason).to.equal("end_turn");
  });

  it("the engine restarts: both elements start over by themselves and lose nothing stored", async () => {
    await caughtUp([ada, grace], NAME, id);
    const before = await stack<StoredHistory>({ name: NAME, action: "history", workspaceId: id });
    const restartedAt = Date.now();
    const { healthyMs } = await stack<{ healthyMs: number }>({ name: NAME, action: "restart-engine" });
    // Back once its link came back after the restart (RivetKit gives up on it; the element starts over).
    const backAfterRestart = (statuses: Array<[string, number]>, el: SandboxWorkspace) => () =>
      statuses.some(([what, at]) => what === "disconnected" && at >= restartedAt) && el.connectionStatus === "live";
    const [adaMs, graceMs] = await Promise.all([
      timeUntil(backAfterRestart(adaStatuses, ada), "Ada's element is live again after the engine restart", restartedAt),
      timeUntil(backAfterRestart(graceStatuses, grace), "Grace's element is live again after the engine restart", restartedAt),
    ]);
    const result = await ada.prompt("/long 20 after the engine restart");
    const turnMs = Date.now() - restartedAt;
    figures.push(
      `engine restart (healthy again after ${seconds(healthyMs)}): Ada's element live again after ${seconds(adaMs)} (${linkStory(adaStatuses, restartedAt)}), Grace's after ${seconds(graceMs)}; a new turn ended ${seconds(turnMs)} after the restart began`,
    );
    expect(result?.stopReason).to.equal("end_turn");
    await caughtUp([ada, grace], NAME, id);
    for (const el of [ada, grace]) await compareWithHistory(el, NAME, id);
    const after = await stack<StoredHistory>({ name: NAME, action: "history", workspaceId: id });
    expect(after.events.slice(0, before.events.length).map((e) => e.id), "every event stored before is still there").to.deep.equal(before.events.map((e) => e.id));
    expect(after.lost.slice(0, before.lost.length).map(span), "the lost ranges it had").to.deep.equal(before.lost.map(span));
  });
});

after(() => {
  for (const line of figures) console.log(`failover: ${line}`);
});
