/**
 * The drop-in file (`npm run build` → dist/sandbox-workspace.js) on a plain HTML page: no bundler,
 * one script tag, the element configured by its attributes.
 */
import { expect } from "@open-wc/testing";
import { executeServerCommand } from "@web/test-runner-commands";
import type { SandboxWorkspace } from "../../../src/components/index.js";
import { fixtureSession } from "../../fixtures/session.js";
import { until } from "../../shared/until.js";
import { JOIN_MS } from "../support/harness.js";

async function plainPage(): Promise<{ frame: HTMLIFrameElement; el: SandboxWorkspace; scripts: () => string[] }> {
  const frame = document.createElement("iframe");
  frame.style.cssText = "width: 900px; height: 700px";
  frame.src = "/test/browser/package/pages/plain.html";
  document.body.append(frame);
  await new Promise((resolve) => frame.addEventListener("load", resolve, { once: true }));
  const win = frame.contentWindow as Window & typeof globalThis;
  await until(() => !!win.customElements.get("sandbox-workspace"), "the script tag registers the element");
  const el = frame.contentDocument!.querySelector("sandbox-workspace") as SandboxWorkspace;
  const scripts = () => win.performance.getEntriesByType("resource").map((entry) => entry.name).filter((name) => name.endsWith(".js"));
  return { frame, el, scripts };
}

describe("the drop-in file on a plain HTML page", () => {
  before(async () => {
    const built = await fetch("/dist/sandbox-workspace.js", { method: "HEAD" });
    if (!built.ok) throw new Error(`dist/sandbox-workspace.js is not there (${built.status}): run \`npm run build\` first (\`npm test\` does)`);
  });

  it("replays a stored session without loading the connection code", async () => {
    const { frame, el, scripts } = await plainPage();
    el.events = fixtureSession();
    await until(() => el.shadowRoot!.querySelectorAll('[part~="entry"]').length === el.timeline.size && el.timeline.size > 20, "the transcript renders");
    expect(scripts().some((name) => /\/dist\/sandbox-workspace\.js$/.test(name))).to.be.true;
    expect(scripts().filter((name) => /\/dist\/client-/.test(name)), "no rivetkit client chunk").to.deep.equal([]);
    frame.remove();
  });

  it("joins a live workspace from its attributes and runs a turn", async function () {
    // Mocha's default 30 s for what the test does, plus joining (see the harness's `join`).
    this.timeout(30_000 + JOIN_MS);
    const { endpoint } = await executeServerCommand<{ endpoint: string }, Record<string, unknown>>("stack", { action: "start" });
    const { frame, el, scripts } = await plainPage();
    el.setAttribute("endpoint", endpoint);
    el.setAttribute("workspace-id", `drop-in-${Date.now().toString(36)}`);
    el.setAttribute("user-name", "Ada");
    await until(() => el.connectionStatus === "live", () => `the element is live (${el.connectionStatus})`, JOIN_MS);
    expect(scripts().some((name) => /\/dist\/client-.*\.js$/.test(name)), "the connection chunk loads beside it").to.be.true;
    expect((await el.prompt("/long 30"))?.stopReason).to.equal("end_turn");
    await until(() => el.timeline.contiguousIndex === el.timeline.lastIndex && el.shadowRoot!.querySelectorAll('[part~="entry-turn-end"]').length === 1, "the turn renders");
    frame.remove();
  });
});
