/**
 * Faults, live in real Chromium against the real stack: the daemon dies mid-turn, the agent process
 * exits or is killed mid-turn, the registry restarts or crashes mid-stream, the actor sleeps and
 * wakes, a client's link drops for 5 s during a stream. After each, the element says what happened,
 * recovers without a reload, and its transcript equals the history the workspace stored (read
 * independently from Node): the same event indices and ids, nothing lost, nothing twice.
 */
import { expect } from "@open-wc/testing";
import type { SandboxWorkspace } from "../../../src/components/index.js";
import type { SessionEvent } from "../../../src/events/index.js";
import { until } from "../../shared/until.js";
import { $, $$, JOIN_MS, chip, errorsOf, join, notice, textOf } from "./harness.js";
import { caughtUp, compareWithHistory, fresh, inLost, stack, tally, type Comparison, type StoredHistory } from "./stack.js";
import type { StackSpec } from "../../support/stack-plugin.js";

/**
 * The fault suite against the topology `topology` names: one registry process (faults.test.ts) or
 * a standalone engine with two runners (faults-cluster.test.ts). The registry-process restart and
 * crash cases are that topology's own; a cluster's runner crash, deploy and engine restart are
 * failover.test.ts's.
 */
export function faultsSuite(prefix: string, topology: Pick<StackSpec, "cluster">): void {
  /** `takenBack`: events the element held when the host crashed that storage never got (and it dropped, saying so). */
  const totals: Comparison & { faults: number; takenBack: number } = { faults: 0, checked: 0, lost: 0, duplicated: 0, extra: 0, takenBack: 0 };

  /** Runs a prompt through the element, keeping its outcome for later. */
  function send(el: SandboxWorkspace, text: string) {
    const outcome: { result?: { stopReason: string }; error?: { code?: string; message: string }; done: boolean } = { done: false };
    el.prompt(text).then(
      (result) => Object.assign(outcome, { result, done: true }),
      (error: { code?: string; message: string }) => Object.assign(outcome, { error: { code: error.code, message: error.message }, done: true }),
    );
    return outcome;
  }

  /** A later prompt, from the same element, runs a whole turn. */
  async function recovers(el: SandboxWorkspace, text: string, stackName: string, workspaceId: string): Promise<void> {
    const result = await el.prompt(text);
    expect(result?.stopReason, "a later prompt works").to.equal("end_turn");
    await caughtUp([el], stackName, workspaceId);
    await el.updateComplete;
    expect(notice(el), `no notice once it works again: ${JSON.stringify(notice(el))}`).to.equal(undefined);
    expect(chip(el)).to.equal("Live");
  }

  async function check(el: SandboxWorkspace, stackName: string, workspaceId: string): Promise<void> {
    await caughtUp([el], stackName, workspaceId);
    tally(totals, await compareWithHistory(el, stackName, workspaceId));
  }

  describe(`${prefix}: the element says what happened, recovers, and loses nothing`, function () {
    // What a test does, plus one slow join (see `join`).
    this.timeout(120_000 + JOIN_MS);
    const NAME = prefix;
    let endpoint: string;

    before(async () => {
      // Paced agent (a /long chunk every ~5 ms), and a link proxy between the page and the registry (or engine).
      ({ endpoint } = await stack({ name: NAME, action: "start", spec: { ...topology, daemonEnv: { DEMO_AGENT_DELAY_MS: "20" }, proxy: true } }));
    });
    after(async () => {
      await stack({ name: NAME, action: "close" });
    });

    it("the daemon dies mid-turn, and comes back on the same URL", async () => {
      const id = fresh("daemon");
      const el = await join(endpoint, id, "Ada");
      const errors = errorsOf(el);
      await el.prompt("/long 10 warm-up");
      const turn = send(el, "/long 3000 across a daemon crash");
      await until(() => el.timeline.summary.running && el.timeline.lastIndex > 80, "the turn is streaming");
      await stack({ name: NAME, action: "kill-daemon" });
      totals.faults++;
      try {
        await until(() => turn.done, "the turn fails", 30_000);
        expect(turn.error?.code).to.equal("sandbox-unreachable");
        await until(() => notice(el)?.code === "sandbox-unreachable", "the element shows why");
        expect(notice(el)!.text).to.match(/daemon cannot be reached/);
        expect(errors.map((e) => e.code)).to.include("sandbox-unreachable");
        expect(chip(el), "the link to the workspace itself is fine").to.equal("Live");
        await until(() => !el.timeline.summary.running, "the turn shows as ended");
        await el.updateComplete;
        expect(textOf($(el, '[part="turn-status"]'))).to.not.contain("Running");
      } finally {
        // Same port and data: the registry's sandbox URL is right again.
        await stack({ name: NAME, action: "start-daemon" });
      }
      await recovers(el, "/long 20 after the daemon restart", NAME, id);
      await check(el, NAME, id);
    });

    it("the agent process exits mid-turn (/exit)", async () => {
      const id = fresh("exit");
      const el = await join(endpoint, id, "Ada");
      const errors = errorsOf(el);
      const turn = send(el, "/exit");
      totals.faults++;
      await until(() => turn.done, "the turn fails", 30_000);
      expect(turn.error?.code).to.equal("agent-exited");
      await until(() => notice(el)?.code === "agent-exited", "the element shows why");
      expect(notice(el)!.text).to.match(/agent process exited/);
      expect(errors.map((e) => e.code)).to.include("agent-exited");
      await recovers(el, "/long 20 after the agent exited", NAME, id);
      await check(el, NAME, id);
    });

    it("the agent process is killed (SIGKILL) mid-turn", async () => {
      const id = fresh("sigkill");
      const el = await join(endpoint, id, "Ada");
      const errors = errorsOf(el);
      const turn = send(el, "/long 3000 until the agent is killed");
      await until(() => el.timeline.summary.running && el.timeline.lastIndex > 80, "the turn is streaming");
      const { killed } = await stack<{ killed: number }>({ name: NAME, action: "kill-agent" });
      expect(killed, "the agent process was found and killed").to.be.greaterThan(0);
      totals.faults++;
      await until(() => turn.done, "the turn fails", 30_000);
      expect(turn.error?.code).to.equal("agent-exited");
      await until(() => notice(el)?.code === "agent-exited", "the element shows why");
      expect(errors.map((e) => e.code)).to.include("agent-exited");
      await recovers(el, "/long 20 after the agent was killed", NAME, id);
      await check(el, NAME, id);
    });

    // The one registry process restarting or crashing; on a cluster, its runners and engine do (failover.test.ts).
    if (!topology.cluster) {
      it("the registry restarts mid-stream", async () => {
        const id = fresh("registry");
        const el = await join(endpoint, id, "Ada");
        const errors = errorsOf(el);
        const statuses: string[] = [];
        el.addEventListener("sandbox-workspace-disconnected", () => statuses.push("disconnected"));
        el.addEventListener("sandbox-workspace-connected", () => statuses.push("connected"));
        const turn = send(el, "/long 1500 across a registry restart");
        await until(() => el.timeline.summary.running && el.timeline.lastIndex > 80, "the turn is streaming");
        const restarted = stack({ name: NAME, action: "restart-registry" });
        totals.faults++;
        await until(() => el.connectionStatus === "reconnecting", "the element notices the registry went away");
        await el.updateComplete;
        expect(chip(el)).to.equal("Reconnecting…");
        await restarted;
        await until(() => el.connectionStatus === "live", "the element is back", 30_000);
        expect(statuses).to.deep.equal(["disconnected", "connected"]);
        await until(() => turn.done, "the interrupted prompt settles", 30_000);
        // Either the stopping workspace said so (its turn ended as it stopped), or, had that word not
        // gone out in time, the element found out once back (the restarted workspace does not know it).
        expect(turn.error, `the interrupted prompt does not claim success: ${JSON.stringify(turn)}`).to.not.equal(undefined);
        expect(["prompt-failed", "connection-lost"]).to.include(turn.error!.code);
        expect(turn.error!.message).to.match(/workspace (stopped|restarted) while this prompt/);
        expect(errors.map((e) => e.code), "the element said why the prompt ended").to.include(turn.error!.code);
        // The turn died with the registry: the element must not go on showing it as running.
        await until(() => !el.timeline.summary.running, "the interrupted turn shows as ended");
        await el.updateComplete;
        expect(textOf($(el, '[part="turn-status"]'))).to.equal("Idle · last turn interrupted");
        expect($$(el, '[part="stop"]'), "no Stop button for a turn that is gone").to.deep.equal([]);
        await recovers(el, "/long 20 after the registry restart", NAME, id);
        await check(el, NAME, id);
      });

      it("the registry crashes (SIGKILL) mid-stream, and is started again", async () => {
        const id = fresh("crash");
        const el = await join(endpoint, id, "Ada");
        const errors = errorsOf(el);
        // At full speed, so that the host dies with events sent but not yet written.
        const turn = send(el, "/firehose 20000");
        await until(() => el.timeline.summary.running && el.timeline.lastIndex > 300, "the stream is under way");
        // The host process dies at once: nothing flushed, nothing said. RivetKit's engine runs on.
        await stack({ name: NAME, action: "kill-registry" });
        totals.faults++;
        // What the element held when the host died; events already in flight to it count as held too.
        await new Promise((resolve) => setTimeout(resolve, 200));
        const held = new Map(el.timeline.events.map((event) => [(event as SessionEvent).eventIndex, (event as SessionEvent).id]));
        // The engine keeps the page's socket open; the element's own check finds the workspace gone.
        await until(() => el.connectionStatus === "reconnecting", "the element notices the workspace stopped answering", 30_000);
        await el.updateComplete;
        expect(chip(el)).to.equal("Reconnecting…");
        expect(turn.done, "the prompt waits for the workspace to say what became of it").to.equal(false);
        await stack({ name: NAME, action: "start-registry" });
        await until(() => el.connectionStatus === "live", "the element is back", 30_000);
        await until(() => turn.done, "the interrupted prompt settles", 30_000);
        expect(turn.error?.code, `the prompt settled with ${JSON.stringify(turn)}`).to.equal("connection-lost");
        expect(errors.map((e) => e.code)).to.include("connection-lost");
        await until(() => !el.timeline.summary.running, "the interrupted turn shows as ended").catch(async (error: Error) => {
          const info = await stack({ name: NAME, action: "info", workspaceId: id });
          const { lost } = await stack<StoredHistory>({ name: NAME, action: "history", workspaceId: id });
          throw new Error(`${error.message} (element: contiguous ${el.timeline.contiguousIndex}, last ${el.timeline.lastIndex}; workspace ${JSON.stringify(info)}; lost ${JSON.stringify(lost)})`);
        });
        await el.updateComplete;
        expect(textOf($(el, '[part="turn-status"]'))).to.equal("Idle · last turn interrupted");
        await recovers(el, "/long 20 after the crash", NAME, id);
        await check(el, NAME, id);
        // Events the host sent but never wrote are taken back, with a word; no index held goes to another event.
        const { events, lost } = await stack<StoredHistory>({ name: NAME, action: "history", workspaceId: id });
        const stored = new Map(events.map((event) => [event.eventIndex, event.id]));
        expect([...held].filter(([index, heldId]) => stored.has(index) && stored.get(index) !== heldId), "indices given to other events").to.deep.equal([]);
        const takenBack = [...held.keys()].filter((index) => !stored.has(index));
        expect(takenBack.filter((index) => !inLost(lost, index)), "held events neither stored nor declared lost").to.deep.equal([]);
        const said = errors.filter((e) => e.code === "events-lost");
        if (takenBack.length > 0) expect(said.map((e) => e.message).join(" "), "the element says how many it took back").to.contain(`${takenBack.length.toLocaleString()} event`);
        else expect(said, "nothing taken back, nothing said").to.deep.equal([]);
        totals.takenBack += takenBack.length;
      });
    }

    it("a client's link drops for 5 s during a stream, and comes back while it still runs", async () => {
      const id = fresh("drop");
      const el = await join(endpoint, id, "Ada");
      const errors = errorsOf(el);
      const statuses: Array<[string, number]> = [];
      el.addEventListener("sandbox-workspace-disconnected", () => statuses.push(["disconnected", Date.now()]));
      el.addEventListener("sandbox-workspace-connected", () => statuses.push(["connected", Date.now()]));
      // 400 chunks, one every 30 ms: about 12 s, so it outlasts the 5 s outage.
      const turn = send(el, "/firehose 400 0 30");
      await until(() => el.timeline.summary.running && el.timeline.lastIndex > 40, "the stream is under way");
      const droppedAt = Date.now();
      const { reset } = await stack<{ reset: number }>({ name: NAME, action: "drop-link", ms: 5000 });
      expect(reset, "the page's connections were cut").to.be.greaterThan(0);
      totals.faults++;
      await until(() => el.connectionStatus === "reconnecting", "the element notices", 5_000);
      await el.updateComplete;
      expect(chip(el)).to.equal("Reconnecting…");
      await until(() => el.connectionStatus === "live", "the element is back", 30_000);
      const backAt = statuses.find(([what, at]) => what === "connected" && at > droppedAt)![1];
      expect(backAt - droppedAt, "the outage lasted the 5 s").to.be.at.least(4_900);
      // The prompt outlived the outage: it settles with its turn, not with the link.
      await until(() => turn.done, "the stream ends", 60_000);
      expect(turn.result?.stopReason, `the prompt ends with its turn: ${JSON.stringify(turn.error)}`).to.equal("end_turn");
      expect(errors.map((e) => e.code), "no error for an outage the prompt lived through").to.deep.equal([]);
      await caughtUp([el], NAME, id);
      // The stream was still running when the link came back: its end arrived afterwards, live.
      const { events } = await stack<{ events: SessionEvent[] }>({ name: NAME, action: "history", workspaceId: id });
      const last = events.filter((event) => (event.payload as { params?: { update?: { sessionUpdate?: string } } }).params?.update?.sessionUpdate === "agent_message_chunk").at(-1)!;
      expect(last.createdAt, "chunks kept coming after the link was back").to.be.greaterThan(backAt);
      await recovers(el, "/long 20 after the outage", NAME, id);
      await check(el, NAME, id);
    });

    it("the last events of a stream, lost on the way, are read from the history once the turn ends", async () => {
      const id = fresh("lose-end");
      const el = await join(endpoint, id, "Ada");
      const errors = errorsOf(el);
      // 100 chunks, one every 20 ms. From about the 40th on, every event message is lost on the way,
      // for 4 s: past the stream's end (about 1.3 s later) and whatever follows it.
      const turn = send(el, "/firehose 100 0 20");
      await until(() => el.timeline.summary.running && el.timeline.lastIndex > 40, "the stream is under way");
      const losing = stack<{ lost: number }>({ name: NAME, action: "lose-messages", text: "session.event", ms: 4_000 });
      totals.faults++;
      await until(() => turn.done, "the prompt settles");
      expect(turn.result?.stopReason).to.equal("end_turn");
      const heldAtEnd = el.timeline.lastIndex;
      // Nothing after the stream shows the gap; the element asks once the turn has ended (the next
      // 10 s check would find it too, but only after this deadline).
      const { events } = await stack<{ events: SessionEvent[] }>({ name: NAME, action: "history", workspaceId: id });
      const last = Math.max(...events.map((event) => event.eventIndex));
      expect(heldAtEnd, "the stream's end was lost on the way").to.be.below(last);
      await until(() => el.timeline.contiguousIndex >= last, "the element reads the stream's end once the turn ends", 2_000);
      await el.updateComplete;
      expect(textOf($(el, '[data-type="agent-message"]'))).to.contain("chunk 99");
      expect(errors, "nothing to report: nothing is missing").to.deep.equal([]);
      expect((await losing).lost, "event messages were lost on the way").to.be.above(0);
      await check(el, NAME, id);
    });

    it("a turn that ends while the link is down shows as ended when it is back", async () => {
      const id = fresh("drop-end");
      const el = await join(endpoint, id, "Ada");
      const turn = send(el, "/firehose 60 0 30");
      await until(() => el.timeline.summary.running && el.timeline.lastIndex > 10, "the stream is under way");
      await stack({ name: NAME, action: "drop-link", ms: 5000 });
      totals.faults++;
      await until(() => el.connectionStatus === "reconnecting", "the element notices", 5_000);
      await until(() => el.connectionStatus === "live", "the element is back", 30_000);
      await until(() => turn.done, "the prompt settles");
      await caughtUp([el], NAME, id);
      await el.updateComplete;
      expect(textOf($(el, '[part="turn-status"]'))).to.equal("Idle · last turn end turn");
      expect($$(el, '[part="stop"]'), "no Stop button for a turn that ended").to.deep.equal([]);
      await recovers(el, "/long 20 after the outage", NAME, id);
      await check(el, NAME, id);
    });
  });

  describe(`${prefix}: the actor sleeps and wakes`, function () {
    this.timeout(90_000 + JOIN_MS);
    const NAME = `${prefix}-sleep`;
    let endpoint: string;

    before(async () => {
      ({ endpoint } = await stack({ name: NAME, action: "start", spec: { ...topology, registryEnv: { WORKSPACE_SLEEP_TIMEOUT_MS: "1500" } } }));
    });
    after(async () => {
      await stack({ name: NAME, action: "close" });
    });

    it("a new element joins a workspace whose actor slept, sees its whole history, and prompts", async () => {
      const id = fresh("sleep");
      const first = await join(endpoint, id, "Ada");
      await first.prompt("/long 40 before sleeping");
      // Everything stored, the update that lands after the turn's end included, is in the element.
      await caughtUp([first], NAME, id);
      const before = first.timeline.events.map((event) => (event as SessionEvent).id);
      first.remove();
      await until(async () => (await stack<{ asleep: boolean }>({ name: NAME, action: "actor", workspaceId: id })).asleep, "the actor falls asleep", 20_000);
      totals.faults++;

      const second = await join(endpoint, id, "Grace");
      const { asleep } = await stack<{ asleep: boolean }>({ name: NAME, action: "actor", workspaceId: id });
      expect(asleep, "joining woke it").to.equal(false);
      await until(() => second.timeline.events.length >= before.length && second.timeline.contiguousIndex === second.timeline.lastIndex, "the history is in");
      expect(second.timeline.events.map((event) => (event as SessionEvent).id)).to.deep.equal(before);
      await recovers(second, "/long 20 after waking", NAME, id);
      await check(second, NAME, id);
    });
  });

  after(() => {
    console.log(
      `${prefix}: ${totals.faults} injected, ${totals.checked} events checked, ${totals.lost} lost, ${totals.duplicated} duplicated, ${totals.extra} never stored; ${totals.takenBack} shown before the crash and taken back`,
    );
  });
}
