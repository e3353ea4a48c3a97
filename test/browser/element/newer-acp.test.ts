import { expect } from "@open-wc/testing";
import { ADA, SessionRecorder, block, fixtureSession, prompt } from "../../fixtures/session.js";
import { $$, entries, mount, open, openAll, textOf } from "../support/harness.js";

const summary = (entry: HTMLElement) => textOf(entry.querySelector('[part="entry-summary"]'));
const status = (entry: HTMLElement) => entry.querySelector('[part~="entry-status"]')?.textContent?.trim();

describe("Stop, as the transcript shows it", () => {
  it("is never an unknown message: the stopped prompt and its turn's end say Stopped", async () => {
    const el = await mount(fixtureSession());
    expect(entries(el, "unknown").map(textOf).join(" ")).to.not.contain("session/cancel");
    const end = entries(el, "turn-end").at(-1)!;
    expect(summary(end)).to.contain("Stopped (cancelled)");
    expect(end.dataset.status).to.equal("cancelled");
    const stopped = entries(el, "user-message").at(-1)!;
    expect(textOf(stopped.querySelector('[part="byline"]'))).to.contain("Stopped");
  });

  it("names who pressed Stop when the log says", async () => {
    const rec = new SessionRecorder();
    const id = prompt(rec, ADA, "Go on");
    block(rec, "agent_message_chunk", ["Going"]);
    rec.clientNotification("session/cancel", { sessionId: rec.agentSessionId, _meta: { "sandbox-workspace": { user: { id: "u_grace", name: "Grace" } } } });
    rec.agentResponse(id, { stopReason: "cancelled" });
    const el = await mount(rec.events);
    expect(summary(entries(el, "turn-end")[0])).to.contain("Stopped by Grace (cancelled)");
    expect(textOf(entries(el, "user-message")[0])).to.contain("Stopped by Grace");
  });
});

describe("ACP's client methods, as the transcript shows them", () => {
  it("a file write is a diff against the read before it; a read shows its path and lines", async () => {
    const el = await mount(fixtureSession({ newerAcp: true }));
    const [whole, partial] = entries(el, "file-read");
    expect(summary(whole)).to.contain("/workspace/acme-api/README.md · the whole file");
    expect(summary(partial)).to.contain("lines 10–14");
    const readBody = await open(el, whole);
    expect(readBody.querySelector('[part="file-content"]')!.textContent).to.contain("Status: draft");
    const [write] = entries(el, "file-write");
    expect(write.dataset.status).to.equal("completed");
    const body = await open(el, write);
    expect(textOf(body)).to.contain("Compared with an earlier read of the file");
    expect(textOf(body.querySelector('[part="diff-add"]'))).to.contain("Status: reviewed");
    expect(textOf(body.querySelector('[part="diff-del"]'))).to.contain("Status: draft");
  });

  it("a terminal shows in the tool call that refers to it; one no tool call refers to stands alone", async () => {
    const el = await mount(fixtureSession({ newerAcp: true }));
    const tests = entries(el, "tool-call").find((entry) => textOf(entry.querySelector('[part="entry-title"]')) === "npm test")!;
    const body = await open(el, tests);
    const terminal = body.querySelector('[part="terminal"]')!;
    expect(textOf(terminal)).to.contain("$ npm test");
    expect(textOf(terminal)).to.contain("code 0");
    expect(terminal.querySelector('[part="terminal-output"]')!.textContent).to.contain("# pass 42");
    const [alone] = entries(el, "terminal");
    expect(summary(alone)).to.contain("git status --short");
    expect(alone.dataset.status).to.equal("unanswered");
    expect(textOf(await open(el, alone))).to.contain("no answer in the log");
  });
});

describe("a turn's end, as the transcript shows it", () => {
  it("a tool call the agent left running shows cancelled, with the raw status in its body; the plan too", async () => {
    const el = await mount(fixtureSession({ newerAcp: true }));
    const edit = entries(el, "tool-call").find((entry) => summary(entry).includes("CHANGELOG.md"))!;
    expect(edit.dataset.status).to.equal("cancelled");
    expect(status(edit)).to.equal("cancelled");
    const body = await open(el, edit);
    expect(textOf(body)).to.contain("cancelled: the turn was stopped before it finished");
    expect(textOf(body)).to.contain("in_progress");
    const [plan] = entries(el, "plan-update");
    expect(plan.dataset.status).to.equal("cancelled");
    expect(textOf(plan)).to.contain("in progress");
  });

  it("nothing of an ended turn shows as running", async () => {
    const el = await mount(fixtureSession({ newerAcp: true }));
    const running = $$(el, '[part~="entry"]').filter((entry) => entry.dataset.status === "in_progress" || entry.dataset.status === "pending");
    expect(running.map((entry) => summary(entry))).to.deep.equal([]);
  });

  it("a thought the host ended is no longer Thinking", async () => {
    const rec = new SessionRecorder();
    prompt(rec, ADA, "Go");
    block(rec, "agent_thought_chunk", ["Let me think"]);
    const el = await mount(rec.events);
    expect(textOf(entries(el, "agent-thought")[0].querySelector('[part="entry-label"]'))).to.equal("Thinking");
    el.timeline.endTurn("end_turn");
    el.requestUpdate();
    await el.updateComplete;
    expect(textOf(entries(el, "agent-thought")[0].querySelector('[part="entry-label"]'))).to.equal("Thought");
  });
});

describe("the newer session updates, as the transcript shows them", () => {
  it("a notice, a compaction with its summary, plans by id, a subagent with its messages, a stray message", async () => {
    const el = await mount(fixtureSession({ newerAcp: true }));
    const [notice] = entries(el, "notice");
    expect(textOf(notice.querySelector('[part="entry-label"]'))).to.equal("Warning");
    expect(textOf(notice.querySelector('[part="entry-body"]'))).to.contain("Older messages will be summarised");
    expect(notice.querySelector('[part="entry-body"] strong')).to.exist;
    const [compaction] = entries(el, "compaction");
    expect(summary(compaction)).to.contain("compacted · Ada and Grace fixed");
    expect(textOf(await open(el, compaction))).to.contain("migrating to jose was stopped");
    const [docs, scratch] = entries(el, "plan-update");
    expect(summary(docs)).to.contain("plan_docs · 2/3");
    expect(summary(scratch)).to.contain("plan_scratch · removed");
    const [subagent] = entries(el, "subagent");
    expect(summary(subagent)).to.contain("Docs reviewer · 2 messages");
    expect(subagent.dataset.status).to.equal("idle");
    const body = await open(el, subagent);
    const messages = body.querySelectorAll('[part="session-message"]');
    expect(messages).to.have.length(2);
    expect(textOf(messages[0])).to.contain("to this subagent");
    expect(textOf(messages[1])).to.contain("from this subagent");
    const [stray] = entries(el, "session-message");
    expect(textOf(stray)).to.contain("ses_elsewhere");
    expect(textOf(stray)).to.contain("never announced");
  });

  it("is accessible with every entry open", async () => {
    const el = await mount(fixtureSession({ newerAcp: true }));
    await openAll(el);
    await expect(el).to.be.accessible();
  });
});
