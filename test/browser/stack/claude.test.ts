/**
 * A real agent, live: Claude Code (its ACP adapter from node_modules) under the real daemon, through
 * the workspace registry into two elements, with only the model replaced by the scripted fake API
 * (test/agents). Ada asks for the review; Grace answers each permission request from her own
 * element, by the option's name as Claude Code offered it.
 */
import { expect } from "@open-wc/testing";
import type { SandboxWorkspace } from "../../../src/components/index.js";
import { scenario } from "../../agents/scenarios.js";
import { until } from "../../shared/until.js";
import { $$, JOIN_MS, entries, join, presence, textOf } from "../support/harness.js";
import { caughtUp, fresh, stack } from "../support/stack.js";

const STACK = "claude";
const settled = (el: SandboxWorkspace) => !el.timeline.summary.running && el.timeline.contiguousIndex === el.timeline.lastIndex;

describe("live with Claude Code", function () {
  // Claude Code starts in a few seconds; a review turn with two permissions takes a few more.
  this.timeout(JOIN_MS + 120_000);
  let endpoint: string;
  before(async function () {
    this.timeout(120_000);
    ({ endpoint } = await stack({ name: STACK, action: "start", spec: { realAgent: { agent: "claude", scenario: "review" } } }));
  });
  after(async () => {
    await stack({ name: STACK, action: "close" });
  });

  it("runs a review turn in two elements; Grace answers each permission by the option's name", async () => {
    const id = fresh("claude");
    const ada = await join(endpoint, id, "Ada");
    const grace = await join(endpoint, id, "Grace");
    await until(() => presence(ada).includes("Grace"), "Ada sees Grace");
    const [text] = scenario("review").prompts;
    const turn = ada.prompt(text);
    const answered: string[] = [];
    // Two requests (the shell command, the edit), one at a time: answer each with its allow-once option.
    for (let i = 0; i < 2; i++) {
      await until(() => {
        const open = [...grace.timeline.entries].filter((entry) => entry.type === "permission-request" && entry.status === "pending");
        return open.length === 1 && $$(grace, '[part~="permission-button"]').length > 0;
      }, `Grace's buttons for permission request ${i + 1}`, 60_000);
      const request = [...grace.timeline.entries].find((entry) => entry.type === "permission-request" && entry.status === "pending");
      const once = request?.type === "permission-request" ? request.options.find((option) => option.kind === "allow_once") : undefined;
      expect(once, "Claude Code offers an allow-once option").to.exist;
      const names = $$(grace, '[part~="permission-button"]').map(textOf);
      expect(names, "the buttons are Claude Code's own options").to.deep.equal(request?.type === "permission-request" ? request.options.map((option) => option.name) : []);
      $$(grace, '[part~="permission-button"]').find((button) => textOf(button) === once!.name)!.click();
      answered.push(once!.name);
      await until(() => request?.type === "permission-request" && grace.timeline.entry(request.id)?.type === "permission-request" && (grace.timeline.entry(request.id) as typeof request).status !== "pending", "the answer lands");
    }
    expect((await turn)?.stopReason).to.equal("end_turn");
    await caughtUp([ada, grace], STACK, id, 30_000);
    await until(() => settled(ada) && settled(grace), "both elements hold the whole turn");
    for (const el of [ada, grace]) {
      await el.updateComplete;
      await until(() => $$(el, "[data-plain]").length === 0, "markdown rendered");
      const permissions = entries(el, "permission-request");
      expect(permissions.map((entry) => entry.dataset.status)).to.deep.equal(["allowed", "allowed"]);
      permissions.forEach((entry, i) => expect(textOf(entry)).to.contain(`Allowed: ${answered[i]}, by Grace`));
      const tools = entries(el, "tool-call");
      expect(tools.length, "read, shell, edit").to.equal(3);
      expect(tools.map((tool) => tool.dataset.status)).to.deep.equal(["completed", "completed", "completed"]);
      expect($$(el, '[part~="entry-agent-message"] h2').map(textOf)).to.include("Review complete");
      expect(textOf(entries(el, "user-message")[0])).to.contain("Ada");
      expect(entries(el, "unknown").map(textOf), "no unknown entry").to.deep.equal([]);
      expect(entries(el, "error").map(textOf), "no error entry").to.deep.equal([]);
    }
    expect([...ada.timeline.entries].map((e) => e.id)).to.deep.equal([...grace.timeline.entries].map((e) => e.id));
  });
});
