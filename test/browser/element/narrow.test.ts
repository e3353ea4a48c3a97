/**
 * The element fits a narrow container: at phone widths nothing makes it scroll sideways. Code,
 * diffs, tables and raw JSON scroll inside their own boxes; long paths, URLs and words wrap; the
 * header, entry headers and permission answers wrap onto more lines.
 */
import type { PermissionOption } from "@agentclientprotocol/sdk";
import { expect, fixture, html } from "@open-wc/testing";
import { adoptStyles, render } from "lit";
import type { SessionEvent } from "sandbox-agent";
import type { SandboxWorkspace } from "../../../src/components/index.js";
import { styles } from "../../../src/components/styles/index.js";
import { permissionActions } from "../../../src/components/templates/permission-actions.js";
import type { PermissionRequestedBroadcast } from "../../../src/protocol/index.js";
import { MODES, configOptions, lines } from "../../../demo/agent/material.js";
import { SessionRecorder, block, chunks, fixtureSession, prompt } from "../../fixtures/session.js";
import { $$, openAll } from "../support/harness.js";
import { layOutEverything, minContentWidth, overflow } from "../support/overflow.js";

const WIDTHS = [320, 360, 480];

const DIR = "/workspace/acme-api/packages/authentication-service/src/middleware/token-verification";
const PATH = `${DIR}/clock-skew-tolerant-expiry-checker.implementation.ts`;
const URL_ = "https://github.com/acme/acme-api/blob/0123456789abcdef0123456789abcdef01234567/packages/authentication-service/src/middleware/token-verification/clock-skew-tolerant-expiry-checker.implementation.ts#L120-L180";
const WORD = "Pneumonoultramicroscopicsilicovolcanoconiosis".repeat(3);
const WIDE_LINE = `const tolerance = createClockSkewTolerance({ leewayMilliseconds: 30_000, clock: () => Date.now(), onSkewDetected: (skew) => logger.warn("clock skew", { skew }) });`;

/** The agent's own option names: whole sentences, as some agents word them. */
const LONG_OPTIONS: PermissionOption[] = [
  { optionId: "allow_always", name: `Always allow edits under ${DIR} for the rest of this session, without asking again`, kind: "allow_always" },
  { optionId: "allow", name: "Allow this one edit to clock-skew-tolerant-expiry-checker.implementation.ts, just this once", kind: "allow_once" },
  { optionId: "reject", name: "Reject it, and tell the agent to propose a smaller change that keeps the existing exports working", kind: "reject_once" },
];

/** A session made of what widens a transcript: long paths, URLs and words, wide code, a table, a diff, long option names. */
function wideSession(): SessionEvent[] {
  const rec = new SessionRecorder();
  const user = { id: "u_0123456789abcdef0123456789abcdef", name: "Augusta Ada King, Countess of Lovelace, née Byron" };
  const started = rec.clientRequest("session/new", { cwd: DIR, mcpServers: [] });
  rec.agentResponse(started, { sessionId: rec.agentSessionId, modes: { currentModeId: "default", availableModes: MODES }, configOptions: configOptions({ modeId: "default" }) });
  rec.update({ sessionUpdate: "session_info_update", title: `Make clockSkewTolerantExpiryChecker injectable in ${DIR}` });
  rec.update({
    sessionUpdate: "available_commands_update",
    availableCommands: [{ name: "review-pull-request-against-its-base-branch", description: `Review ${URL_}`, input: { hint: `<${WORD}>` } }],
  });
  const id = prompt(rec, user, `Look at ${URL_} and fix ${PATH}. ${WORD}`);
  block(rec, "agent_thought_chunk", chunks(`Reading ${PATH} first; ${WORD}.`));
  rec.update({
    sessionUpdate: "plan",
    entries: [
      { content: `Read ${PATH}`, priority: "high", status: "completed" },
      { content: `Inject the clock into ${WORD}`, priority: "medium", status: "in_progress" },
    ],
  });
  block(
    rec,
    "agent_message_chunk",
    chunks(
      lines(
        `The checker lives in \`${PATH}\` (see ${URL_} and <${URL_}>). ${WORD}`,
        "",
        "| File | Function | Change | Risk | Covered by |",
        "| --- | --- | --- | --- | --- |",
        `| \`${PATH}\` | \`createClockSkewTolerance\` | injectable clock | low | \`test/auth/middleware.test.ts\` |`,
        "",
        "```ts",
        WIDE_LINE,
        "```",
      ),
    ),
  );
  const edit = "toolu_01Pz6LmQe2sVh9cXa4NtB7wD";
  const oldText = lines("export function isExpired(claims) {", `  return claims.exp * 1000 + LEEWAY_MS < Date.now(); // ${WORD}`, "}");
  const newText = lines("export function isExpired(claims, now) {", `  ${WIDE_LINE}`, "  return claims.exp * 1000 + tolerance.leeway < now;", "}");
  rec.update({ sessionUpdate: "tool_call", toolCallId: edit, title: `Edit \`${PATH}\``, kind: "edit", status: "pending", rawInput: { file_path: PATH, old_string: oldText, new_string: newText }, locations: [{ path: PATH, line: 120 }] });
  rec.update({ sessionUpdate: "tool_call_update", toolCallId: edit, status: "completed", content: [{ type: "diff", path: PATH, oldText, newText }] });
  const run = "toolu_01Ge3JvRk8nWp5YaZq1MhC6s";
  rec.update({
    sessionUpdate: "tool_call",
    toolCallId: run,
    title: `\`npx vitest run ${PATH} --reporter=verbose\``,
    kind: "execute",
    status: "completed",
    rawInput: { command: `npx vitest run ${PATH} --reporter=verbose` },
    content: [{ type: "content", content: { type: "text", text: lines("```console", `FAIL ${PATH} > isExpired > accepts a token inside the leeway (${WORD})`, "```") } }],
  });
  const ask = "toolu_01HkRf4XbV9aQmT2sLw8pZcE";
  rec.update({ sessionUpdate: "tool_call", toolCallId: ask, title: `Edit \`${PATH}\``, kind: "edit", status: "pending" });
  rec.agentRequest("session/request_permission", { sessionId: rec.agentSessionId, toolCall: { toolCallId: ask, title: `Edit \`${PATH}\``, kind: "edit" }, options: LONG_OPTIONS });
  rec.update({ sessionUpdate: "usage_update", used: 24107, size: 200000, cost: { amount: 0.0688, currency: "USD" } });
  rec.agentError(id, { code: -32603, message: `Internal error: ${WORD}`, data: { path: PATH } });
  return rec.events;
}

/** Everything shown: every entry open, its raw events open, every markdown rendered. */
async function showEverything(el: SandboxWorkspace): Promise<void> {
  layOutEverything(el);
  await openAll(el);
  for (const details of $$(el, "details.raw")) (details as HTMLDetailsElement).open = true;
  await new Promise((resolve) => setTimeout(resolve));
  await el.updateComplete;
  window.dispatchEvent(new Event("beforeprint"));
  await el.updateComplete;
}

/** `events` replayed in a container `width` px wide: a block, or a grid track that shrinks to its content's minimum. */
async function mountIn(events: readonly unknown[], width: number, layout: "block" | "grid"): Promise<SandboxWorkspace> {
  const frame = await fixture<HTMLElement>(
    html`<div style="width: ${width}px; display: ${layout}; grid-template-columns: 1fr"><sandbox-workspace .events=${events} style="height: 800px"></sandbox-workspace></div>`,
  );
  const el = frame.querySelector("sandbox-workspace")!;
  await el.updateComplete;
  return el;
}

function expectFits(el: SandboxWorkspace, width: number, what: string): void {
  const measured = overflow(el);
  expect(el.getBoundingClientRect().width, `${what}: the element's width`).to.be.at.most(width);
  expect(measured.past, `${what}: boxes past the right edge`).to.deep.equal([]);
  expect(measured.scrollWidth, `${what}: scrollWidth against clientWidth ${measured.clientWidth}`).to.be.at.most(measured.clientWidth);
  expect(minContentWidth(el), `${what}: the narrowest it can get`).to.be.at.most(width);
}

describe("narrow containers: the element never scrolls sideways", () => {
  for (const width of WIDTHS) {
    for (const layout of ["block", "grid"] as const) {
      it(`fits a ${width} px ${layout} container with long paths, URLs and words, wide code, a table and a diff`, async () => {
        const el = await mountIn(wideSession(), width, layout);
        await showEverything(el);
        expectFits(el, width, `${width} px, transcript`);
        el.rawView = true;
        await el.updateComplete;
        for (const details of $$(el, ".raw-list details")) (details as HTMLDetailsElement).open = true;
        expectFits(el, width, `${width} px, raw events`);
      });
    }

    it(`fits a ${width} px container with the whole recorded session open`, async () => {
      const el = await mountIn(fixtureSession({ newerAcp: true, longMessageChunks: 60 }), width, "grid");
      await showEverything(el);
      expectFits(el, width, `${width} px, recorded session`);
    });
  }

  it("keeps code, diffs and tables on their lines, scrolling inside their own boxes", async () => {
    const el = await mountIn(wideSession(), 320, "grid");
    await showEverything(el);
    for (const selector of [".markdown pre", ".diff-lines", ".markdown table", "pre.json"]) {
      const box = $$(el, selector)[0];
      expect(box, selector).to.exist;
      expect(box.scrollWidth, `${selector} scrolls`).to.be.greaterThan(box.clientWidth);
    }
  });

  it("wraps long paths, URLs and option names instead of cutting them", async () => {
    const el = await mountIn(wideSession(), 320, "grid");
    await showEverything(el);
    const option = $$(el, '[part="permission-option"]').find((node) => node.textContent!.includes("Always allow"))!;
    expect(option.getBoundingClientRect().height, "the option name takes several lines").to.be.greaterThan(40);
    const path = $$(el, "code.path").find((node) => node.textContent!.includes("clock-skew"))!;
    expect(path.getClientRects().length, "the path wraps").to.be.greaterThan(1);
  });

  it("would see a box that pushed past its edge", async () => {
    const el = await mountIn(wideSession(), 320, "block");
    await showEverything(el);
    const unscrolled = new CSSStyleSheet();
    unscrolled.replaceSync("pre { overflow: visible; }");
    el.shadowRoot!.adoptedStyleSheets = [...el.shadowRoot!.adoptedStyleSheets, unscrolled];
    expect(overflow(el).past).to.not.be.empty;
  });

  it("shows a setup notice within a 320 px container", async () => {
    const frame = await fixture<HTMLElement>(html`<div style="width: 320px; display: grid"><sandbox-workspace workspace-id=${WORD}></sandbox-workspace></div>`);
    const el = frame.querySelector("sandbox-workspace")!;
    await el.updateComplete;
    expect($$(el, '[part="notice"]')).to.not.be.empty;
    expectFits(el, 320, "notice");
  });
});

describe("narrow containers: permission answers wrap", () => {
  it("wraps answer buttons the agent named with whole sentences, each within the row", async () => {
    // The buttons show only on a live link (see the stack suite); here they render with the element's own styles.
    const frame = await fixture<HTMLElement>(html`<div style="width: 320px"></div>`);
    const root = frame.attachShadow({ mode: "open" });
    adoptStyles(root, styles);
    const request: PermissionRequestedBroadcast = { permissionId: "perm_1", toolCallId: "toolu_1", options: LONG_OPTIONS, availableReplies: ["once", "always", "reject"], requestedAt: 0 };
    render(html`<div class="body">${permissionActions(request, () => undefined)}</div>`, root);
    const row = root.querySelector<HTMLElement>(".permission-actions")!;
    const edge = row.getBoundingClientRect().right;
    const buttons = [...row.querySelectorAll<HTMLElement>("button")];
    expect(buttons).to.have.length(3);
    for (const button of buttons) {
      expect(button.getBoundingClientRect().right, button.textContent!.trim()).to.be.at.most(edge + 0.5);
      expect(button.getBoundingClientRect().height, "its name wraps onto more lines").to.be.greaterThan(30);
    }
    expect(row.scrollWidth).to.be.at.most(row.clientWidth);
  });
});
