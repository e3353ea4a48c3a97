/**
 * Every recorded session of a real agent (test/fixtures/agents: Claude Code, Codex and OpenCode
 * under the real daemon, made by `npm run record:agents`) replayed in the element: what a reader
 * checks holds for any agent. One entry per tool call, every permission request with the agent's
 * own options, the user's prompts, headings rendered as headings, no unknown or error entry, and
 * nothing that looks like it still runs once its turn ended.
 */
import { expect } from "@open-wc/testing";
import type { SandboxWorkspace } from "../../../src/components/index.js";
import { until } from "../../shared/until.js";
import { $, $$, entries, mount, open, textOf } from "../support/harness.js";

const AGENTS = ["claude", "codex", "opencode"];
const SCENARIOS = ["review", "reject", "cancel", "followup", "permissions"];

type Payload = { id?: number | string; method?: string; params?: any; result?: any };
async function recording(name: string): Promise<Array<{ payload: Payload }>> {
  const response = await fetch(new URL(`../../fixtures/agents/${name}.json`, import.meta.url));
  expect(response.ok, `${name}.json is recorded`).to.equal(true);
  return (await response.json()) as Array<{ payload: Payload }>;
}

const running = (el: SandboxWorkspace) => $$(el, '[part~="entry"]').filter((entry) => ["pending", "in_progress", "running", "streaming"].includes(entry.dataset.status ?? ""));

describe("recorded sessions of real agents, replayed", function () {
  this.timeout(60_000);
  for (const agent of AGENTS) {
    for (const scenario of SCENARIOS) {
      const name = `${agent}-${scenario}`;
      it(name, async () => {
        const events = await recording(name);
        const sent = events.map((event) => event.payload);
        const el = await mount(events);
        await el.updateComplete;

        const toolIds = new Set(sent.filter((p) => p.method === "session/update" && /^tool_call/.test(p.params?.update?.sessionUpdate)).map((p) => p.params.update.toolCallId));
        expect(entries(el, "tool-call").length, "one entry per tool call").to.equal(toolIds.size);

        const asked = sent.filter((p) => p.method === "session/request_permission");
        const permissions = entries(el, "permission-request");
        expect(permissions.length, "every permission request").to.equal(asked.length);
        for (const [i, entry] of permissions.entries()) {
          const body = await open(el, entry);
          const names = [...body.querySelectorAll('[part="permission-option"]')].map((option) => textOf(option).replace(/^\S+\s/, ""));
          expect(names, "the agent's own options, in its order").to.deep.equal(asked[i].params.options.map((option: { name: string }) => option.name));
          expect(entry.dataset.status, "answered, its turn having ended").to.not.equal("pending");
        }

        const prompts = sent.filter((p) => p.method === "session/prompt").map((p) => p.params.prompt[0].text as string);
        const users = entries(el, "user-message");
        expect(users.length).to.equal(prompts.length);
        users.forEach((user, i) => expect(textOf(user)).to.contain(prompts[i]));

        if (scenario === "review" || scenario === "permissions") {
          // Entries far from view show plain text first and their markdown in idle time.
          await until(() => $$(el, "[data-plain]").length === 0, "every entry's markdown is rendered");
          const marks = $$(el, '[part~="entry-agent-message"] li [role="img"]').map((mark) => mark.getAttribute("aria-label"));
          expect(marks, "the task list's boxes, as inert marks").to.deep.equal(["done", "done", "done"]);
        }
        if (scenario === "review") {
          expect($$(el, '[part~="entry-agent-message"] h2').map(textOf), "the answer's heading is a heading").to.include("Review complete");
          expect($$(el, '[part~="entry-agent-message"] ol > li').length, "its numbered list").to.equal(3);
          expect($$(el, '[part~="entry-agent-message"] pre code').map(textOf).join("\n"), "its code").to.contain("sh greet.sh Ada");
        }
        expect(entries(el, "unknown").map(textOf), "no unknown entry").to.deep.equal([]);
        expect(entries(el, "error").map(textOf), "no error entry").to.deep.equal([]);
        expect(running(el).map((entry) => `${entry.dataset.type}: ${textOf(entry.querySelector('[part="entry-summary"]'))}`), "nothing still running").to.deep.equal([]);
        expect(textOf($(el, '[part="turn-status"]')), "the header").to.not.contain("Running");
        if (scenario === "cancel") expect(textOf(users.at(-1))).to.contain("Stopped");
      });
    }
  }
});
