/**
 * Hostile content: every field an agent or a user controls, fed every vector of the XSS corpus
 * (test/fixtures/xss.ts), through the element's replay and streaming paths. Nothing may run, load,
 * navigate or restyle the page, and the reader must still see the text. The same vectors as user
 * names and in the live header and composer: stack/hostile.test.ts.
 */
import { expect } from "@open-wc/testing";
import type { SandboxWorkspace } from "../../../src/components/index.js";
import { SessionRecorder } from "../../fixtures/session.js";
import { XSS_VECTORS, place } from "../../fixtures/xss.js";
import { dangers } from "../support/dangers.js";
import { CLEAN, FIELDS, LONG_PARAGRAPH, OTHER_FIELDS, STREAMED, grace, guardPage, hostileSession, itIsWatched, junk, missing, normalise, openDetails, openEntries, settle, visibleText, watchPage } from "../support/hostile.js";

const BATCH = 20;

describe("hostile content", () => {
  const page = guardPage();

  itIsWatched(page);

  describe("in a replayed session", () => {
    for (let start = 0; start < XSS_VECTORS.length; start += BATCH) {
      const end = Math.min(start + BATCH, XSS_VECTORS.length);
      it(`vectors ${start + 1}–${end} of ${XSS_VECTORS.length}, each in all ${FIELDS.length} fields, run nothing, load nothing and stay readable`, async () => {
        await watchPage("start");
        const elements: Array<{ el: SandboxWorkspace; vector: number; events: unknown[] }> = [];
        for (let vector = start; vector < end; vector++) {
          const el = document.createElement("sandbox-workspace");
          el.events = [];
          el.style.height = "400px";
          page.container().append(el);
          const events = hostileSession(vector);
          el.appendEvents(events);
          elements.push({ el, vector, events });
        }
        await Promise.all(elements.map(({ el }) => settle(el)));

        const dom: string[] = [];
        const lostText: string[] = [];
        const shownJunk: string[] = [];
        const name = (vector: number) => XSS_VECTORS[vector].name;
        // Every entry open, as a reader clicking each header would leave them.
        await Promise.all(elements.map(({ el }) => openEntries(el)));
        for (const { el, vector, events } of elements) {
          lostText.push(...missing(el, vector).map((field) => `${name(vector)}: ${field}`));
          shownJunk.push(...junk(el).map((word) => `${name(vector)}: ${word}`));
          if (el.timeline.events.length !== events.length) lostText.push(`${name(vector)}: ${events.length - el.timeline.events.length} events not folded`);
        }
        // ...and each entry's raw events.
        await Promise.all(elements.map(({ el }) => openDetails(el)));
        await grace();
        for (const { el, vector } of elements) dom.push(...dangers(el.shadowRoot!).map((what) => `${name(vector)}: ${what}`));
        // The element-wide raw event list, every event open.
        for (const { el } of elements) el.rawView = true;
        await Promise.all(
          elements.map(async ({ el }) => {
            await settle(el);
            await openDetails(el);
          }),
        );
        await grace();
        for (const { el, vector } of elements) dom.push(...dangers(el.shadowRoot!).map((what) => `${name(vector)} (raw list): ${what}`));
        const activity = await watchPage("stop");

        expect({ ...page.report(activity), dom, lostText, junk: shownJunk }).to.deep.equal(CLEAN);
      });
    }
  });

  describe("while it streams", () => {
    it("every vector, streamed a few chunks per frame, as paragraphs and in one long paragraph shown plain between renders, runs nothing and stays readable", async () => {
      await watchPage("start");
      const el = document.createElement("sandbox-workspace");
      el.events = [];
      el.style.height = "600px";
      page.container().append(el);
      const rec = new SessionRecorder();
      const paragraphs = XSS_VECTORS.map((_, vector) => place(vector, STREAMED).text).join("\n\n");
      // Past 4,000 characters an open block is re-rendered only as it grows by a quarter; the newest text shows plain in between.
      const long = `${"Filler words to make one long paragraph. ".repeat(110)}${XSS_VECTORS.map((_, vector) => place(vector, LONG_PARAGRAPH).text.replace(/[\r\n]+/g, " ")).join(" ")}`;
      const dom: string[] = [];
      let renders = 0;
      for (const message of [paragraphs, long]) {
        const start = rec.events.length;
        for (const text of ["", ...(message.match(/[^]{1,60}/g) ?? [])]) rec.update({ sessionUpdate: "agent_message_chunk", content: { type: "text", text } });
        const events = rec.events.slice(start);
        for (let i = 0; i < events.length; i += 4) {
          el.appendEvents(events.slice(i, i + 4));
          await settle(el);
          renders++;
          dom.push(...dangers(el.shadowRoot!).map((what) => `after ${i + 4} chunks: ${what}`));
        }
      }
      // The stream paused: long open blocks are rendered in full.
      await new Promise((resolve) => setTimeout(resolve, 200));
      await settle(el);
      await grace();
      dom.push(...dangers(el.shadowRoot!));
      const [first, second] = [...el.shadowRoot!.querySelectorAll('[part~="entry-agent-message"] [part~="markdown"]')].map(visibleText);
      const lostText: string[] = [];
      XSS_VECTORS.forEach((vector, i) => {
        if (!normalise(first ?? "", "markdown").includes(normalise(place(i, STREAMED).mark, "markdown"))) lostText.push(`${vector.name}: ${OTHER_FIELDS[1]}`);
        if (!normalise(second ?? "", "markdown").includes(normalise(place(i, LONG_PARAGRAPH).mark, "markdown"))) lostText.push(`${vector.name}: ${OTHER_FIELDS[2]}`);
      });
      const activity = await watchPage("stop");
      expect(renders, "the stream was rendered as it came").to.be.above(50);
      expect({ ...page.report(activity), dom: [...new Set(dom)], lostText, junk: junk(el) }).to.deep.equal(CLEAN);
    });
  });

  describe("in an adversarial envelope", () => {
    it("timestamps no date can hold leave the transcript readable", async () => {
      const events = hostileSession(0).map((event, i) => ({ ...(event as object), createdAt: [Number.MAX_VALUE, -1e300, 8.64e15 + 1, 1e20][i % 4] }));
      const el = document.createElement("sandbox-workspace");
      el.events = [];
      page.container().append(el);
      el.appendEvents(events);
      await settle(el);
      await openEntries(el);
      expect(el.shadowRoot!.querySelectorAll('[part~="entry"]').length, "every entry is shown").to.equal(el.timeline.size);
      expect(missing(el, 0), "text the reader can no longer find").to.deep.equal([]);
    });
  });
});
