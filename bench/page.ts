/**
 * The bench page's own code (bundled by bench/browser.ts). The page loads the built drop-in file
 * with a script tag, as a host would; this module measures it from the page.
 */
import { createClient } from "rivetkit/client";
import { FIREHOSE_META, longMarkdown } from "../demo/agent/material.js";
import type { SessionEvent } from "sandbox-agent";
import { runPrompt } from "../src/protocol/index.js";
import type { WorkspaceRegistry } from "../src/actors/registry.js";
import type { SandboxWorkspace } from "../src/components/index.js";
import { block, SessionRecorder, splitInto, tiledSession } from "../test/fixtures/session.js";
import { LOST_METHOD, Timeline } from "../src/events/index.js";
import { givenUp } from "./stats.js";

const now = () => performance.timeOrigin + performance.now();
const frame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));
const task = () =>
  new Promise<void>((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(0);
  });

async function until(check: () => boolean, what: string, ms: number, everyMs = 10): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (!check()) {
    if (performance.now() > deadline) {
      console.warn(`bench: gave up waiting for ${what}`);
      return false;
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return true;
}

function element(attributes: Record<string, string>): SandboxWorkspace {
  const el = document.createElement("sandbox-workspace") as SandboxWorkspace;
  for (const [name, value] of Object.entries(attributes)) el.setAttribute(name, value);
  el.style.height = "600px";
  document.body.append(el);
  return el;
}

/** A prompt's turn: when it ended (however it ended), and whether a run on it stops waiting (`givenUp`). */
function turnOf(prompt: Promise<unknown>, lostAfterMs?: number): (lastProgress: number) => boolean {
  let endedAt: number | undefined;
  prompt.then(
    () => (endedAt = now()),
    () => (endedAt = now()),
  );
  return (lastProgress) => givenUp(endedAt, lastProgress, now(), lostAfterMs);
}

/** A `/firehose` chunk's index and send time (see `FIREHOSE_META`), if the event is one. */
function firehoseChunk(raw: unknown): { index: number; sentAt: number } | undefined {
  const meta = (raw as { payload?: { params?: { update?: { _meta?: Record<string, number> } } } }).payload?.params?.update?._meta;
  const index = meta?.[FIREHOSE_META.index];
  return index === undefined ? undefined : { index, sentAt: meta![FIREHOSE_META.sentAt] };
}

interface Firehose {
  endpoint: string;
  workspaceId: string;
  elements: number;
  /** The prompt to send, e.g. `/firehose 5000`. */
  text: string;
  chunks: number;
  timeoutMs: number;
  /**
   * The page's body not displayed: the elements decode, fold and render into the DOM as ever, but
   * the browser lays out and paints nothing. (A live stream renders no entry as plain text, so no
   * rendering waits on geometry that would now read zero.)
   */
  undisplayed?: boolean;
  /**
   * How long after the turn's end, and the last chunk, the run stops waiting for missing chunks
   * (default `LOST_AFTER_MS`): longer where a hundred pages share the machine and a page may not
   * run for seconds, yet has lost nothing.
   */
  lostAfterMs?: number;
}

export interface FirehoseResult {
  /** Per element: agent send → text in the element's DOM, ms, one per chunk received. */
  visible: number[][];
  /** Per element: agent send → event handed to the page (before render), ms. */
  arrived: number[][];
  received: number[];
  duplicates: number[];
  /** Per element (the element runs only): messages its transcript says the workspace lost (`LOST_METHOD` notices, the daemon's drops). */
  marked?: number[];
  firstSentAt: number;
  /** The agent's last send: with `firstSentAt`, how long the agent itself took to stream. */
  lastSentAt: number;
  /** Per element: when its last chunk was in the DOM. */
  lastVisibleAt: number[];
  /** Per element: when its last chunk was handed to the page (before render). */
  lastArrivedAt: number[];
  /** CPU time the whole machine spent from the prompt to the last chunk in the DOM (core-ms), when the bench gave a clock and every chunk came. */
  cpuMs?: number;
  /** The time `cpuMs` was measured over (ms): with it, how many cores were busy. */
  cpuWallMs?: number;
  /** The element's message ends with the last chunk's text (checked in the DOM at the end). */
  complete: boolean[];
}

/** Times the firehose chunks an element receives: on arrival, and once in its DOM. */
function track(el: SandboxWorkspace, result: Pick<FirehoseResult, "firstSentAt" | "lastSentAt">) {
  const visible: number[] = [];
  const arrived: number[] = [];
  const seen = new Set<number>();
  let pending: number[] = [];
  let duplicates = 0;
  let lastVisibleAt = 0;
  let lastArrivedAt = 0;
  const sentAt: number[] = [];
  el.addEventListener("sandbox-workspace-event", (event) => {
    const at = now();
    for (const raw of event.detail.events) {
      const chunk = firehoseChunk(raw);
      if (!chunk) continue;
      const { index } = chunk;
      if (seen.has(index)) {
        duplicates++;
        continue;
      }
      seen.add(index);
      sentAt[index] = chunk.sentAt;
      result.firstSentAt = Math.min(result.firstSentAt, sentAt[index]);
      result.lastSentAt = Math.max(result.lastSentAt, sentAt[index]);
      arrived.push(at - sentAt[index]);
      lastArrivedAt = at;
      pending.push(index);
    }
    if (pending.length === 0) return;
    const stamped = pending;
    pending = [];
    // Rendering is coalesced to animation frames: stamp when the update that carries these is in the DOM.
    void el.updateComplete.then(() => {
      const at = now();
      for (const index of stamped) visible.push(at - sentAt[index]);
      lastVisibleAt = at;
    });
  });
  return { el, visible, arrived, seen, get duplicates() { return duplicates; }, get lastVisibleAt() { return lastVisibleAt; }, get lastArrivedAt() { return lastArrivedAt; } };
}

/**
 * One reader of a firehose another page prompts: an element on the workspace, live, that times the
 * chunks it receives until it has `chunks` of them. `window.benchLive` is set once it is live; its
 * `timeoutMs` counts from when the runner sets `window.benchGo` (the flood's start), not from its
 * page's opening: with 100 pages, the first opened minutes before the last.
 */
async function observe(options: { endpoint: string; workspaceId: string; chunks: number; timeoutMs: number }) {
  const el = element({ endpoint: options.endpoint, "workspace-id": options.workspaceId, "user-name": "Observer" });
  const flags = window as unknown as { benchLive?: boolean; benchGo?: boolean };
  // What a reader that misses chunks went through: its links and errors, in order, as the element reports them.
  const story: string[] = [];
  el.addEventListener("sandbox-workspace-connected", () => story.push("live"));
  el.addEventListener("sandbox-workspace-disconnected", (event) => story.push(`disconnected${event.detail.reason ? ` (${event.detail.reason})` : ""}`));
  el.addEventListener("sandbox-workspace-error", (event) => story.push(`error ${event.detail.code}`));
  await until(() => el.connectionStatus === "live", "element live", 60_000);
  flags.benchLive = true;
  const tracked = track(el, { firstSentAt: Infinity, lastSentAt: 0 });
  // Checked 4 times a second, not 100: a hundred pages polling would be a load of their own (the
  // times are taken as chunks arrive and show, not when this loop notices).
  await until(() => flags.benchGo === true, "the flood's start", 30 * 60_000, 250);
  await until(() => tracked.visible.length >= options.chunks, "every chunk visible", options.timeoutMs, 250);
  await el.updateComplete;
  story.push(`timeline whole through ${el.timeline.contiguousIndex}, newest ${el.timeline.lastIndex}`);
  el.remove();
  return { visible: tracked.visible, arrived: tracked.arrived, received: tracked.seen.size, duplicates: tracked.duplicates, story };
}

/** Messages the element's transcript says the workspace lost: the counts of its `LOST_METHOD` notices. */
function markedLost(el: SandboxWorkspace): number {
  let count = 0;
  for (const entry of el.timeline.entries) {
    if (entry.type !== "notice" || entry.method !== LOST_METHOD) continue;
    const params = (entry.events[0] as { payload?: { params?: { count?: unknown } } }).payload?.params;
    if (typeof params?.count === "number") count += params.count;
  }
  return count;
}

/** Sends the firehose prompt from the first of `elements` elements on one workspace and times every chunk in each. */
async function firehose(options: Firehose): Promise<FirehoseResult> {
  document.body.style.display = options.undisplayed ? "none" : "";
  const els = Array.from({ length: options.elements }, (_, i) =>
    element({ endpoint: options.endpoint, "workspace-id": options.workspaceId, "user-name": `Reader ${i + 1}` }),
  );
  await until(() => els.every((el) => el.connectionStatus === "live"), "elements live", 30_000);
  // The session exists and is warm before anything is timed.
  await els[0].prompt("/echo warm up");
  await until(() => els.every((el) => !el.timeline.summary.running && el.timeline.size > 0), "warm-up turn", 30_000);
  await frame();

  const result: FirehoseResult = { visible: [], arrived: [], received: [], duplicates: [], marked: [], firstSentAt: Infinity, lastSentAt: 0, lastVisibleAt: [], lastArrivedAt: [], complete: [] };
  const trackers = els.map((el) => track(el, result));

  // The bench's clock of the machine's CPU time (bench/cpu.ts), when it gave one.
  const cpu = (window as unknown as { benchCpuMs?: () => Promise<number> }).benchCpuMs;
  const cpuBefore = await cpu?.();
  const cpuFrom = performance.now();
  const done = turnOf(els[0].prompt(options.text), options.lostAfterMs);
  const allVisible = () => trackers.every((t) => t.visible.length >= options.chunks);
  const progress = () => Math.max(...trackers.map((t) => Math.max(t.lastArrivedAt, t.lastVisibleAt)));
  const whole = (await until(() => allVisible() || done(progress()), "every chunk visible", options.timeoutMs)) && allVisible();
  if (whole && cpu && cpuBefore !== undefined) {
    result.cpuMs = (await cpu()) - cpuBefore;
    result.cpuWallMs = performance.now() - cpuFrom;
  }
  await until(() => els.every((el) => !el.timeline.summary.running), "turn end", 5_000);
  for (const t of trackers) {
    await t.el.updateComplete;
    const messages = t.el.shadowRoot!.querySelectorAll('[data-type="agent-message"]');
    const text = messages[messages.length - 1]?.textContent ?? "";
    result.complete.push(text.includes(`chunk ${options.chunks - 1} `.trim()));
    result.visible.push(t.visible);
    result.arrived.push(t.arrived);
    result.received.push(t.seen.size);
    result.duplicates.push(t.duplicates);
    result.marked!.push(markedLost(t.el));
    result.lastVisibleAt.push(t.lastVisibleAt);
    result.lastArrivedAt.push(t.lastArrivedAt);
  }
  for (const el of els) el.remove();
  return result;
}

/**
 * The firehose through the actor to a bare rivetkit client in this page, with no element: what the
 * browser's connection and decoding cost apart from folding and rendering. Times each chunk on
 * arrival, as `firehose` does for `arrived`.
 */
async function clientFirehose(options: Omit<Firehose, "elements">): Promise<FirehoseResult> {
  const client = createClient<WorkspaceRegistry>({ endpoint: options.endpoint, devtools: false });
  const conn = client.workspace.getOrCreate([options.workspaceId], { params: { userName: "Bare client" } }).connect();
  try {
    await runPrompt(conn, "/echo warm up");
    const arrived: number[] = [];
    const seen = new Set<number>();
    let firstSentAt = Infinity;
    let lastSentAt = 0;
    let lastArrivedAt = 0;
    let duplicates = 0;
    const take = (raw: SessionEvent) => {
      const chunk = firehoseChunk(raw);
      if (!chunk) return;
      if (seen.has(chunk.index)) {
        duplicates++;
        return;
      }
      seen.add(chunk.index);
      const at = now();
      const { sentAt } = chunk;
      firstSentAt = Math.min(firstSentAt, sentAt);
      lastSentAt = Math.max(lastSentAt, sentAt);
      arrived.push(at - sentAt);
      lastArrivedAt = at;
    };
    conn.on("session.event", take);
    conn.on("session.events", (events: SessionEvent[]) => events.forEach(take));
    const done = turnOf(runPrompt(conn, options.text));
    const whole = (await until(() => seen.size >= options.chunks || done(lastArrivedAt), "every chunk", options.timeoutMs)) && seen.size >= options.chunks;
    return { visible: [arrived], arrived: [arrived], received: [seen.size], duplicates: [duplicates], firstSentAt, lastSentAt, lastVisibleAt: [lastArrivedAt], lastArrivedAt: [lastArrivedAt], complete: [whole] };
  } finally {
    await conn.dispose();
    await client.dispose();
  }
}

/** A workspace's whole history read with a bare client, page by page, and how long that took. */
async function readHistory(endpoint: string, workspaceId: string, userName: string): Promise<{ ms: number; events: unknown[] }> {
  const client = createClient<WorkspaceRegistry>({ endpoint, devtools: false });
  const start = performance.now();
  const conn = client.workspace.getOrCreate([workspaceId], { params: { userName } }).connect();
  const events: unknown[] = [];
  for (let after = 0; ; ) {
    // The way the element reads it: events as JSON text, one parse per page.
    const page = await conn.getHistoryJson({ after, limit: 500 });
    events.push(...(JSON.parse(page.eventsJson) as unknown[]));
    if (page.nextAfter === undefined) break;
    after = page.nextAfter;
  }
  const ms = performance.now() - start;
  await conn.dispose();
  await client.dispose();
  return { ms, events };
}

/** The history-open baseline: the events fetched alone. */
async function fetchHistory(endpoint: string, workspaceId: string): Promise<{ ms: number; events: number }> {
  const { ms, events } = await readHistory(endpoint, workspaceId, "Fetch");
  return { ms, events: events.length };
}

/** An element joins a workspace with a long history: until every event is folded, rendered, and the composer is usable. */
async function openHistory(endpoint: string, workspaceId: string, lastIndex: number): Promise<{ ms: number; events: number; entries: number; refolds: number }> {
  const start = performance.now();
  const el = element({ endpoint, "workspace-id": workspaceId, "user-name": "Opener" });
  await until(
    () => el.connectionStatus === "live" && el.timeline.lastIndex >= lastIndex && el.timeline.contiguousIndex >= el.timeline.lastIndex,
    "history loaded",
    60_000,
  );
  await el.updateComplete;
  await frame();
  const composer = el.shadowRoot!.querySelector<HTMLTextAreaElement>('[part~="composer-input"]');
  const ms = performance.now() - start;
  const result = { ms, events: el.timeline.events.length, entries: el.timeline.size, refolds: el.timeline.refolds, interactive: !!composer && !composer.disabled };
  el.remove();
  if (!result.interactive) throw new Error("the composer is not usable after the history loaded");
  return result;
}

/** One long markdown answer in `count` chunks, recorded as the SDK stores it. */
function streamEvents(count: number): unknown[] {
  const rec = new SessionRecorder();
  block(rec, "agent_message_chunk", splitInto(longMarkdown(count * 3), count));
  return rec.events;
}

/** `count` chunks into one message, one per task as fast as the page goes; long tasks recorded. */
async function streamRender(count: number): Promise<{ ms: number; longTasks: number[]; chunks: number }> {
  const events = streamEvents(count);
  const el = element({});
  el.events = [];
  await el.updateComplete;
  const longTasks: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) longTasks.push(entry.duration);
  });
  observer.observe({ type: "longtask" });
  const start = performance.now();
  for (const event of events) {
    el.appendEvents([event]);
    await task();
  }
  await el.updateComplete;
  await frame();
  const ms = performance.now() - start;
  await task();
  observer.disconnect();
  el.remove();
  return { ms, longTasks, chunks: count };
}

/**
 * A long session replayed: `count` events into an element, until its transcript is rendered and its
 * find box usable; the baseline is the same events folded alone. The element stays, for the heap
 * and scrolling figures.
 */
let long: SandboxWorkspace | undefined;
let longEvents: SessionEvent[] = [];
/** The long session's events, held in the page (for the heap they take alone). */
function makeLong(count: number): number {
  longEvents = tiledSession(count);
  return longEvents.length;
}
async function openLong(count: number): Promise<{ ms: number; foldMs: number; entries: number; inDom: number }> {
  long?.remove();
  const events = longEvents.length === count ? longEvents : tiledSession(count);
  const foldStart = performance.now();
  const timeline = new Timeline();
  timeline.addAll(events);
  const foldMs = performance.now() - foldStart;
  if (timeline.size === 0) throw new Error("nothing folded");
  const start = performance.now();
  const el = element({});
  el.events = events;
  long = el;
  const list = () => el.shadowRoot!.querySelector<HTMLElement>('[part~="timeline"]');
  if (!(await until(() => !!list()?.classList.contains("virtual") && !!list()!.querySelector("[data-entry-id]"), "the long transcript rendered", 60_000))) throw new Error("the long transcript never rendered");
  await el.updateComplete;
  await frame();
  const find = el.shadowRoot!.querySelector<HTMLInputElement>('[part="find-input"]');
  if (!find || find.disabled) throw new Error("the find box is not usable");
  return { ms: performance.now() - start, foldMs, entries: el.timeline.size, inDom: list()!.querySelectorAll("[data-entry-id]").length };
}

/** Frames in `ms` with nothing to do (`scroll` false), or with the long transcript scrolled by a screen each frame. */
async function frames(ms: number, scroll: boolean): Promise<{ frames: number; worstMs: number; ms: number }> {
  const list = long?.shadowRoot!.querySelector<HTMLElement>('[part~="timeline"]');
  if (scroll && !list) throw new Error("no long transcript to scroll");
  let count = 0;
  let worst = 0;
  const start = performance.now();
  let last = start;
  while (performance.now() - start < ms) {
    await frame();
    const at = performance.now();
    worst = Math.max(worst, at - last);
    last = at;
    count++;
    if (scroll) list!.scrollTop = (list!.scrollTop + list!.clientHeight) % Math.max(1, list!.scrollHeight - list!.clientHeight);
  }
  return { frames: count, worstMs: worst, ms: performance.now() - start };
}

/** For the memory figure: an element with no session, then the same element with a workspace's history. */
let held: SandboxWorkspace | undefined;
async function mountEmpty(): Promise<void> {
  held = element({});
  held.events = [];
  await held.updateComplete;
  await frame();
}

async function loadHistoryInto(endpoint: string, workspaceId: string): Promise<number> {
  held!.events = (await readHistory(endpoint, workspaceId, "Memory")).events;
  await held!.updateComplete;
  await frame();
  return held!.timeline.events.length;
}

/** The element failover figures watch, and every event index it was shown since it opened. */
let watched: { el: SandboxWorkspace; held: Set<number> } | undefined;

async function failoverOpen(endpoint: string, workspaceId: string): Promise<void> {
  watched?.el.remove();
  const el = element({ endpoint, "workspace-id": workspaceId, "user-name": "Bench" });
  const held = new Set<number>();
  el.addEventListener("sandbox-workspace-event", (event) => {
    for (const raw of (event as CustomEvent<{ events: Array<{ eventIndex: number }> }>).detail.events) held.add(raw.eventIndex);
  });
  watched = { el, held };
  if (!(await until(() => el.connectionStatus === "live", "the failover element is live", 30_000))) throw new Error(`not live: ${el.connectionStatus}`);
}

/** Sends `text` and waits until the turn streams: running, and at least `atLeast` events in. */
async function failoverStream(text: string, atLeast: number): Promise<boolean> {
  const { el } = watched!;
  const from = el.timeline.lastIndex;
  el.prompt(text).catch(() => undefined); // a turn on a runner that dies settles as connection-lost
  return until(() => el.timeline.summary.running && el.timeline.lastIndex >= from + atLeast, "the turn streams", 30_000);
}

/** When the element is usable again: live, and no turn shown running. */
async function failoverRecovered(timeoutMs: number): Promise<{ at: number | undefined; held: number[]; status: string }> {
  const { el, held } = watched!;
  const ok = await until(() => el.connectionStatus === "live" && !el.timeline.summary.running, "the element recovers", timeoutMs);
  return { at: ok ? now() : undefined, held: [...held], status: el.connectionStatus };
}

Object.assign(window, { bench: { firehose, observe, clientFirehose, fetchHistory, openHistory, makeLong, openLong, frames, streamRender, mountEmpty, loadHistoryInto, failoverOpen, failoverStream, failoverRecovered, ready: customElements.whenDefined("sandbox-workspace") } });
