/**
 * A long session, replayed: 100,000 events (about 3,900 entries). Only the entries near the view
 * are in the DOM, and what a reader does with the whole transcript still works: the find box, a
 * link to an entry far off, the keys that move between entries, the filters.
 */
import { expect, fixture, html } from "@open-wc/testing";
import type { SandboxWorkspace } from "../../../src/components/index.js";
import type { SessionEvent } from "../../../src/events/index.js";
import { tiledSession } from "../../fixtures/session.js";
import { until } from "../../shared/until.js";
import { $, $$, textOf } from "../support/harness.js";

const EVENTS = 100_000;
const NEEDLE = "needle-in-the-haystack";

/** The tiled session, with one agent message chunk far into it saying NEEDLE. */
function longSession(): { events: SessionEvent[]; needleAt: number } {
  const events = tiledSession(EVENTS);
  const needleAt = events.findIndex((event, i) => i > EVENTS * 0.6 && (event.payload as { params?: { update?: { sessionUpdate?: string } } }).params?.update?.sessionUpdate === "agent_message_chunk");
  const update = (events[needleAt].payload as { params: { update: { content: { text: string } } } }).params.update;
  update.content.text = `${update.content.text} ${NEEDLE} `;
  return { events, needleAt };
}

const rendered = (el: SandboxWorkspace) => $$(el, '[part~="timeline"] > [data-entry-id]');

/** Whether the entry's element is in the DOM and inside the transcript's visible area. */
function inView(el: SandboxWorkspace, id: string): boolean {
  const item = el.shadowRoot!.querySelector(`[data-entry-id="${CSS.escape(id)}"]`);
  if (!item) return false;
  const list = $(el, '[part~="timeline"]').getBoundingClientRect();
  const box = item.getBoundingClientRect();
  return box.bottom > list.top && box.top < list.bottom;
}

describe("a long session (100,000 events)", function () {
  this.timeout(60_000);
  const { events, needleAt } = longSession();
  let el: SandboxWorkspace;

  beforeEach(async () => {
    el = await fixture<SandboxWorkspace>(html`<sandbox-workspace .events=${events} style="height: 600px"></sandbox-workspace>`);
    // The virtualizer loads on demand; the transcript turns virtual once it is there.
    await until(() => $(el, '[part~="timeline"]').classList.contains("virtual"), "the transcript turns virtual");
    await el.updateComplete;
  });

  it("keeps only the entries near the view in the DOM, the first ones first", async () => {
    expect(el.timeline.size, "thousands of entries").to.be.greaterThan(3_000);
    await until(() => rendered(el).length > 0, "entries rendered");
    expect(rendered(el).length, "entries in the DOM").to.be.lessThan(150);
    const first = [...el.timeline.entries][0].id;
    expect(inView(el, first), "the first entry shows").to.equal(true);
    expect(textOf($(el, '[part="header-meta"]'))).to.contain(`${el.timeline.size.toLocaleString("en-US")} entries`);
  });

  it("the find box finds text in an entry far off screen, scrolls to it and marks it", async () => {
    const input = $(el, '[part="find-input"]') as HTMLInputElement;
    input.value = NEEDLE.toUpperCase();
    input.dispatchEvent(new Event("input"));
    const target = [...el.timeline.entries].find((item) => item.events.includes(events[needleAt]))!;
    await until(() => inView(el, target.id), "the match scrolls into view");
    await el.updateComplete;
    expect(textOf($(el, '[part="find-count"]'))).to.equal("1 of 1");
    const item = el.shadowRoot!.querySelector(`[data-entry-id="${CSS.escape(target.id)}"]`)!;
    expect(item.getAttribute("part")).to.contain("entry-found");
    expect(textOf(item), "its text shown").to.contain(NEEDLE);
    expect(rendered(el).length, "still only what is near the view").to.be.lessThan(150);

    input.value = "no such text anywhere";
    input.dispatchEvent(new Event("input"));
    // (A long transcript is searched once typing pauses.)
    await until(() => textOf($(el, '[part="find-count"]')) === "No match", "no match said");
  });

  it("a frequent word: Enter steps through the matches, Shift+Enter back, round the ends", async () => {
    const input = $(el, '[part="find-input"]') as HTMLInputElement;
    input.value = "acme";
    input.dispatchEvent(new Event("input"));
    await until(() => textOf($(el, '[part="find-count"]')) !== "", "the matches counted");
    const [first, of] = textOf($(el, '[part="find-count"]')).split(" of ");
    expect(first).to.equal("1");
    const count = Number(of);
    expect(count, "many matches").to.be.greaterThan(100);
    const key = (shiftKey = false) => input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", shiftKey, bubbles: true }));
    key(true);
    await el.updateComplete;
    expect(textOf($(el, '[part="find-count"]')), "round to the last").to.equal(`${count} of ${count}`);
    await until(() => {
      const found = el.shadowRoot!.querySelector<HTMLElement>("[data-found]");
      return found !== null && inView(el, found.dataset.entryId!);
    }, "the last match shows");
    key();
    await el.updateComplete;
    expect(textOf($(el, '[part="find-count"]'))).to.equal(`1 of ${count}`);
  });

  it("End and Home move to the last and first entries, whether rendered or not", async () => {
    const entries = [...el.timeline.entries];
    const header = () => el.shadowRoot!.querySelector<HTMLButtonElement>(`[data-entry-id="${CSS.escape(entries[0].id)}"] .summary`);
    await until(() => header() !== null, "the first header");
    const firstHeader = header()!;
    firstHeader.focus();
    firstHeader.dispatchEvent(new KeyboardEvent("keydown", { key: "End", bubbles: true, composed: true }));
    const last = entries[entries.length - 1].id;
    const state = () => {
      const list = $(el, '[part~="timeline"]');
      const active = el.shadowRoot!.activeElement as HTMLElement | null;
      return `the last entry's header has focus (active: ${active?.className} in ${active?.closest<HTMLElement>("[data-entry-id]")?.dataset.entryId}; last rendered: ${!!el.shadowRoot!.querySelector(`[data-entry-id="${CSS.escape(last)}"]`)}; scroll ${list.scrollTop}/${list.scrollHeight}; rendered ${rendered(el).map((item) => item.dataset.entryId).join(",")}; hasFocus ${document.hasFocus()}; visibility ${document.visibilityState})`;
    };
    await until(() => (el.shadowRoot!.activeElement as HTMLElement | null)?.closest<HTMLElement>("[data-entry-id]")?.dataset.entryId === last, state);
    expect(inView(el, last)).to.equal(true);
    (el.shadowRoot!.activeElement as HTMLElement).dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowUp", bubbles: true, composed: true }));
    await until(() => (el.shadowRoot!.activeElement as HTMLElement | null)?.closest<HTMLElement>("[data-entry-id]")?.dataset.entryId === entries[entries.length - 2].id, "the one before has focus");
    (el.shadowRoot!.activeElement as HTMLElement).dispatchEvent(new KeyboardEvent("keydown", { key: "Home", bubbles: true, composed: true }));
    await until(() => (el.shadowRoot!.activeElement as HTMLElement | null)?.closest<HTMLElement>("[data-entry-id]")?.dataset.entryId === entries[0].id, "the first entry's header has focus");
    expect(inView(el, entries[0].id)).to.equal(true);
  });

  it("scrollToEntry reaches an entry thousands of entries down", async () => {
    const entries = [...el.timeline.entries];
    const target = entries[Math.floor(entries.length * 0.8)];
    expect(el.shadowRoot!.querySelector(`[data-entry-id="${CSS.escape(target.id)}"]`), "not in the DOM at first").to.equal(null);
    await el.scrollToEntry(target.id);
    await until(() => inView(el, target.id), "it shows");
  });
});

describe("a transcript that grows long", () => {
  it("turns virtual as it passes 400 entries, and a reader who scrolled up stays at the entry they were reading", async () => {
    const all = tiledSession(12_000);
    const el = await fixture<SandboxWorkspace>(html`<sandbox-workspace .events=${all.slice(0, 8_000)} style="height: 600px"></sandbox-workspace>`);
    await el.updateComplete;
    const list = () => $(el, '[part~="timeline"]');
    expect(list().classList.contains("virtual"), "plain below 400 entries").to.equal(false);
    const target = [...el.timeline.entries][150].id;
    el.shadowRoot!.querySelector(`[data-entry-id="${CSS.escape(target)}"]`)!.scrollIntoView({ block: "start" });
    for (let frame = 0; frame < 5; frame++) await new Promise((resolve) => requestAnimationFrame(resolve));
    // What the reader is at: the first entry in view (entries laid out as they come into view may have moved it).
    const top = list().getBoundingClientRect().top;
    const reading = rendered(el).find((item) => item.getBoundingClientRect().bottom > top)!.dataset.entryId!;
    expect([...el.timeline.entries].findIndex((item) => item.id === reading), "scrolled well down").to.be.greaterThan(100);
    el.events = all;
    await until(() => list().classList.contains("virtual"), "virtual past 400 entries");
    expect(el.timeline.size).to.be.greaterThan(400);
    await until(() => inView(el, reading), () => `the entry being read is in view (rendered: ${rendered(el).map((item) => item.dataset.entryId).join(",")})`);
  });
});

describe("a short session", () => {
  it("stays a plain list, every entry in the DOM (the page's own find sees them all)", async () => {
    const events = tiledSession(2_000);
    const el = await fixture<SandboxWorkspace>(html`<sandbox-workspace .events=${events} style="height: 600px"></sandbox-workspace>`);
    await el.updateComplete;
    expect($(el, '[part~="timeline"]').classList.contains("virtual")).to.equal(false);
    expect(rendered(el).length).to.equal(el.timeline.size);
  });
});
