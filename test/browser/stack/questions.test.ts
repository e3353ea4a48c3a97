/**
 * Questions answered by the room, live in real Chromium against the real stack: the demo agent's
 * `/question` asks a form; every element on the workspace shows it, whoever answers first answers
 * for everyone, and every element says who did.
 */
import { expect } from "@open-wc/testing";
import type { SandboxWorkspace } from "../../../src/components/index.js";
import { until } from "../../shared/until.js";
import { $, $$, JOIN_MS, entries, errorsOf, join, open, presence, textOf } from "../support/harness.js";
import { caughtUp, fresh, stack } from "../support/stack.js";

const TEST_MS = JOIN_MS + 45_000;

/** The form's control labelled `label`, in `el`'s question form. */
function control<T extends HTMLElement>(el: SandboxWorkspace, label: string): T {
  const found = $$(el, '[part~="question-form"] label').find((candidate) => textOf(candidate).startsWith(label));
  if (!found) throw new Error(`no field labelled ${label}`);
  const id = found.getAttribute("for")!;
  return el.shadowRoot!.getElementById(id) as T;
}

const formShown = (el: SandboxWorkspace) => $$(el, '[part~="question-form"]').length > 0;
const agentSaid = (el: SandboxWorkspace) => entries(el, "agent-message").map((entry) => textOf(entry)).join(" ");

describe("live: questions answered by the room", function () {
  this.timeout(TEST_MS);
  let endpoint: string;
  before(async () => {
    ({ endpoint } = await stack({ action: "start" }));
  });

  it("Ada asks, Grace answers through her element's form; both elements show “Answered by Grace” and the agent's reply", async () => {
    const id = fresh("question");
    const ada = await join(endpoint, id, "Ada");
    const grace = await join(endpoint, id, "Grace");
    await until(() => presence(ada).includes("Grace"), "Ada sees Grace");
    const turn = ada.prompt("/question");
    await until(() => formShown(grace) && formShown(ada), "both elements show the form", 30_000);

    // A labelled control per field, the required one required.
    const colour = control<HTMLSelectElement>(grace, "Colour");
    expect(colour.tagName).to.equal("SELECT");
    expect(colour.required).to.equal(true);
    expect([...colour.options].map((option) => option.value)).to.deep.equal(["", "teal", "amber", "violet"]);
    const darkMode = control<HTMLInputElement>(grace, "Use it in dark mode too");
    expect([darkMode.type, darkMode.checked]).to.deep.equal(["checkbox", true]);
    const reason = control<HTMLInputElement>(grace, "Why this one?");
    expect([reason.type, reason.maxLength]).to.deep.equal(["text", 200]);
    // Two elements on one page: each header is a banner, which axe counts as duplicates across the page.
    await expect(grace).to.be.accessible({ ignoredRules: ["landmark-no-duplicate-banner"] });

    colour.value = "violet";
    reason.value = "it stands out";
    darkMode.click();
    $(grace, '[part~="question-submit"]').click();
    expect((await turn)?.stopReason).to.equal("end_turn");
    await caughtUp([ada, grace], "shared", id, 20_000);

    for (const el of [ada, grace]) {
      await until(() => !formShown(el), "the form is gone once answered");
      const [question] = entries(el, "question");
      expect(question.dataset.status).to.equal("answered");
      const body = await open(el, question);
      expect(textOf(body.querySelector('[part="question-outcome"]'))).to.equal("Answered by Grace");
      const answered = textOf(body);
      expect(answered).to.contain("violet").and.to.contain("it stands out");
      expect(agentSaid(el)).to.contain("Going with violet because “it stands out”, in light mode only");
    }
  });

  it("holds back an answer the form does not allow; Decline in one element declines for both", async () => {
    const id = fresh("question-decline");
    const ada = await join(endpoint, id, "Ada");
    const grace = await join(endpoint, id, "Grace");
    const errors = errorsOf(grace);
    const turn = ada.prompt("/question");
    await until(() => formShown(grace) && formShown(ada), "both elements show the form", 30_000);
    // No colour chosen: the browser keeps the form from being sent.
    $(grace, '[part~="question-submit"]').click();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(formShown(grace)).to.equal(true);
    expect(errors).to.deep.equal([]);
    $(grace, '[part~="question-decline"]').click();
    expect((await turn)?.stopReason).to.equal("end_turn");
    await caughtUp([ada, grace], "shared", id, 20_000);
    for (const el of [ada, grace]) {
      await until(() => !formShown(el), "the form is gone once declined");
      const [question] = entries(el, "question");
      expect(question.dataset.status).to.equal("declined");
      expect(textOf(question.querySelector('[part="entry-summary"]'))).to.contain("Declined by Grace");
      expect(agentSaid(el)).to.contain("keep the current colour");
    }
  });
});
