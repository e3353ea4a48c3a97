/**
 * The reader's own filters, in replays: a menu in the header hides entry types (tool calls by
 * kind) or shows only what needs the reader, collapses or expands everything; `hide` sets the types
 * hidden at first; the reader's choices are kept per workspace; the header says how many entries
 * are hidden and shows them again in one click.
 */
import { expect, fixture, html } from "@open-wc/testing";
import { sendKeys } from "@web/test-runner-commands";
import { ifDefined } from "lit/directives/if-defined.js";
import type { SandboxWorkspace } from "../../../src/components/index.js";
import { ADA, GRACE, SessionRecorder, block, fixtureSession, prompt } from "../../fixtures/session.js";
import { $, $$, entries, textOf } from "../support/harness.js";
import { layOutEverything, overflow } from "../support/overflow.js";

const KEY = (name: string) => `sandbox-workspace:filters:${name}`;
let counter = 0;
/** A workspace id no earlier test stored choices for. */
const freshId = (name: string) => `${name}-${Date.now().toString(36)}-${counter++}`;

async function replay(
  attrs: { workspaceId?: string; hide?: string; userName?: string; width?: number } = {},
  events: readonly unknown[] = fixtureSession(),
): Promise<SandboxWorkspace> {
  const el = await fixture<SandboxWorkspace>(
    html`<sandbox-workspace
      workspace-id=${ifDefined(attrs.workspaceId)}
      hide=${ifDefined(attrs.hide)}
      user-name=${ifDefined(attrs.userName)}
      .events=${events}
      style="height: 600px; ${attrs.width ? `width: ${attrs.width}px` : ""}"
    ></sandbox-workspace>`,
  );
  await el.updateComplete;
  return el;
}

const count = (el: SandboxWorkspace, type: string) => [...el.timeline.entries].filter((item) => item.type === type).length;
const toggle = (el: SandboxWorkspace) => $(el, '[part="filters-toggle"]') as HTMLButtonElement;
const menu = (el: SandboxWorkspace) => el.shadowRoot!.querySelector<HTMLElement>('[part="filters-menu"]');
const box = (el: SandboxWorkspace, token: string) => el.shadowRoot!.querySelector<HTMLInputElement>(`[part="filters-menu"] input[data-token="${token}"]`)!;
const hiddenCount = (el: SandboxWorkspace) => textOf(el.shadowRoot!.querySelector('[part="hidden-count"]'));

async function openMenu(el: SandboxWorkspace): Promise<void> {
  if (toggle(el).getAttribute("aria-expanded") !== "true") toggle(el).click();
  await el.updateComplete;
}

async function click(el: SandboxWorkspace, node: HTMLElement): Promise<void> {
  node.click();
  await el.updateComplete;
}

/** A session with what may need a reader: Ada's and Grace's prompts, an unreadable event, a pending permission request and question. */
function needsSession(): unknown[] {
  const rec = new SessionRecorder();
  const started = rec.clientRequest("session/new", { cwd: "/repo", mcpServers: [] });
  rec.agentResponse(started, { sessionId: rec.agentSessionId });
  const first = prompt(rec, ADA, "Why does the build fail?");
  block(rec, "agent_thought_chunk", ["Looking at ", "the log."]);
  block(rec, "agent_message_chunk", ["The lockfile is stale."]);
  rec.agentResponse(first, { stopReason: "end_turn" });
  rec.raw("agent", { jsonrpc: "2.0", method: 42 });
  prompt(rec, GRACE, "Regenerate the lockfile");
  rec.update({ sessionUpdate: "tool_call", toolCallId: "t1", title: "npm install", kind: "execute", status: "pending" });
  rec.agentRequest("session/request_permission", {
    sessionId: rec.agentSessionId,
    toolCall: { toolCallId: "t1", title: "npm install" },
    options: [{ optionId: "ok", name: "Allow", kind: "allow_once" }],
  });
  rec.raw("agent", {
    jsonrpc: "2.0",
    id: 99,
    method: "elicitation/create",
    params: { mode: "form", message: "Which registry?", requestedSchema: { type: "object", properties: { registry: { type: "string" } } } },
  });
  return rec.events;
}

describe("filters: the menu", () => {
  it("is a real button with aria-expanded over a panel of checkboxes, one per type present, tool calls by kind", async () => {
    const el = await replay({ workspaceId: freshId("menu") });
    const button = toggle(el);
    expect(button.localName).to.equal("button");
    expect(button.closest('[part="filters"]')!.closest('[part="header"]')).to.exist;
    expect(button.getAttribute("aria-expanded")).to.equal("false");
    expect(menu(el)).to.be.null;
    await click(el, button);
    expect(button.getAttribute("aria-expanded")).to.equal("true");
    const panel = menu(el)!;
    expect(button.getAttribute("aria-controls")).to.equal(panel.id);
    for (const type of ["agent-thought", "usage", "current-mode", "config-options", "available-commands", "session-info", "tool-call"]) {
      expect(box(el, type), type).to.exist;
      expect(box(el, type).checked, type).to.be.true;
      expect(textOf(box(el, type).closest("label"))).to.match(/\d$/);
    }
    expect(textOf(box(el, "agent-thought").closest("label"))).to.equal(`Thoughts ${count(el, "agent-thought")}`);
    for (const kind of ["read", "edit", "execute"]) expect(box(el, `tool-call:${kind}`), kind).to.exist;
    await expect(el).to.be.accessible();
  });

  it("works from the keyboard: Enter opens it, Space ticks a box, Escape closes it and returns to the button", async () => {
    const el = await replay({ workspaceId: freshId("keys") });
    toggle(el).focus();
    await sendKeys({ press: "Enter" });
    await el.updateComplete;
    expect(menu(el)).to.exist;
    const first = menu(el)!.querySelector<HTMLInputElement>('input[type="checkbox"]')!;
    first.focus();
    await sendKeys({ press: "Space" });
    await el.updateComplete;
    expect(first.checked).to.be.true;
    await sendKeys({ press: "Escape" });
    await el.updateComplete;
    expect(menu(el)).to.be.null;
    await el.updateComplete;
    expect(el.shadowRoot!.activeElement).to.equal(toggle(el));
    expect(toggle(el).getAttribute("aria-expanded")).to.equal("false");
  });

  it("closes when the reader clicks elsewhere", async () => {
    const el = await replay({ workspaceId: freshId("outside") });
    await openMenu(el);
    document.body.dispatchEvent(new PointerEvent("pointerdown", { bubbles: true, composed: true }));
    await el.updateComplete;
    expect(menu(el)).to.be.null;
  });
});

describe("filters: hiding entries", () => {
  it("hides a type, says how many entries are hidden in the header, and shows them again in one click", async () => {
    const el = await replay({ workspaceId: freshId("hide") });
    const thoughts = count(el, "agent-thought");
    expect(hiddenCount(el)).to.equal("");
    await openMenu(el);
    await click(el, box(el, "agent-thought"));
    expect(entries(el, "agent-thought")).to.be.empty;
    expect($$(el, '[part~="entry"]').length).to.equal(el.timeline.size - thoughts);
    expect(hiddenCount(el)).to.equal(`${thoughts} hidden Show all`);
    expect(textOf($(el, '[aria-live="polite"]'))).to.equal(`${thoughts} entries hidden.`);
    await click(el, box(el, "usage"));
    expect(entries(el, "usage")).to.be.empty;
    expect(hiddenCount(el)).to.contain(`${thoughts + 1} hidden`);
    await click(el, $(el, '[part="hidden-count"] button'));
    expect($$(el, '[part~="entry"]').length).to.equal(el.timeline.size);
    expect(hiddenCount(el)).to.equal("");
    expect(box(el, "agent-thought").checked).to.be.true;
  });

  it("hides tool calls by kind, and all of them with their type", async () => {
    const el = await replay({ workspaceId: freshId("kinds") });
    const calls = [...el.timeline.entries].filter((item) => item.type === "tool-call") as Array<{ id: string; kind?: string }>;
    const runs = calls.filter((call) => call.kind === "execute").length;
    expect(runs).to.be.greaterThan(0);
    await openMenu(el);
    await click(el, box(el, "tool-call:execute"));
    const shown = entries(el, "tool-call").map((node) => node.dataset.entryId);
    expect(shown).to.deep.equal(calls.filter((call) => call.kind !== "execute").map((call) => call.id));
    await click(el, box(el, "tool-call"));
    expect(entries(el, "tool-call")).to.be.empty;
    expect(box(el, "tool-call:read").disabled, "kinds follow their type").to.be.true;
  });

  it("hide sets the types hidden at first", async () => {
    const el = await replay({ workspaceId: freshId("attr"), hide: "agent-thought usage" });
    expect(entries(el, "agent-thought")).to.be.empty;
    expect(entries(el, "usage")).to.be.empty;
    expect(entries(el, "agent-message")).to.not.be.empty;
    expect(hiddenCount(el)).to.contain(`${count(el, "agent-thought") + count(el, "usage")} hidden`);
    await openMenu(el);
    expect(box(el, "agent-thought").checked).to.be.false;
    expect(box(el, "usage").checked).to.be.false;
  });

  it("keeps the reader's choices per workspace in localStorage, and they win over hide from then on", async () => {
    const id = freshId("kept");
    const first = await replay({ workspaceId: id, hide: "usage" });
    await openMenu(first);
    await click(first, box(first, "agent-thought"));
    expect(JSON.parse(localStorage.getItem(KEY(id))!)).to.deep.equal({ hidden: ["usage", "agent-thought"], needsMe: false });
    first.remove();
    const again = await replay({ workspaceId: id, hide: "plan" });
    expect(entries(again, "agent-thought")).to.be.empty;
    expect(entries(again, "usage")).to.be.empty;
    expect(entries(again, "plan"), "the reader chose; hide no longer applies").to.not.be.empty;
    const other = await replay({ workspaceId: freshId("other") });
    expect(entries(other, "agent-thought"), "another workspace keeps its own").to.not.be.empty;
  });

  it("only what needs me: pending permission requests and questions, errors, and this reader's prompts", async () => {
    const el = await replay({ workspaceId: freshId("needs"), userName: "Ada" }, needsSession());
    await openMenu(el);
    const needsMe = menu(el)!.querySelector<HTMLInputElement>(".needs-me input")!;
    expect(textOf(needsMe.closest("label"))).to.contain("prompts by Ada");
    await click(el, needsMe);
    const shown = $$(el, '[part~="entry"]').map((node) => node.dataset.type);
    expect(shown).to.deep.equal(["user-message", "error", "permission-request", "question"]);
    expect(textOf(entries(el, "user-message")[0])).to.contain("Why does the build fail?");
    expect(hiddenCount(el)).to.contain(`${el.timeline.size - 4} hidden`);
  });

  it("collapses and expands every entry shown", async () => {
    const el = await replay({ workspaceId: freshId("fold") });
    await openMenu(el);
    const actions = [...menu(el)!.querySelectorAll<HTMLButtonElement>(".filter-actions button")];
    await click(el, actions.find((button) => textOf(button) === "Expand all")!);
    const headers = () => $$(el, '[part="entry-summary"]').map((node) => node.getAttribute("aria-expanded"));
    expect(headers().every((state) => state === "true")).to.be.true;
    await click(el, actions.find((button) => textOf(button) === "Collapse all")!);
    expect(headers().every((state) => state === "false")).to.be.true;
  });
});

describe("filters: what they must not break", () => {
  it("the arrow keys move between the headers shown, skipping hidden entries", async () => {
    const el = await replay({ workspaceId: freshId("arrows"), hide: "agent-thought" });
    const ids = [...el.timeline.entries].map((item) => item.id);
    const thought = [...el.timeline.entries].find((item) => item.type === "agent-thought")!;
    const before = ids[ids.indexOf(thought.id) - 1];
    const after = ids[ids.indexOf(thought.id) + 1];
    el.shadowRoot!.querySelector<HTMLElement>(`[data-entry-id="${before}"] [part="entry-summary"]`)!.focus();
    await sendKeys({ press: "ArrowDown" });
    expect((el.shadowRoot!.activeElement as HTMLElement).closest<HTMLElement>("[data-entry-id]")!.dataset.entryId).to.equal(after);
    await sendKeys({ press: "End" });
    const summaries = $$(el, '[part="entry-summary"]');
    expect(el.shadowRoot!.activeElement).to.equal(summaries.at(-1));
  });

  it("the raw event list still shows every event", async () => {
    const el = await replay({ workspaceId: freshId("raw"), hide: "agent-thought agent-message tool-call" });
    await click(el, $(el, '[part="raw-toggle"]'));
    const raw = $(el, '[part="raw-list"]');
    expect(textOf(raw)).to.contain("agent_thought_chunk");
    expect(hiddenCount(el)).to.contain("hidden");
    await click(el, $(el, '[part="raw-toggle"]'));
    expect(entries(el, "agent-message")).to.be.empty;
  });

  it("re-renders only what changed while filters apply: an entry untouched by new events keeps its DOM", async () => {
    const events = fixtureSession();
    const el = await replay({ workspaceId: freshId("perf"), hide: "agent-thought" }, events.slice(0, 200));
    const first = $$(el, '[part~="entry"]')[0];
    const title = first.querySelector('[part="entry-title"]')!;
    const observer = new MutationObserver(() => undefined);
    observer.observe(first, { subtree: true, childList: true, characterData: true, attributes: true });
    el.events = events;
    await el.updateComplete;
    expect(observer.takeRecords(), "the first entry was not touched").to.be.empty;
    expect(first.isConnected && first.querySelector('[part="entry-title"]')).to.equal(title);
    observer.disconnect();
  });

  it("fits 320 px with the menu open, and is accessible", async () => {
    const el = await replay({ workspaceId: freshId("narrow"), hide: "usage", width: 320 });
    await openMenu(el);
    layOutEverything(el);
    const found = overflow(el);
    expect(found.past, found.past.join("\n")).to.deep.equal([]);
    expect(found.scrollWidth).to.equal(found.clientWidth);
    await expect(el).to.be.accessible();
  });
});
