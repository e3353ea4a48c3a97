/**
 * Links to one entry, in replays: every entry header copies a link to it, and a page opened at a
 * link (or whose fragment changes to one) opens that entry, scrolls to it and marks it; an entry the
 * session does not have is said, not skipped.
 */
import { expect, fixture, html } from "@open-wc/testing";
import { ifDefined } from "lit/directives/if-defined.js";
import type { SandboxWorkspace } from "../../../src/components/index.js";
import { fixtureSession } from "../../fixtures/session.js";
import { until } from "../../shared/until.js";
import { $, $$, errorsOf, notice, textOf } from "../support/harness.js";

const page = () => location.href.split("#")[0];
const fragment = (name: string, id: string) => `#sandbox-workspace/${encodeURIComponent(name)}/${encodeURIComponent(id)}`;

async function replay(attrs: { workspaceId?: string; id?: string; hide?: string; height?: number } = {}, events = fixtureSession()): Promise<SandboxWorkspace> {
  const el = await fixture<SandboxWorkspace>(
    html`<sandbox-workspace workspace-id=${ifDefined(attrs.workspaceId)} id=${ifDefined(attrs.id)} hide=${ifDefined(attrs.hide)} .events=${events} style="height: ${attrs.height ?? 500}px"></sandbox-workspace>`,
  );
  await el.updateComplete;
  return el;
}

/** The rendered entry with this id. */
const entryEl = (el: SandboxWorkspace, id: string) => el.shadowRoot!.querySelector<HTMLElement>(`[data-entry-id="${CSS.escape(id)}"]`);

/** The first entry of `type` in the timeline. */
const firstOf = (el: SandboxWorkspace, type: string) => [...el.timeline.entries].find((item) => item.type === type)!;

/** Sets the page's fragment without a `hashchange` (as a page opened at that URL has it). */
const setFragment = (hash: string) => history.replaceState(null, "", hash ? `${page()}${hash}` : page());

/** Whether the entry's header is inside the transcript's visible area. */
function inView(el: SandboxWorkspace, id: string): boolean {
  const list = $(el, '[part="timeline"]').getBoundingClientRect();
  const box = entryEl(el, id)!.getBoundingClientRect();
  return box.top >= list.top - 1 && box.top < list.bottom - 20;
}

/** Replaces navigator.clipboard for one test. */
function stubClipboard(writeText: (text: string) => Promise<void>): () => void {
  const own = Object.getOwnPropertyDescriptor(navigator, "clipboard");
  Object.defineProperty(navigator, "clipboard", { configurable: true, value: { writeText } });
  return () => {
    if (own) Object.defineProperty(navigator, "clipboard", own);
    else delete (navigator as { clipboard?: unknown }).clipboard;
  };
}

afterEach(() => setFragment(""));

describe("links: every entry has one", () => {
  it("gives the page's URL with #sandbox-workspace/<workspace-id>/<entry-id>, each part URL-encoded", async () => {
    const el = await replay({ workspaceId: "team/42 ü#x" });
    const id = firstOf(el, "tool-call").id;
    expect(el.entryLink(id)).to.equal(`${page()}#sandbox-workspace/team%2F42%20%C3%BC%23x/${id}`);
    expect(el.entryLink("a/b c")).to.equal(`${page()}#sandbox-workspace/team%2F42%20%C3%BC%23x/a%2Fb%20c`);
  });

  it("puts a Copy link button beside every entry header, outside the header button", async () => {
    const el = await replay({ workspaceId: "w-links" });
    const items = $$(el, '[part~="entry"]');
    expect(items.length).to.equal(el.timeline.size);
    for (const item of items) {
      const button = item.querySelector<HTMLButtonElement>(':scope > [part="entry-link"]');
      expect(button, item.dataset.entryId).to.exist;
      expect(button!.localName).to.equal("button");
      expect(textOf(button)).to.equal("Copy link");
      expect(button!.closest('[part="entry-summary"]')).to.be.null;
    }
    await expect(el).to.be.accessible();
  });

  it("a replay without a workspace-id links with its id; with neither, it has no links", async () => {
    const named = await replay({ id: "replay-7" });
    const id = firstOf(named, "agent-message").id;
    expect(named.entryLink(id)).to.equal(`${page()}#sandbox-workspace/replay-7/${id}`);
    expect($$(named, '[part="entry-link"]').length).to.equal(named.timeline.size);
    const anonymous = await replay();
    expect(anonymous.entryLink(id)).to.be.undefined;
    expect($$(anonymous, '[part="entry-link"]')).to.be.empty;
  });

  it("copies the link with the Clipboard API, shows Copied and says it to screen readers", async () => {
    const copied: string[] = [];
    const restore = stubClipboard(async (text) => void copied.push(text));
    try {
      const el = await replay({ workspaceId: "w-copy" });
      const id = firstOf(el, "plan").id;
      const button = entryEl(el, id)!.querySelector<HTMLButtonElement>('[part="entry-link"]')!;
      const expanded = entryEl(el, id)!.querySelector('[part="entry-summary"]')!.getAttribute("aria-expanded");
      button.click();
      await until(() => copied.length === 1, "the clipboard is written");
      expect(copied[0]).to.equal(el.entryLink(id));
      await el.updateComplete;
      expect(textOf(button)).to.equal("Copied");
      const live = $(el, '[aria-live="polite"]');
      expect(live.getAttribute("role")).to.equal("status");
      expect(textOf(live)).to.equal("Link copied.");
      expect(entryEl(el, id)!.querySelector('[part="entry-summary"]')!.getAttribute("aria-expanded"), "copying does not toggle the entry").to.equal(expanded);
      await until(() => textOf(button) === "Copy link", "Copied goes after a moment", 4000);
    } finally {
      restore();
    }
  });

  it("where the clipboard is refused, shows the link in a read-only field, selected, to copy by hand", async () => {
    const restore = stubClipboard(() => Promise.reject(new DOMException("Write permission denied.", "NotAllowedError")));
    const execCommand = document.execCommand;
    document.execCommand = () => false;
    try {
      const el = await replay({ workspaceId: "w-manual" });
      const id = firstOf(el, "tool-call").id;
      entryEl(el, id)!.querySelector<HTMLButtonElement>('[part="entry-link"]')!.click();
      await until(() => !!entryEl(el, id)!.querySelector("input[readonly]"), "the link shows in a field");
      await el.updateComplete;
      const field = entryEl(el, id)!.querySelector<HTMLInputElement>("input[readonly]")!;
      expect(field.value).to.equal(el.entryLink(id));
      expect(el.shadowRoot!.activeElement).to.equal(field);
      expect([field.selectionStart, field.selectionEnd]).to.deep.equal([0, field.value.length]);
      expect(textOf(field.closest("label"))).to.contain("Link to this entry");
      expect(textOf($(el, '[aria-live="polite"]'))).to.contain("copy it with Ctrl+C");
      await expect(el).to.be.accessible();
      field.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true, composed: true }));
      await el.updateComplete;
      expect(entryEl(el, id)!.querySelector("input[readonly]")).to.be.null;
    } finally {
      document.execCommand = execCommand;
      restore();
    }
  });

  it("without the Clipboard API, copies through the field when the page still allows the copy command", async () => {
    const restore = stubClipboard(undefined as never);
    Object.defineProperty(navigator, "clipboard", { configurable: true, value: undefined });
    const execCommand = document.execCommand;
    const commands: string[] = [];
    document.execCommand = (command: string) => (commands.push(command), true);
    try {
      const el = await replay({ workspaceId: "w-old" });
      const id = firstOf(el, "agent-message").id;
      const button = entryEl(el, id)!.querySelector<HTMLButtonElement>('[part="entry-link"]')!;
      button.click();
      await until(() => textOf(button) === "Copied", "Copied shows");
      expect(commands).to.deep.equal(["copy"]);
      expect(entryEl(el, id)!.querySelector("input[readonly]")).to.be.null;
      expect(textOf($(el, '[aria-live="polite"]'))).to.equal("Link copied.");
    } finally {
      document.execCommand = execCommand;
      restore();
    }
  });
});

describe("links: landing on one entry", () => {
  it("a page opened at a link opens that entry, scrolls it into view and marks it", async () => {
    const events = fixtureSession();
    const probe = await replay({ workspaceId: "w-land" }, events);
    // An entry far down the transcript, closed by default.
    const calls = [...probe.timeline.entries].filter((item) => item.type === "tool-call");
    const target = calls[Math.floor(calls.length / 2)].id;
    probe.remove();
    setFragment(fragment("w-land", target));
    const el = await replay({ workspaceId: "w-land", height: 300 }, events);
    await until(() => !!entryEl(el, target)?.getAttribute("part")?.includes("entry-linked"), "the entry is marked");
    const item = entryEl(el, target)!;
    expect(item.getAttribute("part")).to.equal("entry entry-tool-call entry-linked");
    expect(item.getAttribute("aria-current")).to.equal("location");
    expect(item.querySelector('[part="entry-summary"]')!.getAttribute("aria-expanded")).to.equal("true");
    await until(() => inView(el, target), "the entry is in view");
    const list = $(el, '[part="timeline"]');
    expect(item.getBoundingClientRect().top - list.getBoundingClientRect().top).to.be.within(0, 24);
    // Only that one is marked.
    expect($$(el, '[part~="entry-linked"]')).to.have.length(1);
    expect(getComputedStyle(item).boxShadow, "a visible highlight").to.not.equal("none");
  });

  it("follows the page's fragment as it changes, and moves focus to the entry's header", async () => {
    const el = await replay({ workspaceId: "w-hash", height: 300 });
    const [first, second] = [...el.timeline.entries].filter((item) => item.type === "agent-thought").map((item) => item.id);
    location.hash = fragment("w-hash", first);
    await until(() => entryEl(el, first)!.hasAttribute("data-linked"), "the first thought is marked");
    await until(() => inView(el, first), "it is in view");
    location.hash = fragment("w-hash", second);
    await until(() => entryEl(el, second)!.hasAttribute("data-linked"), "the second thought is marked");
    expect(entryEl(el, first)!.hasAttribute("data-linked"), "the mark moved").to.be.false;
    await until(() => inView(el, second), "it is in view");
    expect(el.shadowRoot!.activeElement).to.equal(entryEl(el, second)!.querySelector('[part="entry-summary"]'));
    location.hash = "#elsewhere";
    await until(() => $$(el, '[part~="entry-linked"]').length === 0, "a fragment for something else takes the mark away");
  });

  it("ignores a link to another workspace's entry", async () => {
    const el = await replay({ workspaceId: "w-mine" });
    const id = firstOf(el, "agent-thought").id;
    const errors = errorsOf(el);
    location.hash = fragment("w-other", id);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await el.updateComplete;
    expect($$(el, '[part~="entry-linked"]')).to.be.empty;
    expect(notice(el)).to.be.undefined;
    expect(errors).to.be.empty;
  });

  it("a replay without a workspace-id answers links that name its id", async () => {
    const events = fixtureSession();
    setFragment(fragment("replay-9", "e6"));
    const el = await replay({ id: "replay-9" }, events);
    await until(() => !!entryEl(el, "e6")?.hasAttribute("data-linked"), "the entry is marked");
  });

  it("says so when the linked entry does not exist, and fires entry-not-found", async () => {
    setFragment(fragment("w-missing", "e99999"));
    const el = document.createElement("sandbox-workspace");
    el.setAttribute("workspace-id", "w-missing");
    el.style.height = "400px";
    const errors = errorsOf(el);
    document.body.append(el);
    // Not before the session is there: a replay whose events come later.
    await el.updateComplete;
    expect(notice(el)?.code).to.not.equal("entry-not-found");
    el.events = fixtureSession();
    await until(() => errors.some((error) => error.code === "entry-not-found"), "entry-not-found is fired");
    expect(errors.filter((error) => error.code === "entry-not-found")).to.have.length(1);
    await el.updateComplete;
    const shown = $(el, '[data-code="entry-not-found"]');
    expect(shown.getAttribute("part")).to.equal("notice");
    expect(shown.getAttribute("role")).to.equal("alert");
    expect(textOf(shown)).to.contain("“e99999” is not in this session");
    shown.querySelector("button")!.click();
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('[data-code="entry-not-found"]')).to.be.null;
    el.remove();
  });

  it("shows the linked entry even when the reader's filters hide its type", async () => {
    const events = fixtureSession();
    const probe = await replay({ workspaceId: "w-filtered" }, events);
    const thought = firstOf(probe, "agent-thought").id;
    const thoughts = [...probe.timeline.entries].filter((item) => item.type === "agent-thought").length;
    probe.remove();
    setFragment(fragment("w-filtered", thought));
    const el = await replay({ workspaceId: "w-filtered", hide: "agent-thought" }, events);
    await until(() => !!entryEl(el, thought)?.hasAttribute("data-linked"), "the linked thought shows");
    expect($$(el, '[part~="entry-agent-thought"]')).to.have.length(1);
    expect(textOf($(el, '[part="hidden-count"]'))).to.contain(`${thoughts - 1} hidden`);
  });

  it("keeps links working as an entry's id: the same for a replay of the same events in another element", async () => {
    const events = fixtureSession();
    const a = await replay({ workspaceId: "w-same" }, events);
    const b = await replay({ workspaceId: "w-same" }, [...events].reverse());
    expect([...b.timeline.entries].map((item) => item.id)).to.deep.equal([...a.timeline.entries].map((item) => item.id));
    const id = firstOf(a, "permission-request").id;
    expect(b.entryLink(id)).to.equal(a.entryLink(id));
  });
});
