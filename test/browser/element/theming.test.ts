import { expect } from "@open-wc/testing";
import { emulateMedia } from "@web/test-runner-commands";
import { fixtureSession } from "../../fixtures/session.js";
import { $, $$, mount } from "../support/harness.js";

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
