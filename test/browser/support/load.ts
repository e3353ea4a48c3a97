/**
 * Load, live in real Chromium on a small machine: 25 elements on one workspace, then 20 workspaces
 * at once with one element each, each through a full demo-agent turn whose permission request is
 * answered through an element's buttons. Every element must end with the complete transcript: the
 * same event indices and ids as the history stored, read from Node.
 */
import { expect } from "@open-wc/testing";
import type { SandboxWorkspace } from "../../../src/components/index.js";
import type { SessionEvent } from "../../../src/events/index.js";
import { until, within } from "../../shared/until.js";
import { $, JOIN_MS, answer, presence, textOf } from "./harness.js";
import type { StackSpec } from "../../support/stack-plugin.js";
import { caughtUp, compareWithHistory, fresh, keyOf, stack, type Comparison } from "./stack.js";

/**
 * The load suite against the stack `NAME` builds from `spec`: the registry process (load.test.ts)
 * or a standalone engine with two runners (load-cluster.test.ts).
 */
export function loadSuite(NAME: string, spec: StackSpec, topology: string): void {
  const totals = { elements: 0, workspaces: 0, checked: 0, turns: 0 };

  let endpoint: string;

  before(async () => {
    ({ endpoint } = await stack({ name: NAME, action: "start", spec }));
  });
  after(async () => {
    await stack({ name: NAME, action: "close" });
    console.log(`${NAME}: ${totals.elements} elements on ${totals.workspaces} workspaces, ${totals.turns} turns, ${totals.checked} events checked against stored history (${topology})`);
  });

  /** Adds `count` elements at once, small so they fit the window, and waits for all to be live. */
  async function mountAll(targets: Array<{ workspaceId: string; userName: string }>): Promise<SandboxWorkspace[]> {
    const els = targets.map(({ workspaceId, userName }) => {
      const el = document.createElement("sandbox-workspace");
      Object.assign(el, { endpoint, workspaceId, userName });
      el.style.cssText = "display: block; height: 120px; width: 180px; float: left; overflow: hidden";
      return el;
    });
    document.body.append(...els);
    await until(
      () => els.every((el) => el.connectionStatus === "live"),
      () => `every element is live (${els.filter((el) => el.connectionStatus === "live").length} of ${els.length})`,
      JOIN_MS,
    );
    totals.elements += els.length;
    return els;
  }

  const keys = (el: SandboxWorkspace) => el.timeline.events.map(keyOf);
  const entries = (el: SandboxWorkspace) => [...el.timeline.entries].map((entry) => `${entry.type}:${entry.id}`);

  /** The turn left every entry type a full turn has, its permission answered as asked. */
  async function fullTurn(el: SandboxWorkspace, reply: string, by: string): Promise<void> {
    await el.updateComplete;
    const types = new Set([...el.timeline.entries].map((entry) => entry.type));
    for (const type of ["user-message", "agent-thought", "agent-message", "tool-call", "plan", "usage", "permission-request", "turn-end"]) {
      expect(types.has(type as never), `${el.workspaceId} has ${type}`).to.equal(true);
    }
    const permission = $(el, '[part~="entry-permission-request"]');
    expect(permission.dataset.status).to.equal(reply);
    expect(textOf(permission)).to.contain(`by ${by}`);
  }

  describe(`${NAME}: 25 elements on one workspace`, function () {
    this.timeout(170_000);

    it("a full turn, then a prompt from each of the 25 at once: all 25 end with the identical, complete transcript", async () => {
      const id = fresh("crowd");
      const els = await mountAll(Array.from({ length: 25 }, (_, i) => ({ workspaceId: id, userName: `Reader ${i + 1}` })));
      totals.workspaces++;
      try {
        await until(() => els.every((el) => presence(el).includes("Reader 25")), "everyone sees the last to join", 30_000);
        const turn = els[0].prompt("Fix the flaky test");
        // Someone else in the room answers, through the buttons their element shows.
        await answer(els[17], "once", 30_000);
        expect((await within(turn, 30_000, "the full turn ends"))?.stopReason).to.equal("end_turn");
        // Then all 25 speak at once: their prompts queue, and every element shows them in one order.
        const unanswered = new Set(els.map((el) => el.userName));
        const replies = await within(
          Promise.all(els.map((el, i) => el.prompt(`/long 20 from reader ${i + 1}`).finally(() => unanswered.delete(el.userName)))),
          60_000,
          async () => {
            const info = await stack({ name: NAME, action: "info", workspaceId: id });
            // Did the unanswered prompts reach the agent (their request is in the log), or were they lost before?
            const { events } = (await stack({ name: NAME, action: "history", workspaceId: id })) as unknown as { events: SessionEvent[] };
            const logged = JSON.stringify(events.map((event) => (event.payload as { method?: string; params?: unknown }).method === "session/prompt" && event.payload));
            const reached = [...unanswered].filter((name) => logged.includes(`from reader ${name!.replace("Reader ", "")}"`));
            return `the 25 prompts run: no answer for ${[...unanswered].join(", ")} (in the log: ${reached.join(", ") || "none"}); workspace ${JSON.stringify(info)}; links ${els.map((el) => el.connectionStatus).join(",")}`;
          },
        );
        expect(replies.map((r) => r?.stopReason)).to.deep.equal(els.map(() => "end_turn"));
        await caughtUp(els, NAME, id, 30_000);
        totals.turns += 26;
        const result: Comparison = await compareWithHistory(els[0], NAME, id);
        totals.checked += result.checked;
        for (const el of els) {
          expect(keys(el), `${el.userName}: the same events`).to.deep.equal(keys(els[0]));
          expect(entries(el), `${el.userName}: the same entries`).to.deep.equal(entries(els[0]));
          totals.checked += el === els[0] ? 0 : result.checked;
        }
        await fullTurn(els[3], "allowed", "Reader 18");
        const prompts = [...els[0].timeline.entries].filter((entry) => entry.type === "user-message");
        expect(prompts.length, "the full turn and the 25 prompts").to.equal(26);
      } finally {
        els.forEach((el) => el.remove());
      }
    });
  });

  describe(`${NAME}: 20 workspaces at once`, function () {
    this.timeout(150_000);

    it("each element runs its own full turn, answers its own permission, and ends with its complete transcript", async () => {
      const els = await mountAll(Array.from({ length: 20 }, (_, i) => ({ workspaceId: fresh(`many-${i}`), userName: `User ${i + 1}` })));
      totals.workspaces += els.length;
      try {
        const turns = els.map((el) => el.prompt("Fix the flaky test"));
        await Promise.all(els.map((el) => answer(el, "once", 60_000)));
        const results = await within(Promise.all(turns), 60_000, "the 20 turns end");
        expect(results.map((r) => r?.stopReason)).to.deep.equal(els.map(() => "end_turn"));
        totals.turns += els.length;
        await Promise.all(els.map((el) => caughtUp([el], NAME, el.workspaceId!, 60_000)));
        for (const el of els) {
          const result = await compareWithHistory(el, NAME, el.workspaceId!);
          totals.checked += result.checked;
          await fullTurn(el, "allowed", el.userName!);
          // Only its own session.
          expect(new Set(el.timeline.events.map((event) => (event as SessionEvent).sessionId)).size).to.equal(1);
        }
      } finally {
        els.forEach((el) => el.remove());
      }
    });
  });
}
