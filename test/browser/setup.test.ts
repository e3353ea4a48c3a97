import { expect, oneEvent } from "@open-wc/testing";
import { emulateMedia } from "@web/test-runner-commands";
import type { SandboxWorkspaceErrorEvent } from "../../src/components/index.js";
import { fixtureSession } from "../fixtures/session.js";
import { $, $$, mount, text } from "./helpers.js";

describe("setup mistakes say so on screen and in an event", () => {
  it("no workspace-id and no events: a notice and a `missing-workspace-id` error", async () => {
    const el = document.createElement("sandbox-workspace");
    const error = oneEvent(document.body, "sandbox-workspace-error") as Promise<SandboxWorkspaceErrorEvent>;
    document.body.append(el);
    const { detail } = await error;
    await el.updateComplete;
    expect(detail.code).to.equal("missing-workspace-id");
    expect(text($(el, '[part="notice"]'))).to.contain("workspace-id");
    expect($(el, '[part="notice"]').getAttribute("role")).to.equal("alert");
    el.events = fixtureSession();
    await el.updateComplete;
    expect($$(el, '[part="notice"]')).to.be.empty;
    el.remove();
  });

  it("a workspace-id without an endpoint: a notice naming both, and a `missing-endpoint` error", async () => {
    const el = document.createElement("sandbox-workspace");
    el.workspaceId = "w-42";
    const error = oneEvent(el, "sandbox-workspace-error") as Promise<SandboxWorkspaceErrorEvent>;
    document.body.append(el);
    expect((await error).detail.code).to.equal("missing-endpoint");
    await el.updateComplete;
    expect(text($(el, '[part="notice"]'))).to.contain("w-42");
    expect(text($(el, '[part="notice"]'))).to.contain("endpoint");
    el.remove();
  });

  it("malformed events: shown as entries and reported once in a `malformed-event` error", async () => {
    const el = document.createElement("sandbox-workspace");
    el.events = [{ eventIndex: 1, sender: "agent", payload: "not json-rpc" }, 42];
    const error = oneEvent(el, "sandbox-workspace-error") as Promise<SandboxWorkspaceErrorEvent>;
    document.body.append(el);
    const { detail } = await error;
    expect(detail.code).to.equal("malformed-event");
    expect(detail.events).to.have.length(2);
    await el.updateComplete;
    expect($$(el, '[part~="entry-error"]')).to.have.length(2);
    el.remove();
  });
});

describe("theming", () => {
  afterEach(() => emulateMedia({ colorScheme: "light" }));

  it("takes colours, fonts and radii from custom properties", async () => {
    const el = await mount(fixtureSession());
    el.style.setProperty("--sandbox-workspace-entry-bg", "rgb(1, 2, 3)");
    el.style.setProperty("--sandbox-workspace-radius", "3px");
    el.style.setProperty("--sandbox-workspace-font", "monospace");
    const entry = $(el, '[part~="entry"]');
    expect(getComputedStyle(entry).backgroundColor).to.equal("rgb(1, 2, 3)");
    expect(getComputedStyle(entry).borderTopLeftRadius).to.equal("3px");
    expect(getComputedStyle(el).fontFamily).to.equal("monospace");
  });

  it("follows prefers-color-scheme, and the theme attribute overrides it", async () => {
    const el = await mount(fixtureSession());
    const background = () => getComputedStyle(el).backgroundColor;
    const light = background();
    await emulateMedia({ colorScheme: "dark" });
    const dark = background();
    expect(dark).to.not.equal(light);
    el.theme = "light";
    await el.updateComplete;
    expect(background()).to.equal(light);
    await emulateMedia({ colorScheme: "light" });
    el.theme = "dark";
    await el.updateComplete;
    expect(background()).to.equal(dark);
  });

  it("exposes parts for every structural element", async () => {
    const el = await mount(fixtureSession());
    for (const part of ["header", "title", "header-meta", "turn-status", "raw-toggle", "timeline", "entry", "entry-summary", "entry-label", "entry-title", "entry-status", "entry-body", "markdown"]) {
      expect($$(el, `[part~="${part}"]`), part).to.not.be.empty;
    }
  });
});
