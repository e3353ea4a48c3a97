/**
 * Working together, live in real Chromium against the real stack: four people of different roles on
 * one workspace (Vera a viewer, Pat a prompter, Abe an approver, Olga an owner), each in their own
 * element. Each sees only what their role may do, and why the rest is missing; the queue is shared,
 * withdrawn and reordered through the elements; who did what shows for everyone; comments are kept,
 * limited, deleted and mention people. A client that skips the element is refused at the actor.
 */
import { expect } from "@open-wc/testing";
import { createClient } from "rivetkit/client";
import type { WorkspaceRegistry } from "../../../src/actors/index.js";
import type { SandboxWorkspace, SandboxWorkspaceAttentionDetail } from "../../../src/components/index.js";
import { until } from "../../shared/until.js";
import { $, $$, JOIN_MS, entries, errorsOf, join, open, presence, textOf } from "../support/harness.js";
import { caughtUp, fresh, stack } from "../support/stack.js";

const NAME = "together";
const TOKENS = { viewer: "tv-viewer", prompter: "tv-prompter", approver: "tv-approver", owner: "tv-owner" };
const SPEC = {
  registryEnv: {
    WORKSPACE_TOKEN: TOKENS.owner,
    WORKSPACE_ROLES: `${TOKENS.viewer}=viewer,${TOKENS.prompter}=prompter,${TOKENS.approver}=approver`,
  },
};
const TEST_MS = 4 * JOIN_MS + 90_000;

let endpoint: string;
before(async () => {
  ({ endpoint } = await stack({ name: NAME, action: "start", spec: SPEC }));
});
after(async () => {
  await stack({ name: NAME, action: "close" });
});

interface Room {
  id: string;
  vera: SandboxWorkspace;
  pat: SandboxWorkspace;
  abe: SandboxWorkspace;
  olga: SandboxWorkspace;
  all: SandboxWorkspace[];
  attention: Map<SandboxWorkspace, SandboxWorkspaceAttentionDetail[]>;
}

async function room(name: string): Promise<Room> {
  const id = fresh(name);
  const vera = await join(endpoint, id, "Vera", { token: TOKENS.viewer });
  const pat = await join(endpoint, id, "Pat", { token: TOKENS.prompter });
  const abe = await join(endpoint, id, "Abe", { token: TOKENS.approver });
  const olga = await join(endpoint, id, "Olga", { token: TOKENS.owner });
  const all = [vera, pat, abe, olga];
  const attention = new Map<SandboxWorkspace, SandboxWorkspaceAttentionDetail[]>();
  for (const el of all) {
    const seen: SandboxWorkspaceAttentionDetail[] = [];
    el.addEventListener("sandbox-workspace-attention", (event) => seen.push(event.detail));
    attention.set(el, seen);
  }
  await until(() => all.every((el) => presence(el).includes("Olga") && presence(el).includes("Vera")), "everyone sees everyone");
  return { id, vera, pat, abe, olga, all, attention };
}

const roleNote = (el: SandboxWorkspace) => $$(el, '[part="role-note"]').map((node) => textOf(node));
const queueTexts = (el: SandboxWorkspace) => $$(el, '[part="queue-item"]').map((item) => textOf(item.querySelector(".queue-text")));
const pendingPermission = (el: SandboxWorkspace) => entries(el, "permission-request").find((entry) => entry.dataset.status === "pending");

describe("together: roles, enforced by the actor and shown by the element", function () {
  this.timeout(TEST_MS);

  it("shows each role only what it may do, says why the rest is missing, and shows roles in presence", async () => {
    const { id, vera, pat, abe, olga, all, attention } = await room("roles");
    await until(() => roleNote(vera).length > 0 && roleNote(abe).length > 0, "the role notes show");
    expect(presence(olga)).to.match(/Vera \(viewer\)/);
    expect(presence(olga)).to.match(/Abe \(approver\)/);
    expect(presence(vera)).to.match(/Olga \(owner\)/);
    expect(roleNote(vera)[0]).to.match(/^You are watching this workspace/);
    expect(roleNote(abe)[0]).to.match(/^You are an approver here/);
    for (const el of [vera, abe]) expect($$(el, '[part="composer-input"]'), "no prompt input for a role that does not prompt").to.have.length(0);
    for (const el of [pat, olga]) expect($$(el, '[part="composer-input"]')).to.have.length(1);

    // A turn that waits on a permission request: only approvers and owners get answer buttons.
    const turn = olga.prompt("/permission");
    await until(() => all.every((el) => pendingPermission(el)), "everyone sees the pending request", 30_000);
    for (const el of all) await open(el, pendingPermission(el)!);
    await until(() => $$(abe, '[part~="permission-button"]').length > 0 && $$(olga, '[part~="permission-button"]').length > 0, "approver and owner get buttons");
    for (const el of [vera, pat]) {
      expect($$(el, '[part~="permission-button"]'), "no answer buttons").to.have.length(0);
      expect(textOf(pendingPermission(el))).to.include("Waiting for an approver to answer.");
    }
    // Only the owner may stop; the prompter sees no Stop.
    await until(() => $$(olga, '[part="stop"]').length === 1, "the owner has Stop");
    expect($$(pat, '[part="stop"]')).to.have.length(0);
    expect($$(abe, '[part="stop"]')).to.have.length(0);
    expect($$(vera, '[part="mode-picker"]')).to.have.length(0);
    // Attention: those who may answer are told, once; the others not.
    await until(() => attention.get(abe)!.some((item) => item.kind === "permission"), "the approver is told");
    expect(attention.get(olga)!.filter((item) => item.kind === "permission")).to.have.length(1);
    expect(attention.get(vera)!.filter((item) => item.kind === "permission")).to.have.length(0);
    expect(attention.get(pat)!.filter((item) => item.kind === "permission")).to.have.length(0);

    // A client that skips the element is refused at the actor.
    const client = createClient<WorkspaceRegistry>({ endpoint, devtools: false });
    try {
      const handle = client.workspace.getOrCreate([id], { params: { userName: "Vera", token: TOKENS.viewer } }).connect();
      await until(() => handle.isConnected, "the bare client connects");
      const refusal = await handle.prompt({ text: "let me" }).then(
        () => undefined,
        (error: { code?: string; message: string }) => error,
      );
      expect(refusal?.code, JSON.stringify(refusal)).to.equal("forbidden");
      expect(refusal?.message).to.match(/You are a viewer in this workspace: only prompters and owners can send prompts\./);
      const info = await handle.getSessionInfo();
      const answer = await handle.respondPermission({ permissionId: info.pendingPermissions[0].permissionId, reply: "once" }).then(
        () => undefined,
        (error: { code?: string }) => error,
      );
      expect(answer?.code).to.equal("forbidden");
      await handle.dispose();
    } finally {
      await client.dispose();
    }

    $(abe, '[part~="permission-once"]').click();
    expect((await turn)?.stopReason).to.equal("end_turn");
    await caughtUp(all, NAME, id);
    for (const el of all) expect(textOf(entries(el, "permission-request")[0])).to.include("by Abe");
    for (const el of all) el.remove();
  });
});

describe("together: a shared prompt queue", function () {
  this.timeout(TEST_MS);

  it("shows queued prompts to everyone in order; the author withdraws, the owner reorders, and withdrawn prompts never run", async () => {
    const { id, vera, pat, abe, olga, all } = await room("queue");
    const holding = olga.prompt("/permission");
    await until(() => all.every((el) => pendingPermission(el)), "the first turn waits", 30_000);
    const first = pat.prompt("/echo first from Pat");
    await until(() => queueTexts(vera).length === 1, "one waits");
    const second = pat.prompt("/echo second from Pat");
    await until(() => queueTexts(vera).length === 2, "two wait");
    const third = olga.prompt("/echo third from Olga");
    await until(() => all.every((el) => queueTexts(el).length === 3), "everyone sees three waiting");
    for (const el of all) expect(queueTexts(el)).to.deep.equal(["/echo first from Pat", "/echo second from Pat", "/echo third from Olga"]);
    // Who may do what in the queue.
    expect($$(vera, '[part="queue"] button'), "a viewer only watches the queue").to.have.length(0);
    expect($$(pat, '[part="queue"] [data-withdraw]').length, "the author withdraws their own only").to.equal(2);
    expect($$(pat, '[part="queue"] [data-move]')).to.have.length(0);
    expect($$(olga, '[part="queue"] [data-withdraw]').length).to.equal(3);
    expect($$(olga, '[part="queue"] [data-move]').length).to.equal(6);
    expect(textOf($$(vera, '[part="queue-item"]')[0])).to.match(/Pat/);
    await expect(olga).to.be.accessible({ ignoredRules: ["landmark-no-duplicate-banner"] });

    // Pat withdraws his second prompt through his element: his prompt() settles as withdrawn.
    $$(pat, '[part="queue-item"]')[1].querySelector<HTMLButtonElement>("[data-withdraw]")!.click();
    expect(await second).to.deep.equal({ stopReason: "withdrawn" });
    await until(() => all.every((el) => queueTexts(el).length === 2), "everyone sees it gone");
    // Olga moves hers up, from the keyboard: focus stays on the moved prompt.
    const up = $$(olga, '[part="queue-item"]')[1].querySelector<HTMLButtonElement>('[data-move="up"]')!;
    up.focus();
    up.click();
    await until(() => all.every((el) => queueTexts(el)[0] === "/echo third from Olga"), "everyone sees the new order");
    await until(() => (olga.shadowRoot!.activeElement as HTMLElement | null)?.closest?.('[part="queue-item"]')?.textContent?.includes("third") === true, "focus follows the moved prompt");

    $(abe, '[part~="permission-once"]').click();
    expect((await holding)?.stopReason).to.equal("end_turn");
    expect((await third)?.stopReason).to.equal("end_turn");
    expect((await first)?.stopReason).to.equal("end_turn");
    await caughtUp(all, NAME, id);
    await until(() => all.every((el) => queueTexts(el).length === 0), "the queue empties");
    const history = await stack<{ events: Array<{ payload: any }> }>({ name: NAME, action: "history", workspaceId: id });
    const prompts = history.events.filter((event) => event.payload?.method === "session/prompt").map((event) => event.payload.params.prompt.map((block: any) => block.text).join(""));
    expect(prompts).to.deep.equal(["/permission", "/echo third from Olga", "/echo first from Pat"]);
    // Who withdrew it, in the transcript, for everyone.
    for (const el of all) {
      await until(() => entries(el, "notice").some((entry) => textOf(entry).includes("Pat withdrew a queued prompt")), "the withdrawal shows in every transcript");
    }
    for (const el of all) el.remove();
  });
});

describe("together: attribution everywhere", function () {
  this.timeout(TEST_MS);

  it("says who changed the mode and who stopped a turn, from the workspace's record", async () => {
    const { id, vera, olga, all } = await room("attribution");
    expect((await olga.prompt("/echo hello"))?.stopReason).to.equal("end_turn");
    await until(() => $$(olga, '[part="mode-picker"]').length === 1, "the owner has the mode picker");
    const picker = $(olga, '[part="mode-picker"]') as HTMLSelectElement;
    picker.value = "plan";
    picker.dispatchEvent(new Event("change"));
    await until(() => all.every((el) => textOf(entries(el, "current-mode")[0]).includes("set by Olga")), "everyone sees who set the mode", 20_000);
    const turn = olga.prompt("/slow 200");
    await until(() => $$(olga, '[part="stop"]').length === 1 && entries(olga, "agent-message").length > 1, "the slow turn streams", 30_000);
    $(olga, '[part="stop"]').click();
    expect((await turn)?.stopReason).to.equal("cancelled");
    await caughtUp(all, NAME, id);
    await until(() => textOf(entries(vera, "user-message").at(-1)).includes("Stopped by Olga"), "the viewer sees who stopped it");
    for (const el of all) el.remove();
  });
});

describe("together: comments on entries", function () {
  this.timeout(TEST_MS);

  it("keeps comments with the entries, renders them safely, limits them, mentions people, and lets the author or an owner delete", async () => {
    const { id, vera, pat, abe, olga, all, attention } = await room("comments");
    expect((await pat.prompt("/echo comment on me"))?.stopReason).to.equal("end_turn");
    await caughtUp(all, NAME, id);
    const target = (el: SandboxWorkspace) => entries(el, "user-message")[0];
    const body = await open(vera, target(vera));
    const input = body.querySelector<HTMLTextAreaElement>('[part="comment-input"]')!;
    input.value = "Is this **right**, @Abe? <img src=x onerror=alert(1)>";
    input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true, composed: true }));
    for (const el of all) await until(() => textOf(target(el).querySelector('[part="comment-count"]')) === "1 comment", "every header counts the comment");
    for (const el of all) await open(el, target(el));
    for (const el of all) {
      const comment = target(el).querySelector('[part="comment"]')!;
      expect(textOf(comment)).to.include("Vera");
      expect(comment.querySelector("strong")?.textContent).to.equal("Vera");
      expect(comment.querySelector('[part="markdown"] strong')?.textContent).to.equal("right");
      expect(comment.querySelector("img"), "no image is loaded from a comment").to.equal(null);
    }
    await until(() => attention.get(abe)!.some((item) => item.kind === "mention"), "Abe is told he was mentioned");
    expect(attention.get(abe)!.find((item) => item.kind === "mention")?.message).to.equal("Vera mentioned you in a comment.");
    expect(attention.get(olga)!.filter((item) => item.kind === "mention")).to.have.length(0);
    // Delete: the author and owners have the button, others not.
    const deleteIn = (el: SandboxWorkspace) => target(el).querySelectorAll('[part="comment"] button');
    expect(deleteIn(vera).length).to.equal(1);
    expect(deleteIn(olga).length).to.equal(1);
    expect(deleteIn(pat).length).to.equal(0);
    expect(deleteIn(abe).length).to.equal(0);
    // Too large: refused before it is sent, with the code.
    const errors = errorsOf(pat);
    const patInput = target(pat).querySelector<HTMLTextAreaElement>('[part="comment-input"]')!;
    patInput.value = "x".repeat(5000);
    patInput.form!.requestSubmit();
    await until(() => errors.some((error) => error.code === "comment-too-large"), "the limit is said");
    // Kept: a new element opening the workspace reads it with the history.
    const late = await join(endpoint, id, "Late", { token: TOKENS.viewer });
    await until(() => textOf(target(late)?.querySelector('[part="comment-count"]')) === "1 comment", "a late reader sees the comment");
    // The owner deletes it; everyone's count goes.
    (deleteIn(olga)[0] as HTMLButtonElement).click();
    for (const el of [...all, late]) await until(() => target(el).querySelector('[part="comment-count"]') === null, "the comment is gone everywhere");
    await expect(vera).to.be.accessible({ ignoredRules: ["landmark-no-duplicate-banner"] });
    for (const el of [...all, late]) el.remove();
  });
});
