/**
 * Following the newest entries of a live workspace: the transcript keeps to its end as entries
 * arrive; a reader who scrolls up stays where they are and is told how many entries arrived below;
 * "jump to latest" takes them back and following resumes.
 */
import { expect } from "@open-wc/testing";
import { until } from "../../shared/until.js";
import { $, join, textOf } from "../support/harness.js";
import { fresh, stack } from "../support/stack.js";

const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
const atEnd = (list: HTMLElement) => list.scrollTop + list.clientHeight >= list.scrollHeight - 48;

describe("following the newest entries", () => {
  let endpoint: string;
  before(async () => {
    ({ endpoint } = await stack({ action: "start" }));
  });

  it("keeps to the end, stops when the reader scrolls up, counts what arrives, and jumps back", async () => {
    const el = await join(endpoint, fresh("follow"), "Ada");
    el.style.height = "320px";
    await el.prompt("/long 60 first");
    await until(() => !el.timeline.summary.running && el.timeline.size >= 3, "the first turn is in");
    await el.updateComplete;
    await frame();
    const list = $(el, '[part="timeline"]');
    expect(list.scrollHeight, "the transcript overflows its box").to.be.greaterThan(list.clientHeight * 2);
    await until(() => atEnd(list), "the transcript keeps to its end");

    // The reader scrolls up with the wheel: that is the reader, not layout.
    list.dispatchEvent(new WheelEvent("wheel", { deltaY: -400 }));
    list.scrollTop = 0;
    list.dispatchEvent(new Event("scroll"));
    const before = el.timeline.size;
    await el.prompt("/long 20 second");
    await until(() => el.timeline.size > before && !!el.shadowRoot!.querySelector('[part="jump-latest"]'), "the new entries are counted");
    expect(list.scrollTop, "the reader stays where they scrolled").to.be.lessThan(10);
    expect(textOf($(el, '[part="jump-latest"]'))).to.match(/↓ \d+ new entr(y|ies)/);

    $(el, '[part="jump-latest"]').click();
    await until(
      () => atEnd(list) && !el.shadowRoot!.querySelector('[part="jump-latest"]'),
      () => `back at the end, nothing unseen (scrollTop ${list.scrollTop}, clientHeight ${list.clientHeight}, scrollHeight ${list.scrollHeight}, jump ${!!el.shadowRoot!.querySelector('[part="jump-latest"]')}, list attached ${list.isConnected})`,
    );
    el.remove();
  });

  it("a live transcript of hundreds of entries turns virtual and still keeps to its end, for whoever joins", async () => {
    const id = fresh("follow-long");
    const el = await join(endpoint, id, "Ada");
    el.style.height = "400px";
    await el.prompt("/tools 600");
    await until(() => !el.timeline.summary.running && el.timeline.size > 600, "the turn is in");
    const list = () => $(el, '[part~="timeline"]');
    const rendered = (of = el) => of.shadowRoot!.querySelectorAll('[part~="timeline"] > [data-entry-id]').length;
    const lastShown = (of = el) => {
      const last = [...of.timeline.entries].at(-1)!.id;
      return !!of.shadowRoot!.querySelector(`[data-entry-id="${CSS.escape(last)}"]`);
    };
    await until(() => list().classList.contains("virtual"), "the transcript turns virtual");
    await until(() => atEnd(list()) && lastShown(), () => `at the end, the last entry rendered (scrollTop ${list().scrollTop}, scrollHeight ${list().scrollHeight})`);
    expect(rendered(), "only the entries near the view").to.be.lessThan(150);

    // The reader turns the wheel up while a turn streams in: they stay at the entry they scrolled to,
    // what arrives is counted, and "jump to latest" takes them back.
    const before = el.timeline.size;
    // (Sending follows again: the reader scrolls once the turn is under way.)
    const turn = el.prompt("/slow 150");
    await until(() => el.timeline.size > before + 1, "the turn begins");
    list().dispatchEvent(new WheelEvent("wheel", { deltaY: -600 }));
    list().scrollTop -= 600;
    await frame();
    const inView = (of: Element) => {
      const box = list().getBoundingClientRect();
      const rect = of.getBoundingClientRect();
      return rect.bottom > box.top && rect.top < box.bottom;
    };
    const reading = [...list().querySelectorAll<HTMLElement>(":scope > [data-entry-id]")].find(inView)!.dataset.entryId!;
    const seen = el.timeline.size;
    await until(() => el.timeline.size >= seen + 2 && !!el.shadowRoot!.querySelector('[part="jump-latest"]'), "what arrives is counted");
    await frame();
    const entry = list().querySelector(`:scope > [data-entry-id="${CSS.escape(reading)}"]`);
    expect(entry && inView(entry), `the entry the reader scrolled to (${reading}) is still in view`).to.equal(true);
    expect(atEnd(list()), "the reader is not taken back to the end").to.equal(false);
    $(el, '[part="jump-latest"]').click();
    await until(() => atEnd(list()) && lastShown() && !el.shadowRoot!.querySelector('[part="jump-latest"]'), "back at the end");
    // (The turn ends asking a permission: stopped here.)
    await until(() => !!el.shadowRoot!.querySelector('[part="stop"]'), "Stop is offered");
    $(el, '[part="stop"]').click();
    expect((await turn)?.stopReason).to.equal("cancelled");

    // Grace joins the long workspace: she opens at its end.
    const grace = await join(endpoint, id, "Grace");
    grace.style.height = "400px";
    // (Her transcript is a placeholder until the history is in.)
    const graceList = () => grace.shadowRoot!.querySelector<HTMLElement>('[part~="timeline"]');
    await until(() => !!graceList()?.classList.contains("virtual") && atEnd(graceList()!) && lastShown(grace), "Grace opens at the end");
    expect(rendered(grace)).to.be.lessThan(150);
    el.remove();
    grace.remove();
  });
});
