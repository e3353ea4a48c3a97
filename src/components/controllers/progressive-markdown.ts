/**
 * Markdown rendered where the reader looks first. A render that brings many entries at once (a
 * history opening, a replay) shows the text of entries far from view plain and renders their
 * markdown as they come near, in idle time, or for a printout; a long open block that streams shows
 * its newest text plain until the stream pauses (see StreamingMarkdown).
 *
 * The element drives it from its own hooks, in this order: `willUpdate` → `beforeRender`, each
 * entry's render → `forEntry`, `updated` → `afterRender`. Listeners (resize, print, idle) follow the
 * host's connection.
 */
import type { ReactiveController, ReactiveControllerHost } from "lit";
import type { Entry, MessagePart } from "../../events/index.js";
import { StreamingMarkdown } from "../markdown.js";

/** How long a stream must pause before long open blocks are rendered in full. */
const SETTLE_MS = 150;
/** A render that brings more new entries than this is a bulk render. */
const BULK_ENTRIES = 8;
/** In a bulk render, the entries nearest the reader's end render markdown at once, about this many lines of them. */
const BULK_SHOWN_LINES = 80;
/** Entries whose plain text is rendered as markdown per idle period. */
const IDLE_ENTRIES = 3;

export interface ProgressiveMarkdownHost {
  /** The transcript's list, when it is rendered. */
  list(): HTMLElement | null;
  /** Whether the reader follows the newest entries of a live workspace (so idle time may render above them). */
  followingLive(): boolean;
  isOpen(entry: Entry): boolean;
  /** Renders now, before the frame is painted. */
  renderNow(): void;
}

/** What one entry's render asks for its text parts. */
export interface EntryMarkdown {
  /** The part's renderer, up to date; undefined while the entry waits as plain text. Called for the entry's texts in order. */
  markdown(part: MessagePart & { kind: "text" }): StreamingMarkdown | undefined;
}

export class ProgressiveMarkdown implements ReactiveController {
  #host: ReactiveControllerHost;
  #config: ProgressiveMarkdownHost;
  /**
   * Each text's renderer, by its entry's id and its place among the entry's texts, not by the part
   * object: a re-fold (older history arriving after the newest page was shown) builds new entries
   * with the same ids and texts, and their markdown is not rendered again.
   */
  #renderers = new Map<string, StreamingMarkdown[]>();
  /** The timeline's re-fold count at the last render: after one, renderers of entries gone are dropped. */
  #refolds = 0;
  /** Entries whose long open block shows its newest text plain. */
  #stale = new Set<string>();
  /** How often each entry's stale text was settled: a change re-renders it. */
  #settled = new Map<string, number>();
  #settleTimer?: ReturnType<typeof setTimeout>;
  /** Entries whose text renders as markdown. */
  #shown = new Set<string>();
  /** Entries showing plain text in place of markdown. */
  #plain = new Set<string>();
  #bulk = false;
  #renderedSize = 0;
  /** The next update renders before the frame is painted (plain text coming into view). */
  #urgent = false;
  #resizing?: ResizeObserver;
  /** Watches the plain entries: one that comes into view, by whatever scrolling or layout, gets its markdown. */
  #nearView?: IntersectionObserver;
  #watching = false;
  #idle?: number;

  constructor(host: ReactiveControllerHost, config: ProgressiveMarkdownHost) {
    this.#host = host;
    this.#config = config;
    host.addController(this);
  }

  hostConnected(): void {
    // Grown taller, the element shows entries that were out of view: in the next frame, since a
    // render inside this callback would resize what other observers (a virtual transcript's) watch.
    this.#resizing ??= new ResizeObserver(() => requestAnimationFrame(() => this.showNearView()));
    this.#resizing.observe(this.#host as unknown as Element);
    window.addEventListener("beforeprint", this.#onPrint);
    // An element as tall as its transcript scrolls with the page or a container of the host's, not its
    // list; an intersection observer sees those (in any shadow root, through any clipping) as it sees layout moving.
    this.#nearView ??= new IntersectionObserver(this.#onNear, { rootMargin: "25% 0px" });
    requestAnimationFrame(() => this.#watchPlain());
  }

  hostDisconnected(): void {
    this.#resizing?.disconnect();
    if (this.#idle !== undefined) cancelIdleCallback(this.#idle);
    this.#idle = undefined;
    this.#nearView?.disconnect();
    this.#watching = false;
    window.removeEventListener("beforeprint", this.#onPrint);
  }

  /** Watches the entries showing plain text, and only those. */
  #watchPlain(): void {
    const observer = this.#nearView;
    if (!observer || (!this.#watching && this.#plain.size === 0)) return;
    const list = this.#config.list();
    observer.disconnect();
    this.#watching = !!list && this.#plain.size > 0;
    if (!this.#watching) return;
    for (const item of list!.querySelectorAll<HTMLElement>(":scope > .entry[data-plain]")) observer.observe(item);
  }

  /** Plain entries came into view (or near it): their markdown, in the next update. */
  #onNear = (records: IntersectionObserverEntry[]): void => {
    let found = false;
    for (const record of records) {
      const id = (record.target as HTMLElement).dataset.entryId;
      if (!record.isIntersecting || id === undefined || !this.#plain.has(id) || this.#shown.has(id)) continue;
      this.#shown.add(id);
      found = true;
    }
    if (!found) return;
    this.#urgent = true;
    this.#host.requestUpdate();
  };

  /** Whether the next update must render before the frame is painted; asking clears it. */
  takeUrgent(): boolean {
    const urgent = this.#urgent;
    this.#urgent = false;
    return urgent;
  }

  /** A new transcript: nothing of the old one is shown. */
  reset(): void {
    this.#renderers.clear();
    this.#refolds = 0;
    this.#shown.clear();
    this.#plain.clear();
    this.#renderedSize = 0;
  }

  /**
   * Before a render of `entries`: a bulk render shows markdown, without geometry yet, for about a
   * screen of entries at the reader's end (`fromEnd`: the newest).
   */
  beforeRender(entries: Iterable<Entry>, size: number, fromEnd: boolean, refolds = 0): void {
    // Entries can leave the transcript (a re-fold, one folded into another): their renderers go too.
    let all: Entry[] | undefined;
    if ((refolds !== this.#refolds || size < this.#renderedSize) && this.#renderers.size > 0) {
      all = [...entries];
      const ids = new Set(all.map((entry) => entry.id));
      for (const id of this.#renderers.keys()) if (!ids.has(id)) this.#renderers.delete(id);
    }
    this.#refolds = refolds;
    this.#bulk = size - this.#renderedSize > BULK_ENTRIES;
    this.#renderedSize = size;
    if (!this.#bulk) return;
    all ??= [...entries];
    let lines = 0;
    for (let n = 0; n < all.length && lines < BULK_SHOWN_LINES; n++) {
      const entry = all[fromEnd ? all.length - 1 - n : n];
      this.#shown.add(entry.id);
      lines += 1;
      if (!this.#config.isOpen(entry) || !("parts" in entry)) continue;
      for (const part of entry.parts) if (part.kind === "text") lines += textLines(part.text);
    }
  }

  /** What a render of entry `id` changes with: it re-renders when either does. */
  revision(id: string): string {
    return `${this.#shown.has(id) ? 1 : 0}:${this.#settled.get(id) ?? 0}`;
  }

  /** The markdown of one entry's render; `plain(id)` afterwards says whether it showed any text plain. */
  forEntry(id: string): EntryMarkdown {
    this.#plain.delete(id);
    let texts = 0;
    return {
      markdown: (part) => {
        const nth = texts++;
        if (!this.#shown.has(id)) {
          if (this.#bulk) {
            this.#plain.add(id);
            return undefined;
          }
          this.#shown.add(id);
        }
        let renderers = this.#renderers.get(id);
        if (!renderers) this.#renderers.set(id, (renderers = []));
        const md = (renderers[nth] ??= new StreamingMarkdown());
        md.update(part.text);
        if (md.stale) this.#stale.add(id);
        return md;
      },
    };
  }

  plain(id: string): boolean {
    return this.#plain.has(id);
  }

  afterRender(): void {
    // Entries just added are laid out at a placeholder height until the next frame (content-visibility):
    // only then does geometry say which plain ones are in view.
    if (this.#bulk) requestAnimationFrame(() => this.showNearView());
    this.#watchPlain();
    if (this.#plain.size > 0) this.#showWhenIdle();
    if (this.#stale.size > 0) {
      clearTimeout(this.#settleTimer);
      this.#settleTimer = setTimeout(() => {
        for (const id of this.#stale) this.#settled.set(id, (this.#settled.get(id) ?? 0) + 1);
        this.#stale.clear();
        this.#host.requestUpdate();
      }, SETTLE_MS);
    }
  }

  /**
   * Entries showing plain text in or near the visible part of the transcript (of the list, and of
   * the window) get their markdown, in an update that runs before the frame is painted (and again if
   * that brings more into view). Entries are in document order, top to bottom: a binary search finds
   * the first one in view. The margin is small because entries never shown are laid out at a
   * placeholder height (content-visibility).
   */
  showNearView(): void {
    if (this.#plain.size === 0) return;
    const list = this.#config.list();
    if (!list) return;
    // What the reader can see of the list: within the window too, for a list as tall as its entries
    // (an element without a height of its own grows with its transcript, and the page scrolls).
    const rect = list.getBoundingClientRect();
    const viewTop = Math.max(rect.top, 0);
    const viewBottom = Math.min(rect.bottom, window.innerHeight);
    if (viewBottom <= viewTop) return;
    const margin = (viewBottom - viewTop) / 4;
    const top = viewTop - margin;
    const bottom = viewBottom + margin;
    const items = list.querySelectorAll<HTMLElement>(":scope > .entry[data-plain]");
    let low = 0;
    let high = items.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (items[middle].getBoundingClientRect().bottom < top) low = middle + 1;
      else high = middle;
    }
    let found = false;
    for (let i = low; i < items.length; i++) {
      if (items[i].getBoundingClientRect().top > bottom) break;
      this.#shown.add(items[i].dataset.entryId!);
      found = true;
    }
    if (!found) return;
    this.#urgent = true;
    this.#host.requestUpdate();
  }

  /**
   * While the reader follows a live workspace at its end, the plain text above is rendered as
   * markdown in idle time, a few entries at a time, nearest first: it is ready before they scroll
   * there, and assistive technology reads it formatted. (Not while the reader is elsewhere: entries
   * growing above the view would move what they read.)
   */
  #showWhenIdle(): void {
    if (this.#idle !== undefined || typeof requestIdleCallback !== "function") return;
    this.#idle = requestIdleCallback(
      () => {
        this.#idle = undefined;
        if (!this.#config.followingLive() || this.#plain.size === 0) return;
        for (const id of [...this.#plain].slice(-IDLE_ENTRIES)) this.#shown.add(id);
        this.#host.requestUpdate();
      },
      { timeout: 2000 },
    );
  }

  /** A printout has no scrolling: every text is rendered as markdown, now. */
  #onPrint = (): void => {
    if (this.#plain.size === 0) return;
    for (const id of this.#plain) this.#shown.add(id);
    this.#host.requestUpdate();
    this.#config.renderNow();
  };
}

/** Roughly how many lines a text takes: enough to tell a screenful from a few words. */
export function textLines(text: string): number {
  let lines = 1;
  for (let at = text.indexOf("\n"); at !== -1 && lines < 1000; at = text.indexOf("\n", at + 1)) lines++;
  return lines + Math.floor(text.length / 100);
}
