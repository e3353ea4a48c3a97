/**
 * Hostile content, for the suites that feed it to the element (element/hostile, stack/hostile):
 * a whole session in which every field an agent or a user controls carries one vector of the XSS
 * corpus (test/fixtures/xss.ts); what the reader must still find; and a guard on the page that
 * notices anything that ran, loaded, navigated or changed the page, however late.
 *
 * What the page requests and where it navigates is recorded from outside, by Chromium (the
 * page-watch plugin): a page cannot be trusted to report on itself.
 */
import { expect, nextFrame } from "@open-wc/testing";
import { executeServerCommand } from "@web/test-runner-commands";
import type { SandboxWorkspace } from "../../../src/components/index.js";
import "../../../src/components/index.js";
import type { EntryType } from "../../../src/events/index.js";
import { SessionRecorder, chunks } from "../../fixtures/session.js";
import { CANARY, XSS_VECTORS, place } from "../../fixtures/xss.js";
import type { PageActivity } from "../../support/page-plugin.js";

declare global {
  interface Window {
    __xss?: (id: number) => void;
  }
}

// ---------------------------------------------------------------------------------------------
// The fields
// ---------------------------------------------------------------------------------------------

/**
 * How a field's text reaches the reader: as markdown (which may style `__word__` as bold), as a plan
 * status badge (first underscore shown as a space), or verbatim.
 */
export type Shown = "markdown" | "status" | "verbatim";

export interface Field {
  name: string;
  /** Where the reader finds it: entries of these types, or the element's header. Empty: only in the raw events. */
  where: Array<EntryType | "header">;
  shown?: Shown;
}

export const FIELDS = [
  { name: "user chunk text", where: ["user-message"], shown: "markdown" },
  { name: "prompt text", where: ["user-message"], shown: "markdown" },
  { name: "prompt author name", where: ["user-message"] },
  { name: "prompt author id", where: ["user-message"] },
  { name: "thought text", where: ["agent-thought"], shown: "markdown" },
  { name: "message text, streamed in chunks", where: ["agent-message"], shown: "markdown" },
  { name: "message id", where: [] },
  { name: "message text with a message id", where: ["agent-message"], shown: "markdown" },
  { name: "tool title", where: ["tool-call"] },
  { name: "tool name", where: ["tool-call"] },
  { name: "tool call id", where: ["tool-call"] },
  { name: "tool kind", where: [] },
  { name: "tool location path", where: ["tool-call"] },
  { name: "tool raw input value", where: ["tool-call"] },
  { name: "tool raw input key", where: ["tool-call"] },
  { name: "tool output markdown", where: ["tool-call"], shown: "markdown" },
  { name: "terminal output, fenced", where: ["tool-call"] },
  { name: "diff path", where: ["tool-call"] },
  { name: "diff old text", where: ["tool-call"] },
  { name: "diff new text", where: ["tool-call"] },
  { name: "terminal id", where: ["tool-call"] },
  { name: "tool raw output", where: ["tool-call"] },
  { name: "tool _meta", where: ["tool-call"] },
  { name: "resource link title", where: ["agent-message"] },
  { name: "resource link uri", where: ["agent-message"] },
  { name: "embedded resource uri", where: ["agent-message"] },
  { name: "embedded resource text", where: ["agent-message"] },
  { name: "image mime type", where: ["agent-message"] },
  { name: "unknown content block type", where: ["agent-message"] },
  { name: "permission tool title", where: ["permission-request"] },
  { name: "permission option name", where: ["permission-request"] },
  { name: "permission option id", where: [] },
  { name: "permission option kind", where: [] },
  { name: "permission raw input", where: ["permission-request"] },
  { name: "plan entry", where: ["plan"] },
  { name: "plan priority", where: ["plan"] },
  { name: "plan status", where: ["plan"], shown: "status" },
  { name: "usage cost currency", where: ["usage"] },
  { name: "session title", where: ["session-info", "header"] },
  { name: "session updatedAt", where: ["session-info"] },
  { name: "working directory", where: ["session-info"] },
  { name: "agent session id", where: ["session-info"] },
  { name: "model name", where: ["session-info"] },
  { name: "model id", where: [] },
  { name: "command name", where: ["available-commands"] },
  { name: "command description", where: ["available-commands"] },
  { name: "command input hint", where: ["available-commands"] },
  { name: "mode name", where: ["current-mode", "header"] },
  { name: "mode id", where: ["current-mode"] },
  { name: "mode description", where: ["current-mode"] },
  { name: "config option name", where: ["config-options"] },
  { name: "config option description", where: ["config-options"] },
  { name: "config option category", where: ["config-options"] },
  { name: "config choice name", where: ["config-options"] },
  { name: "config choice value", where: [] },
  { name: "config free value", where: ["config-options"] },
  { name: "config switch name", where: ["config-options"] },
  { name: "stop reason", where: ["turn-end"] },
  { name: "turn usage key", where: ["turn-end"] },
  { name: "error message", where: ["error"] },
  { name: "error code", where: ["error"] },
  { name: "error data", where: ["error"] },
  { name: "unknown update type", where: ["unknown"] },
  { name: "unknown update payload", where: ["unknown"] },
  { name: "unknown method", where: ["unknown"] },
  { name: "unknown method params", where: ["unknown"] },
  { name: "unknown request result", where: ["unknown"] },
  { name: "malformed event's sender", where: ["error"] },
] as const satisfies readonly Field[];

export type FieldName = (typeof FIELDS)[number]["name"];
export const FIELD_INDEX = new Map<string, number>(FIELDS.map((field, i) => [field.name, i]));

/**
 * A whole session, as sandbox-agent records it, in which every field carries vector `vector`,
 * with a marker and canary id of its own per field.
 */
export function hostileSession(vector: number): unknown[] {
  const h = (field: FieldName): string => place(vector, FIELD_INDEX.get(field)!).text;
  const rec = new SessionRecorder();
  const sessionId = rec.agentSessionId;
  const update = (value: Record<string, unknown>) => rec.raw("agent", { jsonrpc: "2.0", method: "session/update", params: { sessionId, update: value } });
  const request = (sender: "client" | "agent", id: number, method: string, params: unknown) => rec.raw(sender, { jsonrpc: "2.0", id, method, params });
  const respond = (sender: "client" | "agent", id: number, result: unknown) => rec.raw(sender, { jsonrpc: "2.0", id, result });

  // A user message from a loaded session, before anything else.
  update({ sessionUpdate: "user_message_chunk", content: { type: "text", text: h("user chunk text") } });

  request("client", 1, "session/new", { cwd: h("working directory"), mcpServers: [] });
  respond("agent", 1, {
    sessionId: h("agent session id"),
    modes: {
      currentModeId: "default",
      availableModes: [
        { id: "default", name: "Default" },
        { id: h("mode id"), name: h("mode name"), description: h("mode description") },
      ],
    },
    models: { currentModelId: h("model id"), availableModels: [{ modelId: h("model id"), name: h("model name") }] },
    configOptions: [],
  });
  update({ sessionUpdate: "available_commands_update", availableCommands: [{ name: h("command name"), description: h("command description"), input: { hint: h("command input hint") } }] });
  update({ sessionUpdate: "session_info_update", title: h("session title"), updatedAt: h("session updatedAt") });

  request("client", 2, "session/prompt", {
    sessionId,
    prompt: [{ type: "text", text: h("prompt text") }],
    _meta: { "sandbox-workspace": { user: { id: h("prompt author id"), name: h("prompt author name") } } },
  });
  for (const text of ["", ...chunks(h("thought text"))]) update({ sessionUpdate: "agent_thought_chunk", content: { type: "text", text } });
  for (const text of ["", ...chunks(h("message text, streamed in chunks"))]) update({ sessionUpdate: "agent_message_chunk", content: { type: "text", text } });
  for (const text of ["", h("message text with a message id")]) update({ sessionUpdate: "agent_message_chunk", messageId: h("message id"), content: { type: "text", text } });

  const toolCallId = h("tool call id");
  update({ sessionUpdate: "tool_call", toolCallId, title: "Terminal", kind: "execute", status: "pending", rawInput: {} });
  update({
    sessionUpdate: "tool_call_update",
    toolCallId,
    title: h("tool title"),
    name: h("tool name"),
    kind: h("tool kind"),
    status: "completed",
    locations: [{ path: h("tool location path"), line: 1 }],
    rawInput: { command: h("tool raw input value"), [h("tool raw input key")]: true },
    content: [
      { type: "content", content: { type: "text", text: h("tool output markdown") } },
      { type: "content", content: { type: "text", text: `\`\`\`console\n${h("terminal output, fenced")}\n\`\`\`` } },
      { type: "diff", path: h("diff path"), oldText: `keep\n${h("diff old text")}\nkeep`, newText: `keep\n${h("diff new text")}\nkeep` },
      { type: "terminal", terminalId: h("terminal id") },
    ],
    rawOutput: { stdout: h("tool raw output"), exitCode: 0 },
    _meta: { agent: { note: h("tool _meta") } },
  });

  // Content blocks other than text, in a message of their own.
  update({ sessionUpdate: "agent_message_chunk", content: { type: "resource_link", name: "file", title: h("resource link title"), uri: h("resource link uri") } });
  update({ sessionUpdate: "agent_message_chunk", content: { type: "resource", resource: { uri: h("embedded resource uri"), text: h("embedded resource text") } } });
  update({ sessionUpdate: "agent_message_chunk", content: { type: "image", mimeType: h("image mime type"), data: "R0lGODlhAQABAAAAACw=" } });
  update({ sessionUpdate: "agent_message_chunk", content: { type: h("unknown content block type"), value: 1 } });

  update({ sessionUpdate: "plan", entries: [{ content: h("plan entry"), priority: h("plan priority"), status: h("plan status") }] });
  update({ sessionUpdate: "usage_update", used: 10, size: 100, cost: { amount: 0.5, currency: h("usage cost currency") } });

  request("agent", 0, "session/request_permission", {
    sessionId,
    toolCall: { toolCallId: "permission-tool", title: h("permission tool title"), rawInput: { command: h("permission raw input") } },
    options: [{ optionId: h("permission option id"), name: h("permission option name"), kind: h("permission option kind") }],
  });
  respond("client", 0, { outcome: { outcome: "selected", optionId: h("permission option id") } });

  update({ sessionUpdate: "current_mode_update", currentModeId: h("mode id") });
  update({
    sessionUpdate: "config_option_update",
    configOptions: [
      {
        id: "choice",
        name: h("config option name"),
        description: h("config option description"),
        category: h("config option category"),
        type: "select",
        currentValue: h("config choice value"),
        options: [{ value: h("config choice value"), name: h("config choice name") }],
      },
      { id: "free", name: "Free", type: "text", currentValue: h("config free value") },
      { id: "switch", name: h("config switch name"), type: "boolean", currentValue: true },
    ],
  });

  update({ sessionUpdate: h("unknown update type"), detail: h("unknown update payload") });
  rec.raw("agent", { jsonrpc: "2.0", method: h("unknown method"), params: { detail: h("unknown method params") } });
  request("agent", 1, "x/unknown_request", { detail: "request" });
  respond("client", 1, { detail: h("unknown request result") });

  request("client", 3, "session/set_mode", { sessionId, modeId: "plan" });
  rec.raw("agent", { jsonrpc: "2.0", id: 3, error: { code: h("error code"), message: h("error message"), data: { detail: h("error data") } } });

  respond("agent", 2, { stopReason: h("stop reason"), usage: { [h("turn usage key")]: 1 } });

  const events: unknown[] = [...rec.events];
  events.push({ ...rec.events[0], id: "evt_malformed", eventIndex: events.length + 1, sender: h("malformed event's sender") });
  // As they come over the wire: JSON, so `__proto__` keys are plain own keys, as a parser makes them.
  return JSON.parse(JSON.stringify(events)) as unknown[];
}

// ---------------------------------------------------------------------------------------------
// What is checked
// ---------------------------------------------------------------------------------------------

/** An entry's text as the reader sees it, without its raw events. */
export function visibleText(entry: Element): string {
  let out = "";
  const walker = document.createTreeWalker(entry, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.parentElement?.closest('[part~="entry-raw"]')) out += node.nodeValue;
  }
  return out;
}

export function normalise(text: string, shown: Shown | undefined): string {
  if (shown === "markdown") return text.replace(/[_*\\]/g, "");
  if (shown === "status") return text.replace("_", " ");
  return text;
}

/** Fields of vector `vector` whose text the reader cannot find where it belongs. */
export function missing(el: SandboxWorkspace, vector: number): string[] {
  const root = el.shadowRoot!;
  const lost: string[] = [];
  FIELDS.forEach((field: Field, i) => {
    const { mark } = place(vector, i);
    for (const where of field.where) {
      // Markdown must show in the rendered markdown, not only in a header's plain-text preview of it.
      const texts =
        where === "header"
          ? [root.querySelector('[part="header"]')?.textContent ?? ""]
          : field.shown === "markdown"
            ? [...root.querySelectorAll(`[part~="entry-${where}"] [part~="markdown"]`)].map(visibleText)
            : [...root.querySelectorAll(`[part~="entry-${where}"]`)].map(visibleText);
      const needle = normalise(mark, field.shown);
      if (!texts.some((text) => normalise(text, field.shown).includes(needle))) lost.push(`${field.name} (${where})`);
    }
  });
  return lost;
}

/** What a reader must never be shown: JavaScript's own names for objects and functions. */
export function junk(el: SandboxWorkspace): string[] {
  const text = el.shadowRoot!.textContent ?? "";
  return ["[object Object]", "[native code]"].filter((word) => text.includes(word));
}

// ---------------------------------------------------------------------------------------------
// The page
// ---------------------------------------------------------------------------------------------

export const watchPage = (action: "start" | "stop") => executeServerCommand<PageActivity, { action: string }>("page-watch", { action });

/** Requests no content may cause: anything but the test server's own modules, and anything for a probe URL. */
export function foreignRequests(activity: PageActivity, allowedOrigins: string[] = []): string[] {
  return activity.requests
    .filter((request) => {
      if (request.url.includes("probe")) return true;
      const origin = new URL(request.url).origin;
      if (allowedOrigins.includes(origin)) return false;
      return origin !== location.origin || !["script", "fetch", "xhr"].includes(request.type);
    })
    .map((request) => `${request.type} ${request.method} ${request.url}`);
}

export const settle = async (el: SandboxWorkspace) => {
  await el.updateComplete;
  await nextFrame();
  await nextFrame();
  await el.updateComplete;
};

/** Gives images, frames and refreshes time to try. */
export const grace = () => new Promise((resolve) => setTimeout(resolve, 300));

/** Opens every entry, as a reader clicking each header would. */
export async function openEntries(el: SandboxWorkspace): Promise<void> {
  for (const summary of el.shadowRoot!.querySelectorAll<HTMLButtonElement>('[part="entry-summary"][aria-expanded="false"]')) summary.click();
  await settle(el);
  // Text far from view waits as plain text: scroll through, as a reader would, so all of it is rendered as markdown.
  for (let step = 0; step < 200; step++) {
    const plain = el.shadowRoot!.querySelector<HTMLElement>(".entry[data-plain]");
    if (!plain) return;
    plain.scrollIntoView({ block: "start" });
    await new Promise((resolve) => requestAnimationFrame(resolve));
    await settle(el);
  }
  throw new Error("scrolling through the transcript left text plain");
}

/** Opens every `<details>` (each entry's raw events, or the raw event list), and waits for what they render. */
export async function openDetails(el: SandboxWorkspace): Promise<void> {
  for (const details of el.shadowRoot!.querySelectorAll("details")) details.open = true;
  await new Promise((resolve) => setTimeout(resolve, 0)); // toggle events are queued
  await settle(el);
}

interface Trap {
  canary: number[];
  dialogs: string[];
}

function installTraps(): { trap: Trap; restore(): void } {
  const trap: Trap = { canary: [], dialogs: [] };
  const saved = { alert: window.alert, confirm: window.confirm, prompt: window.prompt, print: window.print };
  window[CANARY] = (id: number) => void trap.canary.push(id);
  window.alert = (message?: unknown) => void trap.dialogs.push(`alert(${String(message)})`);
  window.confirm = (message?: string) => (trap.dialogs.push(`confirm(${String(message)})`), false);
  window.prompt = (message?: string) => (trap.dialogs.push(`prompt(${String(message)})`), null);
  window.print = () => void trap.dialogs.push("print()");
  return {
    trap,
    restore() {
      delete window[CANARY];
      Object.assign(window, saved);
    },
  };
}

/** Fields fed outside a replayed session, numbered after FIELDS. */
export const USER_NAME = FIELDS.length;
export const STREAMED = FIELDS.length + 1;
export const LONG_PARAGRAPH = FIELDS.length + 2;
export const OTHER_FIELDS = ["the connection's user name", "a message streamed chunk by chunk", "a long paragraph streamed chunk by chunk"];

const describeCall = (id: number) => `${XSS_VECTORS[Math.floor(id / 100)]?.name} in ${FIELDS[id % 100]?.name ?? OTHER_FIELDS[(id % 100) - FIELDS.length]}`;

// ---------------------------------------------------------------------------------------------
// The guard
// ---------------------------------------------------------------------------------------------

/** Everything that went wrong in one batch, by kind. Each list must stay empty. */
export interface Report {
  scriptsRan: string[];
  dialogs: string[];
  requests: string[];
  navigations: string[];
  page: string[];
  dom: string[];
  lostText: string[];
  junk: string[];
}

export const CLEAN: Report = { scriptsRan: [], dialogs: [], requests: [], navigations: [], page: [], dom: [], lostText: [], junk: [] };

/**
 * Guards the page for the tests of the describe block it is called in: traps the canary and the
 * dialogs for the whole block (a handler that fires after its test still trips it), gives each test
 * a fresh container, and reports what the page as a whole, and Chromium watching it, saw.
 */
export function guardPage(): { container(): HTMLElement; report(activity: PageActivity, allowedOrigins?: string[]): Report } {
  let traps: ReturnType<typeof installTraps>;
  let container: HTMLElement;
  const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort().join();
  const startUrl = location.href;
  const startBase = document.baseURI;
  /** Elements of the page outside the test's container. */
  const outsideElements = () => [...document.querySelectorAll("*")].filter((element) => !container.contains(element)).length;
  let elementsOutside = 0;

  /** Every canary call and dialog of the whole run, however late it came. */
  const everything: string[] = [];

  before(() => {
    expect(XSS_VECTORS.length, "the corpus").to.be.at.least(100);
    expect(FIELDS.length + OTHER_FIELDS.length, "field numbers fit the canary id").to.be.below(100);
    // Armed for the whole file, so a handler that fires after its test still trips it.
    traps = installTraps();
  });

  after(() => {
    traps.restore();
    expect(everything, "nothing ran, even late").to.deep.equal([]);
  });

  beforeEach(() => {
    traps.trap.canary.length = 0;
    traps.trap.dialogs.length = 0;
    container = document.createElement("div");
    document.body.append(container);
    elementsOutside = outsideElements();
  });

  afterEach(() => {
    container.remove();
    everything.push(...traps.trap.canary.map(describeCall), ...traps.trap.dialogs);
  });

  /** What the page as a whole, and Chromium watching it, saw. */
  function report(activity: PageActivity, allowedOrigins: string[] = []): Report {
    const page: string[] = [];
    if (location.href !== startUrl) page.push(`the page moved to ${location.href}`);
    if (document.baseURI !== startBase) page.push(`a <base> took effect: ${document.baseURI}`);
    if (Object.getOwnPropertyNames(Object.prototype).sort().join() !== prototypeKeys) page.push("Object.prototype changed");
    if (outsideElements() !== elementsOutside) page.push("elements were added to the page outside the elements");
    for (const el of container.children) if (el.childNodes.length) page.push(`light DOM added to <${el.localName}>`);
    return {
      ...CLEAN,
      scriptsRan: traps.trap.canary.map(describeCall),
      dialogs: [...traps.trap.dialogs, ...activity.dialogs.map((dialog) => `${dialog.type}: ${dialog.message}`)],
      requests: foreignRequests(activity, allowedOrigins),
      navigations: [
        ...activity.navigations.map((navigation) => `${navigation.main ? "page" : "frame"} → ${navigation.url}`),
        ...activity.frames.map((frame) => `frame inserted: ${frame}`),
        ...activity.popups.map((popup) => `popup: ${popup}`),
      ],
      page,
    };
  }

  return { container: () => container, report };
}

/**
 * A control for the guard of the describe block it is called in: a request, a frame, a navigation
 * and a dialog, made on purpose, are all seen. Without it a blind watcher would pass every test.
 */
export function itIsWatched(page: ReturnType<typeof guardPage>): void {
  it("is watched by something that would notice: a request, a frame, a navigation and a dialog are all seen", async () => {
    await watchPage("start");
    const image = new Image();
    image.src = "/package.json?probe-control";
    const frame = document.createElement("iframe");
    frame.srcdoc = "<script>alert('control')</script>";
    page.container().append(image, frame);
    await new Promise((resolve) => frame.addEventListener("load", resolve, { once: true }));
    await grace();
    const activity = await watchPage("stop");
    frame.remove();
    expect(activity.requests.map((request) => new URL(request.url).search)).to.include("?probe-control");
    expect(foreignRequests(activity)).to.not.be.empty;
    expect(activity.frames).to.not.be.empty;
    expect(activity.navigations.filter((navigation) => !navigation.main)).to.not.be.empty;
    expect(activity.dialogs.map((dialog) => dialog.message)).to.deep.equal(["control"]);
  });
}
