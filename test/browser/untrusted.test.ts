import { expect } from "@open-wc/testing";
import type { SandboxWorkspace } from "../../src/components/index.js";
import { SessionRecorder, block } from "../fixtures/session.js";
import { $$, mount, openAll, text } from "./helpers.js";

declare global {
  interface Window {
    __pwned?: string;
  }
}

/** Markup that runs script, loads something, or restyles the page, if anything lets it through. */
const VECTORS = [
  `<script>window.__pwned = "script"</script>`,
  `<img src="x" onerror="window.__pwned = 'img'">`,
  `<svg onload="window.__pwned = 'svg'"><circle r="1"/></svg>`,
  `<iframe srcdoc="<script>parent.__pwned = 'iframe'</script>"></iframe>`,
  `<math><mi xlink:href="javascript:window.__pwned='math'">x</mi></math>`,
  `<a href="javascript:window.__pwned = 'link'">click</a>`,
  `[md link](javascript:window.__pwned='md')`,
  `[data link](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)`,
  `![tracker](https://tracker.invalid/pixel.png)`,
  `<style>:host { display: none !important }</style>`,
  `<div style="position:fixed;inset:0;background:red">overlay</div>`,
  `<details open ontoggle="window.__pwned = 'details'">x</details>`,
  `<form action="https://phish.invalid"><input name="password"></form>`,
  `<<script>script>window.__pwned = "nested"<</script>/script>`,
  `<a href="&#106;avascript:window.__pwned='entity'">entity</a>`,
];

function hostileSession(): unknown[] {
  const rec = new SessionRecorder();
  const hostile = VECTORS.join("\n\n");
  rec.clientRequest("session/prompt", {
    sessionId: rec.agentSessionId,
    prompt: [{ type: "text", text: hostile }],
    _meta: { "sandbox-workspace": { user: { id: "<b>u</b>", name: `<img src=x onerror="window.__pwned='name'">` } } },
  });
  block(rec, "agent_thought_chunk", [hostile]);
  block(rec, "agent_message_chunk", [hostile]);
  rec.update({
    sessionUpdate: "tool_call",
    toolCallId: "t1",
    title: VECTORS[1],
    kind: "execute",
    status: "completed",
    locations: [{ path: VECTORS[0] }],
    rawInput: { command: VECTORS[2] },
    rawOutput: { stdout: VECTORS[3] },
    content: [
      { type: "content", content: { type: "text", text: hostile } },
      { type: "diff", path: VECTORS[5], oldText: VECTORS[0], newText: VECTORS[1] },
    ],
  });
  rec.update({ sessionUpdate: "plan", entries: [{ content: VECTORS[1], priority: "high", status: "pending" }] });
  rec.update({ sessionUpdate: "session_info_update", title: VECTORS[0] });
  rec.update({ sessionUpdate: "available_commands_update", availableCommands: [{ name: VECTORS[1], description: VECTORS[2] }] });
  rec.raw("agent", { jsonrpc: "2.0", method: "session/update", params: { update: { sessionUpdate: VECTORS[0], x: VECTORS[1] } } });
  return rec.events;
}

function dangerousNodes(el: SandboxWorkspace): string[] {
  const found: string[] = [];
  for (const node of el.shadowRoot!.querySelectorAll("*")) {
    const tag = node.tagName.toLowerCase();
    if (["script", "style", "iframe", "img", "svg", "math", "form", "input", "object", "embed"].includes(tag)) found.push(tag);
    for (const attr of node.attributes) {
      if (attr.name.startsWith("on") || attr.name === "style" || attr.name === "srcdoc") found.push(`${tag}[${attr.name}]`);
      if (["href", "src", "xlink:href", "action"].includes(attr.name) && /^\s*(javascript|data|vbscript):/i.test(attr.value)) found.push(`${tag}[${attr.name}=${attr.value}]`);
    }
  }
  return found;
}

describe("untrusted content stays inert", () => {
  let requests: string[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) requests.push(entry.name);
  });

  before(() => observer.observe({ type: "resource", buffered: false }));
  after(() => observer.disconnect());
  beforeEach(() => {
    window.__pwned = undefined;
    requests = [];
  });

  it("runs no script, attaches no handler, loads nothing and keeps the text readable", async () => {
    const el = await mount(hostileSession());
    await openAll(el);
    for (const details of el.shadowRoot!.querySelectorAll("details")) details.open = true;
    await el.updateComplete;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(window.__pwned).to.equal(undefined);
    expect(dangerousNodes(el)).to.deep.equal([]);
    expect(requests.filter((url) => !url.startsWith(location.origin))).to.deep.equal([]);
    // The reader still sees what the agent wrote.
    const message = text(el.shadowRoot!.querySelector('[part~="entry-agent-message"]')!);
    expect(message).to.contain(`window.__pwned = "script"`);
    expect(message).to.contain("tracker");
    expect(text(el.shadowRoot!.querySelector('[part="title"]')!)).to.equal(VECTORS[0]);
    expect(text(el.shadowRoot!.querySelector('[part~="entry-plan"]')!)).to.contain(VECTORS[1]);
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
    expect(text(tool.querySelector('[part="entry-title"]')!)).to.contain("/repo/⟨RLO⟩gnp.exe");
    expect(text(tool.querySelector(".path")!)).to.equal("/repo/⟨RLO⟩gnp.exe");
    expect(text(tool.querySelector('[part="diff-header"]')!)).to.contain("/repo/⟨RLO⟩gnp.exe");
    expect(text(tool.querySelector('[part="diff-add"]')!)).to.contain("if (isAdmin) {⟨RLO⟩ } ⟨LRI⟩if (isUser)⟨PDI⟩ {");
    // Raw JSON keeps the same JSON, with the controls escaped.
    expect(text(tool.querySelector('[part="json"]')!)).to.contain('"/repo/\\u202egnp.exe"');
    const message = el.shadowRoot!.querySelector('[part~="entry-agent-message"]')!;
    expect(text(message.querySelector("p code")!)).to.equal("/repo/⟨RLO⟩gnp.exe");
    expect(text(message.querySelector("pre")!)).to.contain("rm -rf /tmp/⟨LRI⟩x⟨PDI⟩ # ⟨RLO⟩comment");
    expect(text(el.shadowRoot!.querySelector('[part="title"]')!)).to.equal("Fix /repo/⟨RLO⟩gnp.exe");
  });
});
