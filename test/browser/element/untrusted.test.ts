/**
 * Untrusted content stays inert when it all comes at once: one replayed session with the whole XSS
 * corpus (test/fixtures/xss.ts) together in the prompt, the thought, the message and a tool's output,
 * and single vectors in the fields shown verbatim. Nothing runs, nothing loads, and the reader sees
 * the text as it was written. Each vector alone in each field, watched from outside the page:
 * hostile.test.ts.
 */
import { expect } from "@open-wc/testing";
import { SessionRecorder, block } from "../../fixtures/session.js";
import { CANARY, XSS_VECTORS, place } from "../../fixtures/xss.js";
import { dangers } from "../support/dangers.js";
import { $, $$, mount, openAll, textOf } from "../support/harness.js";

/** Where this file's session puts vectors: each place has its own canary ids (see `place`). */
const FIELDS = ["prompt", "author", "thought", "message", "tool title", "tool path", "tool input", "tool output", "tool content", "diff path", "diff old", "diff new", "plan", "title", "command name", "command description", "update type", "update payload"] as const;
type Where = (typeof FIELDS)[number];

/** Vector `name` of the corpus, as placed in `where`. */
function one(name: string, where: Where) {
  const vector = XSS_VECTORS.findIndex((candidate) => candidate.name === name);
  if (vector < 0) throw new Error(`no vector named ${name}`);
  return place(vector, FIELDS.indexOf(where));
}

/** The whole corpus, one vector a paragraph, as placed in `where`. */
const all = (where: Where) => XSS_VECTORS.map((_, vector) => place(vector, FIELDS.indexOf(where)).text).join("\n\n");

const SCRIPT = "script tag";
const IMG = "img onerror";

function untrustedSession(): unknown[] {
  const rec = new SessionRecorder();
  rec.clientRequest("session/prompt", {
    sessionId: rec.agentSessionId,
    prompt: [{ type: "text", text: all("prompt") }],
    _meta: { "sandbox-workspace": { user: { id: "<b>u</b>", name: one(IMG, "author").text } } },
  });
  block(rec, "agent_thought_chunk", [all("thought")]);
  block(rec, "agent_message_chunk", [all("message")]);
  rec.update({
    sessionUpdate: "tool_call",
    toolCallId: "t1",
    title: one(IMG, "tool title").text,
    kind: "execute",
    status: "completed",
    locations: [{ path: one(SCRIPT, "tool path").text }],
    rawInput: { command: one("svg onload", "tool input").text },
    rawOutput: { stdout: one("iframe srcdoc", "tool output").text },
    content: [
      { type: "content", content: { type: "text", text: all("tool content") } },
      { type: "diff", path: one("a href javascript:", "diff path").text, oldText: one(SCRIPT, "diff old").text, newText: one(IMG, "diff new").text },
    ],
  });
  rec.update({ sessionUpdate: "plan", entries: [{ content: one(IMG, "plan").text, priority: "high", status: "pending" }] });
  rec.update({ sessionUpdate: "session_info_update", title: one(SCRIPT, "title").text });
  rec.update({ sessionUpdate: "available_commands_update", availableCommands: [{ name: one(IMG, "command name").text, description: one("svg onload", "command description").text }] });
  rec.raw("agent", { jsonrpc: "2.0", method: "session/update", params: { update: { sessionUpdate: one(SCRIPT, "update type").text, x: one(IMG, "update payload").text } } });
  return rec.events;
}

describe("untrusted content stays inert", () => {
  let requests: string[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) requests.push(entry.name);
  });
  const ran: number[] = [];

  before(() => {
    observer.observe({ type: "resource", buffered: false });
    window[CANARY] = (id: number) => void ran.push(id);
  });
  after(() => {
    observer.disconnect();
    delete window[CANARY];
  });
  beforeEach(() => {
    ran.length = 0;
    requests = [];
  });

  it("runs no script, attaches no handler, loads nothing and keeps the text readable", async () => {
    const el = await mount(untrustedSession());
    await openAll(el);
    for (const details of el.shadowRoot!.querySelectorAll("details")) details.open = true;
    await el.updateComplete;
    await new Promise((resolve) => setTimeout(resolve, 200));
    const where = (id: number) => `${XSS_VECTORS[Math.floor(id / 100)]?.name} in the ${FIELDS[id % 100]}`;
    expect(ran.map(where), "canary calls").to.deep.equal([]);
    expect(dangers(el.shadowRoot!)).to.deep.equal([]);
    expect(requests.filter((url) => !url.startsWith(location.origin) || url.includes("probe"))).to.deep.equal([]);
    // The reader still sees what the agent wrote.
    const message = textOf($(el, '[part~="entry-agent-message"]'));
    expect(message, "a script's text").to.contain(`${CANARY}(${one(SCRIPT, "message").id})`);
    expect(message, "an image's alt text").to.contain(one("markdown image remote", "message").mark);
    expect(textOf($(el, '[part="title"]'))).to.equal(one(SCRIPT, "title").text);
    expect(textOf($(el, '[part~="entry-plan"]'))).to.contain(one(IMG, "plan").text);
  });

  it("links open in a new tab without opener, and only with safe schemes", async () => {
    const rec = new SessionRecorder();
    block(rec, "agent_message_chunk", ["[docs](https://example.com) [local](./README.md) [bad](javascript:alert(1)) [mail](mailto:a@example.com)"]);
    const el = await mount(rec.events);
    const links = $$(el, ".markdown a");
    expect(links.map((a) => a.getAttribute("href"))).to.deep.equal(["https://example.com", "./README.md", null, "mailto:a@example.com"]);
    for (const a of links) {
      expect(a.getAttribute("target")).to.equal("_blank");
      expect(a.getAttribute("rel")).to.contain("noopener");
    }
  });
});

describe("direction controls cannot disguise text", () => {
  // "/repo/‮gnp.exe" displays as "/repo/exe.png" wherever the override is left invisible.
  const spoof = "/repo/\u202Egnp.exe";
  const CONTROLS = /[\u202A-\u202E\u2066-\u2069]/;

  function spoofSession(): unknown[] {
    const rec = new SessionRecorder();
    rec.clientRequest("session/prompt", {
      sessionId: rec.agentSessionId,
      prompt: [{ type: "text", text: `Open ${spoof}` }],
      _meta: { "sandbox-workspace": { user: { id: "u", name: "Ada\u2067nimdA" } } },
    });
    block(rec, "agent_message_chunk", [`Opening \`${spoof}\` now.\n\n\`\`\`sh\nrm -rf /tmp/\u2066x\u2069 # \u202Ecomment\n\`\`\``]);
    rec.update({
      sessionUpdate: "tool_call",
      toolCallId: "t1",
      title: `Read \`${spoof}\``,
      kind: "read",
      status: "completed",
      locations: [{ path: spoof }],
      rawInput: { path: spoof },
      content: [{ type: "diff", path: spoof, oldText: "safe\n", newText: "if (isAdmin) {\u202E } \u2066if (isUser)\u2069 {\n" }],
    });
    rec.update({ sessionUpdate: "session_info_update", title: `Fix ${spoof}` });
    rec.update({ sessionUpdate: "available_commands_update", availableCommands: [{ name: "run\u202Etxt.sh", description: `runs ${spoof}` }] });
    return rec.events;
  }

  it("are shown by name in messages, code, paths, diffs, titles and raw JSON", async () => {
    const el = await mount(spoofSession());
    await openAll(el);
    for (const details of el.shadowRoot!.querySelectorAll("details")) details.open = true;
    await el.updateComplete;
    const shown = (node: Element) => node.textContent ?? "";
    // Nowhere in the element does an invisible control remain.
    const leaks = [...el.shadowRoot!.querySelectorAll(".timeline *")].filter((node) => [...node.childNodes].some((child) => child.nodeType === 3 && CONTROLS.test((child as Text).data)));
    expect(leaks.map((node) => `${node.tagName}.${node.className}: ${JSON.stringify(node.textContent?.slice(0, 80))}`), "transcript").to.deep.equal([]);
    expect(CONTROLS.test(shown(el.shadowRoot!.querySelector('[part="title"]')!)), "title").to.be.false;
    const tool = el.shadowRoot!.querySelector('[part~="entry-tool-call"]')!;
    expect(textOf(tool.querySelector('[part="entry-title"]')!)).to.contain("/repo/⟨RLO⟩gnp.exe");
    expect(textOf(tool.querySelector(".path")!)).to.equal("/repo/⟨RLO⟩gnp.exe");
    expect(textOf(tool.querySelector('[part="diff-header"]')!)).to.contain("/repo/⟨RLO⟩gnp.exe");
    expect(textOf(tool.querySelector('[part="diff-add"]')!)).to.contain("if (isAdmin) {⟨RLO⟩ } ⟨LRI⟩if (isUser)⟨PDI⟩ {");
    // Raw JSON keeps the same JSON, with the controls escaped.
    expect(textOf(tool.querySelector('[part="json"]')!)).to.contain('"/repo/\\u202egnp.exe"');
    const message = el.shadowRoot!.querySelector('[part~="entry-agent-message"]')!;
    expect(textOf(message.querySelector("p code")!)).to.equal("/repo/⟨RLO⟩gnp.exe");
    expect(textOf(message.querySelector("pre")!)).to.contain("rm -rf /tmp/⟨LRI⟩x⟨PDI⟩ # ⟨RLO⟩comment");
    expect(textOf(el.shadowRoot!.querySelector('[part="title"]')!)).to.equal("Fix /repo/⟨RLO⟩gnp.exe");
  });
});
