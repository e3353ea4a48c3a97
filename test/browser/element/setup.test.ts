import { expect, oneEvent } from "@open-wc/testing";
import type { SandboxWorkspaceErrorEvent } from "../../../src/components/index.js";
import { fixtureSession } from "../../fixtures/session.js";
import { $, $$, textOf } from "../support/harness.js";

describe("setup mistakes say so on screen and in an event", () => {
  it("no workspace-id and no events: a notice and a `missing-workspace-id` error", async () => {
    const el = document.createElement("sandbox-workspace");
    const error = oneEvent(document.body, "sandbox-workspace-error") as Promise<SandboxWorkspaceErrorEvent>;
    document.body.append(el);
    const { detail } = await error;
    await el.updateComplete;
    expect(detail.code).to.equal("missing-workspace-id");
    expect(textOf($(el, '[part="notice"]'))).to.contain("workspace-id");
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
    expect(textOf($(el, '[part="notice"]'))).to.contain("w-42");
    expect(textOf($(el, '[part="notice"]'))).to.contain("endpoint");
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
