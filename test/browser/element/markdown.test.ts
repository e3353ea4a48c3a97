import { expect } from "@open-wc/testing";
import { StreamingMarkdown, renderMarkdown } from "../../../src/components/index.js";
import { SessionRecorder, block, fixtureSession } from "../../fixtures/session.js";
import { entries, mount } from "../support/harness.js";

/** HTML as a reader sees it: the same elements and text, whatever the whitespace between blocks. */
function normalize(html: string): string {
  const div = document.createElement("div");
  div.innerHTML = html;
  return div.innerHTML.replace(/>\s+</g, "><").trim();
}

/** The long streamed message of the fixture, as the chunks it arrived in. */
function longMessageChunks(count = 400): string[] {
  return fixtureSession({ longMessageChunks: count })
    .map((event) => (event.payload as { params?: { update?: { sessionUpdate?: string; content?: { text?: string } } } }).params?.update)
    .filter((update) => update?.sessionUpdate === "agent_message_chunk")
    .map((update) => update!.content!.text!)
    .slice(-count);
}

describe("streamed markdown", () => {
  it("renders the same as rendering the finished text at once, at every chunk", () => {
    const chunks = longMessageChunks();
    const md = new StreamingMarkdown();
    let text = "";
    for (const chunk of chunks) {
      text += chunk;
      md.update(text);
      expect(normalize(md.blocks.join("") + md.tail), `after ${text.length} characters`).to.equal(normalize(renderMarkdown(text)));
    }
  });

  it("renders each finished block once: only the open tail is rendered again", () => {
    const md = new StreamingMarkdown();
    md.update("# Title\n\nFirst paragraph.\n\nSecond");
    // Blocks that finished in the same update are rendered (and sanitized) together.
    const [both] = md.blocks;
    expect(md.blocks).to.have.length(1);
    expect(both).to.contain("<h1>Title</h1>").and.contain("<p>First paragraph.</p>");
    expect(md.tail).to.contain("Second");
    md.update("# Title\n\nFirst paragraph.\n\nSecond paragraph, longer.\n\n```ts\nconst a = 1;");
    expect(md.blocks[0]).to.equal(both);
    expect(md.blocks[1]).to.contain("Second paragraph, longer.");
    expect(md.blocks).to.have.length(2);
    expect(md.tail).to.contain("const a = 1;");
  });

  it("starts over when the text is not an extension of the previous one", () => {
    const md = new StreamingMarkdown();
    md.update("# One\n\ntwo");
    md.update("Other text");
    expect(normalize(md.blocks.join("") + md.tail)).to.equal(normalize(renderMarkdown("Other text")));
  });

  it("keeps a 10,000-chunk message in one entry whose finished blocks stay in the DOM", async () => {
    const rec = new SessionRecorder();
    const pieces = longMessageChunks(2000).filter(Boolean);
    block(rec, "agent_message_chunk", Array.from({ length: 10_000 }, (_, i) => pieces[i % pieces.length]));
    expect(rec.events).to.have.length(10_001);
    const el = await mount(rec.events.slice(0, 1000));
    const firstBlock = entries(el, "agent-message")[0].querySelector(".markdown > :first-child");
    for (let i = 1000; i < rec.events.length; i += 1000) {
      el.appendEvents(rec.events.slice(i, i + 1000));
      await el.updateComplete;
    }
    const [message] = entries(el, "agent-message");
    expect(entries(el, "agent-message")).to.have.length(1);
    expect(message.querySelector(".markdown > :first-child")).to.equal(firstBlock);
    expect(el.timeline.summary.eventCount).to.equal(10_001);
  });

  it("shows every character of a very long open paragraph as it streams, and renders it in full when asked again", () => {
    const md = new StreamingMarkdown();
    let text = "";
    let renders = 0;
    for (let i = 0; i < 3000; i++) {
      text += i % 500 === 499 ? `**bold ${i}** <b onclick="x()">raw ${i}</b> ` : `chunk ${i} `;
      md.update(text);
      if (!md.stale) renders++;
      const shown = normalize(md.blocks.join("") + md.tail);
      // The newest chunk is there, as text, and raw HTML never becomes markup.
      expect(shown, `chunk ${i}`).to.contain(`${i} `.trim());
      expect(shown).not.to.contain("<b onclick");
    }
    // Past the first few kilobytes, the open block is rendered again only as it grows by a quarter.
    expect(renders).to.be.below(3000 / 5);
    if (md.stale) md.update(text);
    expect(md.stale).to.equal(false);
    expect(normalize(md.blocks.join("") + md.tail)).to.equal(normalize(renderMarkdown(text)));
  });

  it("renders a long streamed paragraph in full in the element once the stream pauses", async () => {
    const rec = new SessionRecorder();
    block(rec, "agent_message_chunk", Array.from({ length: 1500 }, (_, i) => (i === 1499 ? "**the end**" : `chunk ${i} `)));
    const el = await mount(rec.events.slice(0, 1000));
    el.appendEvents(rec.events.slice(1000));
    await el.updateComplete;
    const message = () => entries(el, "agent-message")[0];
    await new Promise((resolve) => setTimeout(resolve, 400));
    await el.updateComplete;
    expect(message().querySelector(".markdown strong")?.textContent).to.equal("the end");
    expect(message().textContent).to.contain("chunk 1498");
  });
});

describe("task lists", () => {
  it("show each box as an inert mark with a label: no form control, still sanitized", async () => {
    const html = renderMarkdown("- [x] read the notes\n- [ ] fix greet.sh <img src=x onerror=alert(1)>\n\n1. [X] loose item\n\n   with a paragraph\n");
    const div = document.createElement("div");
    div.innerHTML = html;
    expect(div.querySelector("input, button, form")).to.equal(null);
    const marks = [...div.querySelectorAll('li [role="img"]')];
    expect(marks.map((mark) => [mark.textContent, mark.getAttribute("aria-label")])).to.deep.equal([
      ["☑", "done"],
      ["☐", "not done"],
      ["☑", "done"],
    ]);
    expect(div.querySelector("img, [onerror]")).to.equal(null);
    expect(div.textContent).to.contain("fix greet.sh");
  });

  it("render in an agent's message, marks in place of the bullets", async () => {
    const rec = new SessionRecorder();
    block(rec, "agent_message_chunk", ["## Review complete\n\n- [x] done\n", "- [ ] todo\n"]);
    const el = await mount(rec.events);
    const items = [...entries(el, "agent-message")[0].querySelectorAll(".markdown li")] as HTMLElement[];
    expect(items.map((item) => item.textContent!.trim())).to.deep.equal(["☑ done", "☐ todo"]);
    expect(getComputedStyle(items[0]).listStyleType).to.equal("none");
    await expect(el).to.be.accessible();
  });
});
