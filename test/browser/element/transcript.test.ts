import { expect, fixture, html } from "@open-wc/testing";
import { sendKeys } from "@web/test-runner-commands";
import type { SandboxWorkspace } from "../../../src/components/index.js";
import { ENTRY_TYPES } from "../../../src/events/index.js";
import { ADA, GRACE, SessionRecorder, block, fixtureSession, prompt } from "../../fixtures/session.js";
import { $, $$, entries, mount, open, openAll, textOf } from "../support/harness.js";

describe("a replayed session reads as a transcript of accordions", () => {
  it("renders an accordion for every entry type, with its type in the part name", async () => {
    const el = await mount(fixtureSession({ newerAcp: true }));
    for (const type of ENTRY_TYPES) expect(entries(el, type), type).to.not.be.empty;
    for (const entry of $$(el, '[part~="entry"]')) {
      expect(entry.getAttribute("part")).to.match(/^entry entry-[a-z-]+$/);
      expect(entry.querySelector('[part="entry-summary"]')).to.exist;
      expect(entry.querySelector('[part="entry-body"]')).to.exist;
    }
    expect($$(el, '[part~="entry"]').length).to.equal(el.timeline.size);
  });

  it("is accessible with every entry open", async () => {
    const el = await mount(fixtureSession());
    await openAll(el);
    await expect(el).to.be.accessible();
  });

  it("shows the session title, mode, usage and turn state in the header", async () => {
    const el = await mount(fixtureSession());
    expect(textOf($(el, '[part="title"]'))).to.equal("Fix flaky auth middleware test");
    const meta = textOf($(el, '[part="header-meta"]'));
    expect(meta).to.contain("Accept Edits");
    expect(meta).to.contain("31.9k / 200k");
    expect(meta).to.contain("$0.1012");
    expect(textOf($(el, '[part="turn-status"]'))).to.contain("cancelled");
  });
});

describe("accordions are disclosure widgets", () => {
  it("toggle with a click and say so with aria-expanded", async () => {
    const el = await mount(fixtureSession());
    const thought = entries(el, "agent-thought")[0];
    const summary = thought.querySelector<HTMLButtonElement>('[part="entry-summary"]')!;
    const body = thought.querySelector<HTMLElement>('[part="entry-body"]')!;
    expect(summary.getAttribute("aria-expanded")).to.equal("false");
    expect(summary.getAttribute("aria-controls")).to.equal(body.id);
    expect(body.hidden).to.be.true;
    summary.click();
    await el.updateComplete;
    expect(summary.getAttribute("aria-expanded")).to.equal("true");
    expect(body.hidden).to.be.false;
    expect(textOf(body)).to.contain("Intermittent failures");
  });

  it("toggle with Enter and Space, and move between headers with the arrow keys, Home and End", async () => {
    const el = await mount(fixtureSession());
    const summaries = $$(el, '[part="entry-summary"]');
    summaries[0].focus();
    await sendKeys({ press: "Enter" });
    await el.updateComplete;
    expect(summaries[0].getAttribute("aria-expanded")).to.equal("true");
    await sendKeys({ press: "Space" });
    await el.updateComplete;
    expect(summaries[0].getAttribute("aria-expanded")).to.equal("false");
    await sendKeys({ press: "ArrowDown" });
    expect(el.shadowRoot!.activeElement).to.equal(summaries[1]);
    await sendKeys({ press: "End" });
    expect(el.shadowRoot!.activeElement).to.equal(summaries.at(-1));
    await sendKeys({ press: "ArrowUp" });
    expect(el.shadowRoot!.activeElement).to.equal(summaries.at(-2));
    await sendKeys({ press: "Home" });
    expect(el.shadowRoot!.activeElement).to.equal(summaries[0]);
  });
});

describe("each event type has a view made for it", () => {
  it("agent messages: markdown, open by default, one entry per block", async () => {
    const el = await mount(fixtureSession());
    const messages = entries(el, "agent-message");
    const rootCause = messages.find((m) => textOf(m).includes("Root cause"))!;
    const body = rootCause.querySelector('[part="entry-body"]')!;
    expect(body.hasAttribute("hidden")).to.be.false;
    expect(body.querySelector("h2")?.textContent).to.equal("Root cause");
    expect(body.querySelector("code")).to.exist;
    expect(body.querySelector("li")).to.exist;
  });

  it("thoughts: collapsed, summary says it is a thought", async () => {
    const el = await mount(fixtureSession());
    const [thought] = entries(el, "agent-thought");
    expect(textOf(thought.querySelector('[part="entry-summary"]')!)).to.match(/^Thought \d+ words/);
  });

  it("user messages: the prompt with who sent it", async () => {
    const el = await mount(fixtureSession());
    const [first, second] = entries(el, "user-message");
    expect(textOf(first.querySelector('[part="entry-label"]')!)).to.equal(ADA.name);
    expect(textOf(second.querySelector('[part="entry-label"]')!)).to.equal(GRACE.name);
    expect(textOf(first.querySelector('[part="entry-body"]')!)).to.contain("Can you find out why?");
  });

  it("tool calls: title, kind and status in the summary; locations, input, content and output in the body", async () => {
    const el = await mount(fixtureSession());
    const [read, run, edit] = entries(el, "tool-call");
    expect(textOf(read.querySelector('[part="entry-summary"]')!)).to.match(/Read Read src\/auth\/middleware\.ts completed/);
    expect(read.dataset.status).to.equal("completed");
    const readBody = await open(el, read);
    expect(textOf(readBody)).to.contain("/workspace/acme-api/src/auth/middleware.ts:1");
    expect(textOf(readBody)).to.contain("Input");
    expect(textOf(readBody)).to.contain("file_path");
    const runBody = await open(el, run);
    expect(run.querySelector('[part="entry-title"] code')!.textContent).to.equal("npm test -- auth");
    expect(runBody.querySelector('[part="terminal"]')).to.exist;
    expect(runBody.querySelector(".markdown pre")).to.exist;
    expect(textOf(runBody)).to.contain('"exitCode": 1');
    const editBody = await open(el, edit);
    const diff = editBody.querySelector('[part="diff"]')!;
    expect(textOf(diff.querySelector("figcaption")!)).to.contain("src/auth/middleware.ts");
    expect(diff.querySelectorAll('[part="diff-add"]').length).to.be.greaterThan(0);
    expect(diff.querySelectorAll('[part="diff-del"]').length).to.be.greaterThan(0);
  });

  it("plan: the latest plan, with status and priority per item and progress in the summary", async () => {
    const el = await mount(fixtureSession());
    const [plan] = entries(el, "plan");
    expect(entries(el, "plan")).to.have.length(1);
    expect(textOf(plan.querySelector('[part="entry-summary"]')!)).to.contain("3/4");
    const items = plan.querySelectorAll(".plan-item");
    expect(items).to.have.length(4);
    expect((items[0] as HTMLElement).dataset.status).to.equal("completed");
    expect(textOf(items[0])).to.contain("high");
  });

  it("usage: tokens used of the context, and cost", async () => {
    const el = await mount(fixtureSession());
    const [usage] = entries(el, "usage");
    expect(textOf(usage.querySelector('[part="entry-summary"]')!)).to.contain("31.9k / 200k tokens · $0.1012");
    expect(textOf(await open(el, usage))).to.contain("31,877 tokens");
  });

  it("session info, commands, mode and config options", async () => {
    const el = await mount(fixtureSession());
    expect(textOf(entries(el, "session-info")[0])).to.contain("Fix flaky auth middleware test");
    const commands = await open(el, entries(el, "available-commands")[0]);
    expect(textOf(commands)).to.contain("/review");
    const mode = await open(el, entries(el, "current-mode")[0]);
    expect(textOf(mode.querySelector('[aria-current="true"]')!)).to.contain("Accept Edits");
    const options = await open(el, entries(el, "config-options")[0]);
    expect(textOf(options)).to.contain("Extended thinking");
    expect(textOf(options)).to.contain("Sonnet 4.5");
  });

  it("permission requests: the tool, its options, and the resolved answer", async () => {
    const el = await mount(fixtureSession());
    const [allowed, rejected] = entries(el, "permission-request");
    expect(allowed.dataset.status).to.equal("allowed");
    expect(rejected.dataset.status).to.equal("rejected");
    const body = await open(el, allowed);
    expect(textOf(body)).to.contain("Edit src/auth/middleware.ts");
    expect(body.querySelectorAll('[part="permission-option"]').length).to.equal(3);
    expect(textOf(body.querySelector('[aria-current="true"]')!)).to.contain("Allow");
    expect(textOf(rejected.querySelector('[part="entry-summary"]')!)).to.contain("Rejected: Reject");
  });

  it("a pending permission request is open and says it waits", async () => {
    const rec = new SessionRecorder();
    prompt(rec, ADA, "delete it");
    rec.agentRequest("session/request_permission", {
      sessionId: rec.agentSessionId,
      toolCall: { toolCallId: "t", title: "rm -rf build" },
      options: [{ optionId: "ok", name: "Allow", kind: "allow_once" }],
    });
    const el = await mount(rec.events);
    const [permission] = entries(el, "permission-request");
    expect(permission.querySelector('[part="entry-summary"]')!.getAttribute("aria-expanded")).to.equal("true");
    expect(textOf(permission)).to.contain("Waiting for an answer");
    expect(textOf($(el, '[part="header-meta"]'))).to.contain("1 permission request waiting");
    expect(textOf($(el, '[part="turn-status"]'))).to.contain("Running");
  });

  it("turn ends: the stop reason", async () => {
    const el = await mount(fixtureSession());
    const ends = entries(el, "turn-end").map((entry) => textOf(entry.querySelector('[part="entry-title"]')!));
    expect(ends).to.deep.equal(["done (end_turn)", "done (end_turn)", "done (end_turn)", "Stopped (cancelled)"]);
  });

  it("errors, malformed events and unknown updates: visible, with the raw JSON", async () => {
    const el = await mount(fixtureSession());
    const [rpc, malformed] = entries(el, "error");
    expect(textOf(rpc)).to.contain("session/set_mode: Invalid params");
    expect(textOf(malformed.querySelector('[part="entry-label"]')!)).to.equal("Malformed event");
    expect(malformed.querySelector('[part="json"]')!.textContent).to.contain('"jsonrpc": "2.0"');
    const unknown = entries(el, "unknown").find((entry) => textOf(entry).includes("workspace_snapshot"))!;
    expect(textOf(await open(el, unknown))).to.contain("workspace_snapshot");
  });
});

describe("raw events stay one click away", () => {
  it("each entry shows the raw events it was folded from", async () => {
    const el = await mount(fixtureSession());
    const message = entries(el, "agent-message")[0];
    const raw = message.querySelector<HTMLDetailsElement>('[part="entry-raw"]')!;
    expect(textOf(raw.querySelector("summary")!)).to.equal("Raw events (12)");
    raw.open = true;
    await new Promise((resolve) => raw.addEventListener("toggle", resolve, { once: true }));
    await el.updateComplete;
    expect(raw.querySelectorAll('[part="json"]')).to.have.length(12);
    expect(raw.querySelector('[part="json"]')!.textContent).to.contain("agent_message_chunk");
  });

  it("the header toggles the element to the full raw event list, paged", async () => {
    const el = await mount(fixtureSession());
    const toggle = $(el, '[part="raw-toggle"]');
    toggle.click();
    await el.updateComplete;
    expect(toggle.getAttribute("aria-pressed")).to.equal("true");
    expect($$(el, '[part="timeline"]')).to.be.empty;
    expect($$(el, ".raw-event")).to.have.length(200);
    expect(textOf($$(el, ".raw-event")[0])).to.contain("#1 client session/new");
    $(el, "[data-more]").click();
    await el.updateComplete;
    expect($$(el, ".raw-event")).to.have.length(400);
    toggle.click();
    await el.updateComplete;
    expect($$(el, '[part="timeline"]')).to.have.length(1);
  });
});

describe("streaming", () => {
  it("shows chunks as they arrive, redrawing only the entry that changed", async () => {
    const rec = new SessionRecorder();
    prompt(rec, ADA, "Write a list");
    block(rec, "agent_message_chunk", ["- one\n", "- two\n"]);
    const el = await mount(rec.events.slice(0, 3));
    const before = $$(el, '[part~="entry"]');
    const prompted = before[0].querySelector('[part="entry-body"]')!.innerHTML;
    el.appendEvents(rec.events.slice(3));
    await el.updateComplete;
    const after = $$(el, '[part~="entry"]');
    expect(after[0]).to.equal(before[0]);
    expect(after[1]).to.equal(before[1]);
    expect(after[0].querySelector('[part="entry-body"]')!.innerHTML).to.equal(prompted);
    expect(after[1].querySelectorAll("li")).to.have.length(2);
  });

  it("folds only the new events when `events` grows by appending", async () => {
    const events = fixtureSession();
    const el = await mount(events.slice(0, 100));
    const timeline = el.timeline;
    el.events = events;
    await el.updateComplete;
    expect(el.timeline).to.equal(timeline);
    expect(el.timeline.summary.eventCount).to.equal(events.length);
    expect(el.timeline.refolds).to.equal(0);
  });

  it("starts over when `events` is replaced by another session", async () => {
    const el = await mount(fixtureSession());
    const rec = new SessionRecorder();
    prompt(rec, GRACE, "A different session");
    el.events = rec.events;
    await el.updateComplete;
    expect($$(el, '[part~="entry"]')).to.have.length(1);
    expect(textOf(entries(el, "user-message")[0])).to.contain("A different session");
  });
});

describe("long transcripts", () => {
  const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
  // Some tests scroll the page itself: the next one starts at its top.
  afterEach(() => window.scrollTo(0, 0));
  function longSession(answers: number): unknown[] {
    const rec = new SessionRecorder();
    for (let n = 0; n < answers; n++) {
      prompt(rec, ADA, `Question ${n}`);
      block(rec, "agent_message_chunk", [`# Part ${n}\n\nSome **bold** words `, `and \`code\`.\n\n- first\n- second\n`]);
    }
    return rec.events;
  }

  it("show text far from view plain, and its markdown once the reader scrolls near it", async () => {
    const el = await mount(longSession(60));
    await frame();
    await el.updateComplete;
    const messages = entries(el, "agent-message");
    expect(messages).to.have.length(60);
    // A replay opens at the top: the first answers are markdown, the last ones wait as plain text.
    expect(messages[0].querySelector("h1")?.textContent).to.equal("Part 0");
    const last = messages[59];
    expect(last.querySelector(".markdown.plain"), "the last answer waits as plain text").to.exist;
    expect(last.querySelector("h1")).to.not.exist;
    // Nothing is lost while it waits: every answer's words are in the transcript.
    messages.forEach((message, n) => expect(textOf(message)).to.contain(`Part ${n}`).and.contain("bold"));

    const list = $(el, '[part="timeline"]');
    // The element may be taller than the test's window: the window shows its end too, as a reader's would.
    el.scrollIntoView({ block: "end" });
    list.scrollTop = list.scrollHeight;
    list.dispatchEvent(new Event("scroll"));
    await el.updateComplete;
    await frame();
    await el.updateComplete;
    expect(last.querySelector("h1")?.textContent).to.equal("Part 59");
    expect(last.querySelector("strong")?.textContent).to.equal("bold");
    expect(last.querySelector(".markdown.plain")).to.not.exist;
  });

  it("without a height of its own, grow with the page: text below the window waits plain until the page scrolls to it", async () => {
    // The host gave the element no height: it is as tall as its transcript, and the page scrolls.
    const el = await fixture<SandboxWorkspace>(html`<sandbox-workspace .events=${longSession(60)}></sandbox-workspace>`);
    await el.updateComplete;
    await frame();
    await el.updateComplete;
    const list = $(el, '[part="timeline"]');
    expect(list.scrollHeight, "the list does not scroll").to.equal(list.clientHeight);
    expect(el.getBoundingClientRect().height, "taller than the window").to.be.above(window.innerHeight * 2);
    const messages = entries(el, "agent-message");
    expect(messages[0].querySelector("h1")?.textContent).to.equal("Part 0");
    const last = messages[59];
    expect(last.querySelector(".markdown.plain"), "the last answer, far below the window, waits as plain text").to.exist;
    expect(textOf(last)).to.contain("Part 59").and.contain("bold");

    last.scrollIntoView();
    await frame();
    await el.updateComplete;
    await frame();
    await el.updateComplete;
    expect(last.querySelector("h1")?.textContent).to.equal("Part 59");
    expect(last.querySelector(".markdown.plain")).to.not.exist;
  });

  it("inside a scrolling container of the host's, in its shadow root: text waits plain until that container scrolls to it", async () => {
    const host = document.createElement("div");
    document.body.append(host);
    try {
      const scroller = document.createElement("div");
      scroller.style.cssText = "height: 400px; overflow: auto";
      host.attachShadow({ mode: "open" }).append(scroller);
      const el = document.createElement("sandbox-workspace") as SandboxWorkspace;
      el.events = longSession(60);
      scroller.append(el);
      await el.updateComplete;
      await frame();
      await el.updateComplete;
      const last = entries(el, "agent-message")[59];
      expect(last.querySelector(".markdown.plain"), "the last answer, far below the container's view, waits as plain text").to.exist;

      // The container's scroll event stays in its shadow root: nothing on the window hears it.
      scroller.scrollTop = scroller.scrollHeight;
      for (let n = 0; n < 10 && last.querySelector(".markdown.plain"); n++) {
        await frame();
        await el.updateComplete;
      }
      expect(last.querySelector("h1")?.textContent).to.equal("Part 59");
      expect(last.querySelector(".markdown.plain")).to.not.exist;
    } finally {
      host.remove();
    }
  });

  it("render every text as markdown before printing", async () => {
    const el = await mount(longSession(60));
    expect($$(el, ".markdown.plain")).to.not.be.empty;
    window.dispatchEvent(new Event("beforeprint"));
    // Synchronously: the print layout follows the event.
    expect($$(el, ".markdown.plain")).to.be.empty;
    expect($$(el, "h1")).to.have.length(60);
  });

  it("render a short transcript as markdown throughout", async () => {
    const el = await mount(longSession(4));
    for (const message of entries(el, "agent-message")) {
      expect(message.querySelector(".markdown.plain")).to.not.exist;
      expect(message.querySelector("h1")).to.exist;
    }
  });
});
