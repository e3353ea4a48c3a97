/**
 * Hostile content: every field an agent or a user controls, fed every vector of the XSS corpus
 * (test/fixtures/xss.ts), through the element's real paths. Nothing may run, load, navigate or
 * restyle the page, and the reader must still see the text.
 *
 * What the page requests and where it navigates is recorded from outside, by Chromium (the
 * page-watch plugin): a page cannot be trusted to report on itself.
 */
import { expect, nextFrame } from "@open-wc/testing";
import { executeServerCommand } from "@web/test-runner-commands";
import type { SandboxWorkspace } from "../../src/components/index.js";
import "../../src/components/index.js";
import type { EntryType } from "../../src/events/index.js";
import { SessionRecorder, chunks } from "../fixtures/session.js";
import { CANARY, XSS_VECTORS, place } from "../fixtures/xss.js";
import type { PageActivity } from "../support/page-plugin.js";

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
type Shown = "markdown" | "status" | "verbatim";

interface Field {
  name: string;
  /** Where the reader finds it: entries of these types, or the element's header. Empty: only in the raw events. */
  where: Array<EntryType | "header">;
  shown?: Shown;
}

const FIELDS = [
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

type FieldName = (typeof FIELDS)[number]["name"];
const FIELD_INDEX = new Map<string, number>(FIELDS.map((field, i) => [field.name, i]));

/**
 * A whole session, as sandbox-agent records it, in which every field carries vector `vector`,
 * with a marker and canary id of its own per field.
 */
function hostileSession(vector: number): unknown[] {
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

const URL_ATTRIBUTES = ["href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "cite", "longdesc", "ping", "srcset", "lowsrc", "dynsrc", "codebase", "manifest", "icon", "usemap"];
/** Elements that load, run or restyle something. None may come from content. */
const FORBIDDEN = new Set(["script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "meta", "link", "style", "img", "image", "svg", "math", "video", "audio", "source", "track", "picture", "portal", "template", "noscript", "form", "input", "textarea", "select", "button", "isindex", "keygen", "marquee", "bgsound"]);
/** What marked produces from markdown: all a `markdown` part may hold. */
const MARKDOWN_TAGS = new Set(["p", "a", "em", "strong", "del", "code", "pre", "ul", "ol", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "br", "table", "thead", "tbody", "tr", "th", "td"]);
const SAFE_PROTOCOLS = new Set(["http:", "https:", "mailto:"]);

/** Every element under `root`, in every shadow root below it. */
function* walk(root: ParentNode): Generator<Element> {
  for (const element of root.querySelectorAll("*")) {
    yield element;
    if (element.shadowRoot) yield* walk(element.shadowRoot);
  }
}

/** The element's own controls: a form element is only allowed where the element itself renders one. */
function isOwnControl(element: Element): boolean {
  const tag = element.localName;
  if (tag === "button") return /\b(summary|tool|command)\b/.test(element.className) && !element.closest('[part~="markdown"]');
  if (tag === "form") return (element.getAttribute("part") ?? "").split(" ").includes("composer");
  if (tag === "textarea") return element.classList.contains("composer-input");
  if (tag === "select") return (element.getAttribute("part") ?? "") === "mode-picker" || !!element.closest('[part~="config-picker"]');
  if (tag === "input") return element.getAttribute("type") === "checkbox" && !!element.closest('[part~="config-picker"]');
  return false;
}

/** Anything in the DOM under `root` that could run, load, navigate or restyle. */
function dangers(root: ParentNode): string[] {
  const found: string[] = [];
  for (const element of walk(root)) {
    const tag = element.localName;
    const name = `<${tag}>`;
    if (FORBIDDEN.has(tag) && !isOwnControl(element)) found.push(name);
    if (element.closest('[part~="markdown"]') && !MARKDOWN_TAGS.has(tag) && !element.matches('[part~="markdown"]')) found.push(`${name} in markdown`);
    for (const { name: attr, value } of element.attributes) {
      if (attr.startsWith("on")) found.push(`${name} ${attr}`);
      if (attr === "style" || attr === "srcdoc") found.push(`${name} ${attr}="${value}"`);
      if (!URL_ATTRIBUTES.includes(attr)) continue;
      if (!(tag === "a" && attr === "href")) {
        found.push(`${name} ${attr}="${value}"`);
        continue;
      }
      let protocol: string;
      try {
        protocol = new URL(value, document.baseURI).protocol;
      } catch {
        continue; // A URL that does not parse goes nowhere.
      }
      if (!SAFE_PROTOCOLS.has(protocol)) found.push(`${name} href="${value}"`);
      if (!/\bnoopener\b/.test(element.getAttribute("rel") ?? "")) found.push(`${name} href="${value}" without rel=noopener`);
    }
  }
  return found;
}

/** An entry's text as the reader sees it, without its raw events. */
function visibleText(entry: Element): string {
  let out = "";
  const walker = document.createTreeWalker(entry, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.parentElement?.closest('[part~="entry-raw"]')) out += node.nodeValue;
  }
  return out;
}

function normalise(text: string, shown: Shown | undefined): string {
  if (shown === "markdown") return text.replace(/[_*\\]/g, "");
  if (shown === "status") return text.replace("_", " ");
  return text;
}

/** Fields of vector `vector` whose text the reader cannot find where it belongs. */
function missing(el: SandboxWorkspace, vector: number): string[] {
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
function junk(el: SandboxWorkspace): string[] {
  const text = el.shadowRoot!.textContent ?? "";
  return ["[object Object]", "[native code]"].filter((word) => text.includes(word));
}

// ---------------------------------------------------------------------------------------------
// The page
// ---------------------------------------------------------------------------------------------

const watchPage = (action: "start" | "stop") => executeServerCommand<PageActivity, { action: string }>("page-watch", { action });

/** Requests no content may cause: anything but the test server's own modules, and anything for a probe URL. */
function foreignRequests(activity: PageActivity, allowedOrigins: string[] = []): string[] {
  return activity.requests
    .filter((request) => {
      if (request.url.includes("probe")) return true;
      const origin = new URL(request.url).origin;
      if (allowedOrigins.includes(origin)) return false;
      return origin !== location.origin || !["script", "fetch", "xhr"].includes(request.type);
    })
    .map((request) => `${request.type} ${request.method} ${request.url}`);
}

const settle = async (el: SandboxWorkspace) => {
  await el.updateComplete;
  await nextFrame();
  await nextFrame();
  await el.updateComplete;
};

/** Gives images, frames and refreshes time to try. */
const grace = () => new Promise((resolve) => setTimeout(resolve, 300));

/** Opens every entry, as a reader clicking each header would. */
async function openEntries(el: SandboxWorkspace): Promise<void> {
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
async function openDetails(el: SandboxWorkspace): Promise<void> {
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
const USER_NAME = FIELDS.length;
const STREAMED = FIELDS.length + 1;
const LONG_PARAGRAPH = FIELDS.length + 2;
const OTHER_FIELDS = ["the connection's user name", "a message streamed chunk by chunk", "a long paragraph streamed chunk by chunk"];

const describeCall = (id: number) => `${XSS_VECTORS[Math.floor(id / 100)]?.name} in ${FIELDS[id % 100]?.name ?? OTHER_FIELDS[(id % 100) - FIELDS.length]}`;

// ---------------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------------

const BATCH = 20;

/** Everything that went wrong in one batch, by kind. Each list must stay empty. */
interface Report {
  scriptsRan: string[];
  dialogs: string[];
  requests: string[];
  navigations: string[];
  page: string[];
  dom: string[];
  lostText: string[];
  junk: string[];
}

const CLEAN: Report = { scriptsRan: [], dialogs: [], requests: [], navigations: [], page: [], dom: [], lostText: [], junk: [] };

describe("hostile content", () => {
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
  function pageReport(activity: PageActivity, allowedOrigins: string[] = []): Report {
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

  it("is watched by something that would notice: a request, a frame, a navigation and a dialog are all seen", async () => {
    await watchPage("start");
    const image = new Image();
    image.src = "/package.json?probe-control";
    const frame = document.createElement("iframe");
    frame.srcdoc = "<script>alert('control')</script>";
    container.append(image, frame);
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

  describe("in a replayed session", () => {
    for (let start = 0; start < XSS_VECTORS.length; start += BATCH) {
      const end = Math.min(start + BATCH, XSS_VECTORS.length);
      it(`vectors ${start + 1}–${end} of ${XSS_VECTORS.length}, each in all ${FIELDS.length} fields, run nothing, load nothing and stay readable`, async () => {
        await watchPage("start");
        const elements: Array<{ el: SandboxWorkspace; vector: number; events: unknown[] }> = [];
        for (let vector = start; vector < end; vector++) {
          const el = document.createElement("sandbox-workspace");
          el.events = [];
          el.style.height = "400px";
          container.append(el);
          const events = hostileSession(vector);
          el.appendEvents(events);
          elements.push({ el, vector, events });
        }
        await Promise.all(elements.map(({ el }) => settle(el)));

        const dom: string[] = [];
        const lostText: string[] = [];
        const shownJunk: string[] = [];
        const name = (vector: number) => XSS_VECTORS[vector].name;
        // Every entry open, as a reader clicking each header would leave them.
        await Promise.all(elements.map(({ el }) => openEntries(el)));
        for (const { el, vector, events } of elements) {
          lostText.push(...missing(el, vector).map((field) => `${name(vector)}: ${field}`));
          shownJunk.push(...junk(el).map((word) => `${name(vector)}: ${word}`));
          if (el.timeline.events.length !== events.length) lostText.push(`${name(vector)}: ${events.length - el.timeline.events.length} events not folded`);
        }
        // ...and each entry's raw events.
        await Promise.all(elements.map(({ el }) => openDetails(el)));
        await grace();
        for (const { el, vector } of elements) dom.push(...dangers(el.shadowRoot!).map((what) => `${name(vector)}: ${what}`));
        // The element-wide raw event list, every event open.
        for (const { el } of elements) el.rawView = true;
        await Promise.all(
          elements.map(async ({ el }) => {
            await settle(el);
            await openDetails(el);
          }),
        );
        await grace();
        for (const { el, vector } of elements) dom.push(...dangers(el.shadowRoot!).map((what) => `${name(vector)} (raw list): ${what}`));
        const activity = await watchPage("stop");

        expect({ ...pageReport(activity), dom, lostText, junk: shownJunk }).to.deep.equal(CLEAN);
      });
    }
  });

  describe("while it streams", () => {
    it("every vector, streamed a few chunks per frame, as paragraphs and in one long paragraph shown plain between renders, runs nothing and stays readable", async () => {
      await watchPage("start");
      const el = document.createElement("sandbox-workspace");
      el.events = [];
      el.style.height = "600px";
      container.append(el);
      const rec = new SessionRecorder();
      const paragraphs = XSS_VECTORS.map((_, vector) => place(vector, STREAMED).text).join("\n\n");
      // Past 4,000 characters an open block is re-rendered only as it grows by a quarter; the newest text shows plain in between.
      const long = `${"Filler words to make one long paragraph. ".repeat(110)}${XSS_VECTORS.map((_, vector) => place(vector, LONG_PARAGRAPH).text.replace(/[\r\n]+/g, " ")).join(" ")}`;
      const dom: string[] = [];
      let renders = 0;
      for (const message of [paragraphs, long]) {
        const start = rec.events.length;
        for (const text of ["", ...(message.match(/[^]{1,60}/g) ?? [])]) rec.update({ sessionUpdate: "agent_message_chunk", content: { type: "text", text } });
        const events = rec.events.slice(start);
        for (let i = 0; i < events.length; i += 4) {
          el.appendEvents(events.slice(i, i + 4));
          await settle(el);
          renders++;
          dom.push(...dangers(el.shadowRoot!).map((what) => `after ${i + 4} chunks: ${what}`));
        }
      }
      // The stream paused: long open blocks are rendered in full.
      await new Promise((resolve) => setTimeout(resolve, 200));
      await settle(el);
      await grace();
      dom.push(...dangers(el.shadowRoot!));
      const [first, second] = [...el.shadowRoot!.querySelectorAll('[part~="entry-agent-message"] [part~="markdown"]')].map(visibleText);
      const lostText: string[] = [];
      XSS_VECTORS.forEach((vector, i) => {
        if (!normalise(first ?? "", "markdown").includes(normalise(place(i, STREAMED).mark, "markdown"))) lostText.push(`${vector.name}: ${OTHER_FIELDS[1]}`);
        if (!normalise(second ?? "", "markdown").includes(normalise(place(i, LONG_PARAGRAPH).mark, "markdown"))) lostText.push(`${vector.name}: ${OTHER_FIELDS[2]}`);
      });
      const activity = await watchPage("stop");
      expect(renders, "the stream was rendered as it came").to.be.above(50);
      expect({ ...pageReport(activity), dom: [...new Set(dom)], lostText, junk: junk(el) }).to.deep.equal(CLEAN);
    });
  });

  describe("in an adversarial envelope", () => {
    it("timestamps no date can hold leave the transcript readable", async () => {
      const events = hostileSession(0).map((event, i) => ({ ...(event as object), createdAt: [Number.MAX_VALUE, -1e300, 8.64e15 + 1, 1e20][i % 4] }));
      const el = document.createElement("sandbox-workspace");
      el.events = [];
      container.append(el);
      el.appendEvents(events);
      await settle(el);
      await openEntries(el);
      expect(el.shadowRoot!.querySelectorAll('[part~="entry"]').length, "every entry is shown").to.equal(el.timeline.size);
      expect(missing(el, 0), "text the reader can no longer find").to.deep.equal([]);
    });
  });

  describe("in a live workspace", () => {
    let endpoint: string;
    before(async function () {
      this.timeout(120_000);
      ({ endpoint } = await executeServerCommand<{ endpoint: string }, { action: string }>("stack", { action: "start" }));
    });

    const LIVE_BATCH = 30;
    /** The marker first: the workspace keeps a user name's first 128 characters. */
    const userName = (vector: number) => {
      const { text, mark } = place(vector, USER_NAME);
      return { name: `${mark} ${text}`, mark };
    };

    for (let start = 0; start < XSS_VECTORS.length; start += LIVE_BATCH) {
      const end = Math.min(start + LIVE_BATCH, XSS_VECTORS.length);
      it(`vectors ${start + 1}–${end} as user names in presence, and in the header's pickers and the composer's command list, run nothing and stay readable`, async () => {
        await watchPage("start");
        const workspaceId = `hostile-${Date.now().toString(36)}-${start}`;
        const elements: Array<{ el: SandboxWorkspace; vector: number }> = [];
        for (let vector = start; vector < end; vector++) {
          const el = document.createElement("sandbox-workspace");
          el.setAttribute("endpoint", endpoint);
          el.setAttribute("workspace-id", workspaceId);
          el.setAttribute("user-name", userName(vector).name);
          el.style.height = "300px";
          container.append(el);
          elements.push({ el, vector });
        }
        const names = elements.map(({ vector }) => userName(vector).mark);
        const presence = (el: SandboxWorkspace) => el.shadowRoot!.querySelector('[part="presence"]')?.textContent ?? "";
        await until(() => elements.every(({ el }) => el.connectionStatus === "live"), "every element is live");
        await until(() => elements.every(({ el }) => names.every((mark) => presence(el).includes(mark))), "every element's presence lists everyone");

        // The agent's modes, options and commands, as the header and composer show them when live.
        for (const { el, vector } of elements) {
          el.appendEvents(hostileSession(vector));
          const input = el.shadowRoot!.querySelector<HTMLTextAreaElement>('[part="composer-input"]')!;
          input.value = "/";
          input.dispatchEvent(new Event("input"));
        }
        await Promise.all(elements.map(({ el }) => settle(el)));
        await grace();

        const dom: string[] = [];
        const lostText: string[] = [];
        const shownJunk: string[] = [];
        for (const { el, vector } of elements) {
          const name = XSS_VECTORS[vector].name;
          dom.push(...dangers(el.shadowRoot!).map((what) => `${name}: ${what}`));
          shownJunk.push(...junk(el).map((word) => `${name}: ${word}`));
          const root = el.shadowRoot!;
          const shows = (selector: string, field: FieldName | number) => {
            const { mark } = place(vector, typeof field === "number" ? field : FIELD_INDEX.get(field)!);
            const text = [...root.querySelectorAll(selector)].map((node) => node.textContent ?? "").join(" ");
            if (!text.includes(mark)) lostText.push(`${name}: ${typeof field === "number" ? "user name" : field} in ${selector}`);
          };
          shows('[part="mode-picker"] option', "mode name");
          shows('[part="config-picker"]', "config option name");
          shows('[part="config-picker"]', "config switch name");
          shows('[part="config-picker"] option', "config choice name");
          shows('[part="command-list"]', "command name");
          shows('[part="command-list"]', "command description");
          if (!names.every((mark) => presence(el).includes(mark))) lostText.push(`${name}: not every user name in presence`);
        }
        const activity = await watchPage("stop");

        expect({ ...pageReport(activity, [new URL(endpoint).origin]), dom, lostText, junk: shownJunk }).to.deep.equal(CLEAN);
      });
    }
  });
});

async function until(check: () => boolean, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
