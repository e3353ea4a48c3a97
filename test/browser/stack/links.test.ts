/**
 * Links to one entry, live against the real stack: a page opened at a link to an entry on an older
 * history page of a long session lands on it once the element has read that page back (it reads the
 * newest page first), and stays there as new entries arrive; a link to an entry the workspace does
 * not have is said once the whole history is in.
 */
import { expect } from "@open-wc/testing";
import type { SandboxWorkspace } from "../../../src/components/index.js";
import { Timeline, type SessionEvent } from "../../../src/events/index.js";
import { until } from "../../shared/until.js";
import { $, $$, JOIN_MS, notice } from "../support/harness.js";
import { fresh, stack, type StoredHistory } from "../support/stack.js";

/** Mocha's default 30 s for what a test does, plus one slow join (see `join`), plus the long turns. */
const TEST_MS = JOIN_MS + 120_000;
/** Events per history page (the workspace's maximum, what the element reads). */
const PAGE = 500;

const setFragment = (hash: string) => history.replaceState(null, "", `${location.href.split("#")[0]}${hash}`);

/** Waits until the workspace has stored every event of its turns (a prompt answers before its last events are stored). */
async function settledHistory(workspaceId: string): Promise<SessionEvent[]> {
  type Info = { lastEventIndex: number };
  let stored = -1;
  for (let info = (await stack({ action: "info", workspaceId })) as unknown as Info; info.lastEventIndex !== stored; ) {
    stored = info.lastEventIndex;
    await new Promise((resolve) => setTimeout(resolve, 300));
    info = (await stack({ action: "info", workspaceId })) as unknown as Info;
  }
  return (await stack<StoredHistory>({ action: "history", workspaceId })).events;
}

/** An element joining `workspaceId`, appended to the page as a host would; `arrivals` gets each batch's indices. */
function open(endpoint: string, workspaceId: string, arrivals: number[][] = []): SandboxWorkspace {
  const el = document.createElement("sandbox-workspace");
  el.addEventListener("sandbox-workspace-event", (event) => arrivals.push(event.detail.events.map((e) => (e as SessionEvent).eventIndex)));
  Object.assign(el, { endpoint, workspaceId, userName: "Ada" });
  el.style.height = "500px";
  document.body.append(el);
  return el;
}

describe("live: links to one entry", function () {
  this.timeout(TEST_MS);
  let endpoint: string;
  before(async () => {
    ({ endpoint } = await stack({ action: "start" }));
  });
  afterEach(() => setFragment(""));

  it("lands on an entry from an older history page once the element has read it back, and stays there as the session goes on", async () => {
    const id = fresh("link");
    for (const turn of [1, 2, 3]) await stack({ action: "prompt", workspaceId: id, text: `/long 400 turn ${turn}` });
    const events = await settledHistory(id);
    const last = events.at(-1)!.eventIndex;
    // The first turn's answer: it starts on a page older than the newest one, which the element reads first.
    const target = [...new Timeline(events).entries].find((entry) => entry.type === "agent-message")!;
    const starts = (target.events[0] as SessionEvent).eventIndex;
    expect(starts, "the entry is on an older page").to.be.below(last - PAGE);

    setFragment(`#sandbox-workspace/${encodeURIComponent(id)}/${encodeURIComponent(target.id)}`);
    const arrivals: number[][] = [];
    const el = open(endpoint, id, arrivals);
    try {
      await until(() => !!el.shadowRoot!.querySelector('[part~="entry-linked"]'), "the linked entry is marked", JOIN_MS);
      expect(arrivals[0][0], "the newest page came first").to.be.greaterThan(PAGE);
      expect(el.timeline.contiguousIndex, "it landed once the older pages were in").to.be.at.least(starts);
      const item = $(el, '[part~="entry-linked"]');
      expect(item.dataset.entryId).to.equal(target.id);
      expect(item.getAttribute("part")).to.equal("entry entry-agent-message entry-linked");
      expect(item.querySelector('[part="entry-summary"]')!.getAttribute("aria-expanded")).to.equal("true");
      const list = $(el, '[part="timeline"]');
      const inView = () => {
        const box = item.getBoundingClientRect();
        const view = list.getBoundingClientRect();
        return box.top >= view.top - 1 && box.top < view.bottom - 20;
      };
      await until(inView, "the linked entry is in view");
      await until(() => el.timeline.contiguousIndex === el.timeline.lastIndex && el.timeline.lastIndex >= last, "the whole history is in");
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(inView(), "still in view once the history is in: the element no longer follows the newest entries").to.be.true;
      expect(list.scrollTop + list.clientHeight).to.be.below(list.scrollHeight - 100, "not at the newest end");

      // Someone prompts: new entries arrive below, the reader stays on the linked entry and is told of them.
      await stack({ action: "prompt", workspaceId: id, text: "/long 5 after the link" });
      await until(() => $$(el, '[part="jump-latest"]').length === 1, "the element says new entries arrived");
      expect(inView(), "the new entries did not move the reader").to.be.true;
      expect($$(el, '[part~="entry-linked"]')).to.have.length(1);
      expect(notice(el)).to.be.undefined;
    } finally {
      el.remove();
    }
  });

  it("says a linked entry is not in the workspace once its whole history is in", async () => {
    const id = fresh("missing");
    await stack({ action: "prompt", workspaceId: id, text: "/long 5 a short one" });
    const events = await settledHistory(id);
    setFragment(`#sandbox-workspace/${encodeURIComponent(id)}/e${events.at(-1)!.eventIndex + 1000}`);
    const codes: string[] = [];
    const el = open(endpoint, id);
    el.addEventListener("sandbox-workspace-error", (event) => codes.push(event.detail.code));
    try {
      await until(() => notice(el)?.code === "entry-not-found", () => `the notice says so (${JSON.stringify(notice(el))})`, JOIN_MS);
      expect(el.timeline.contiguousIndex, "not before the history was in").to.be.at.least(events.at(-1)!.eventIndex);
      expect(notice(el)!.text).to.contain("is not in this session");
      expect(codes.filter((code) => code === "entry-not-found")).to.have.length(1);
    } finally {
      el.remove();
    }
  });
});
