/**
 * A long transcript keeps only the entries near the viewport in the DOM (@lit-labs/virtualizer,
 * the Lit team's own: it measures each entry as it renders, so entries keep their natural heights).
 * Below `VIRTUAL_ABOVE` entries everything is in the DOM, as a plain list: the page's own find and
 * every other reading of the DOM see the whole transcript. Above it, the element's find box searches
 * the entries instead, and a link or a key that moves to an entry off screen brings it in first.
 *
 * The virtualizer is loaded on demand, once a transcript nears that length; until it is there, a
 * transcript already shown stays a plain list, and one opened long shows its first (or newest) entries.
 */
import type { ReactiveControllerHost, TemplateResult } from "lit";
import type { KeyFn } from "lit/directives/repeat.js";
import type { DirectiveResult } from "lit/directive.js";

/** Entries rendered while the virtualizer loads: a screenful and more. */
export const WHILE_LOADING = 60;
/** Entries above which the transcript is virtual. */
export const VIRTUAL_ABOVE = 400;
/** Entries below which a virtual transcript turns plain again (no flapping at the threshold). */
const PLAIN_BELOW = 300;
/** How long bringing an entry into a virtual transcript may take before it is given up. */
const REVEAL_MS = 5_000;

type VirtualizeModule = typeof import("@lit-labs/virtualizer/virtualize.js");

interface ListHost {
  [key: symbol]: { element(index: number): { scrollIntoView(options?: ScrollIntoViewOptions): void } | undefined } | undefined;
}

export class VirtualList {
  #host: ReactiveControllerHost;
  #module?: VirtualizeModule;
  #loading?: Promise<void>;
  #failed = false;
  #mode?: "plain" | "virtual" | "loading";
  #turned = false;
  /** Bumped by each reveal: an older one still under way gives up (the newest request wins). */
  #reveals = 0;

  constructor(host: ReactiveControllerHost) {
    this.#host = host;
  }

  /**
   * How a transcript of `count` entries is rendered: `plain`, `virtual`, or `loading` while the
   * virtualizer it needs loads (then only a screenful of it is rendered, not thousands of entries
   * that would be thrown away a moment later).
   */
  mode(count: number): "plain" | "virtual" | "loading" {
    const was = this.#mode;
    // Fetched ahead, as a transcript nears the threshold.
    if (count > PLAIN_BELOW && !this.#module) this.#load();
    let mode: "plain" | "virtual" | "loading";
    if (was === "virtual" ? count < PLAIN_BELOW : count <= VIRTUAL_ABOVE) mode = "plain";
    else if (this.#module) mode = "virtual";
    // Failed to load: the plain list serves. A transcript shown whole stays whole until the
    // virtualizer is there (the reader keeps their place); one never shown waits with a screenful.
    else mode = this.#failed || was === "plain" ? "plain" : "loading";
    this.#turned = was === "plain" && mode === "virtual";
    return (this.#mode = mode);
  }

  /** Whether the last `mode` turned the transcript from plain to virtual. */
  get justTurnedVirtual(): boolean {
    return this.#turned;
  }

  /** The list's contents: only what is near the viewport of `list`, which scrolls. */
  render<T>(items: T[], keyFunction: KeyFn<T>, renderItem: (item: T, index: number) => unknown): DirectiveResult {
    // Any renderable will do for an item (the virtualizer renders it into a part), not only a template.
    return this.#module!.virtualize({ items, keyFunction, renderItem: renderItem as (item: T, index: number) => TemplateResult, scroller: true });
  }

  /**
   * Brings item `index` of the virtual list `list` into the DOM and into view; resolves with its
   * element, as `find()` gives it, once it has held still for two frames (the virtualizer measures
   * entries as they render, and moves them), or after `REVEAL_MS`; with nothing when a later reveal
   * began meanwhile. At once when the list is not virtual.
   */
  async reveal<E extends Element>(list: HTMLElement | null, index: number, find: () => E | undefined, block: ScrollLogicalPosition = "nearest"): Promise<E | undefined> {
    if (!list || !this.#module) return find();
    const virtualizer = (list as unknown as ListHost)[this.#module.virtualizerRef];
    if (!virtualizer) return find();
    const deadline = performance.now() + REVEAL_MS;
    const mine = ++this.#reveals;
    let last: { element: E; top: number } | undefined;
    let still = 0;
    // Asked again every few frames until it is rendered: its layout (a module of its own) may still
    // be loading, and a jump far into entries not measured yet can take it a few layouts.
    for (let frame = 0; performance.now() < deadline; frame++) {
      if (mine !== this.#reveals) return undefined;
      const element = find();
      if (element) {
        const top = element.getBoundingClientRect().top;
        still = last && last.element === element && Math.abs(last.top - top) < 1 ? still + 1 : 0;
        last = { element, top };
        if (still >= 2) return element;
      } else if (frame % 10 === 0) {
        try {
          virtualizer.element(index)?.scrollIntoView({ block });
        } catch {
          // Not ready to scroll yet: the next ask.
        }
      }
      await nextFrame();
    }
    return find();
  }

  /** Loads the virtualizer, once; when it fails, the plain list serves. */
  #load(): void {
    this.#loading ??= Promise.all([import("@lit-labs/virtualizer/virtualize.js"), import("@lit-labs/virtualizer/polyfillLoaders/ResizeObserver.js")]).then(
      ([module, { provideResizeObserver }]) => {
        provideResizeObserver(FrameResizeObserver);
        this.#module = module;
        this.#host.requestUpdate();
      },
      // Without it the plain list serves, slower but whole.
      () => {
        this.#failed = true;
        this.#host.requestUpdate();
      },
    );
  }
}

/**
 * A ResizeObserver that tells of sizes in the next animation frame. The virtualizer lays out and
 * renders entries from its observers' callbacks; done inside them, new entries resize within the
 * same delivery and the browser reports "ResizeObserver loop completed with undelivered
 * notifications" as an error on the page, which a host's error monitoring would collect. A frame
 * later, nothing is left undelivered.
 */
class FrameResizeObserver implements ResizeObserver {
  #observer: ResizeObserver;

  constructor(callback: ResizeObserverCallback) {
    this.#observer = new ResizeObserver((entries) => void nextFrame().then(() => callback(entries, this)));
  }

  observe(target: Element, options?: ResizeObserverOptions): void {
    this.#observer.observe(target, options);
  }

  unobserve(target: Element): void {
    this.#observer.unobserve(target);
  }

  disconnect(): void {
    this.#observer.disconnect();
  }
}

/** The next animation frame; a hidden page gets none, so at most 100 ms. */
function nextFrame(): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 100);
    requestAnimationFrame(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
