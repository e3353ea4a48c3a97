/**
 * Reads the workspace's history without gaps: everything after the last index with nothing missing,
 * once at a time. A first load of a long session shows the newest page at once and fills in the
 * older pages behind it, a few requested together.
 */
import type { AttributionRecord, PermissionResolvedBroadcast, QuestionResolvedBroadcast } from "../../../protocol/index.js";
import type { RawEvent } from "../../../events/index.js";
import { answered, message, NoAnswer, type Conn, type HistoryPage, type TimelineWrites } from "./link.js";

/** The newest events a long session shows first, before the older ones are filled in behind them. */
export const NEWEST = 500;
/**
 * Events asked for at a time: each range of the older ones is this long. The workspace may send
 * fewer a page (its own maximum, and a page is at most 512 KiB of JSON): a range is read on until
 * it is whole.
 */
export const PAGE = 2000;
/** Ranges requested at once when a long session opens. */
const PARALLEL_PAGES = 4;

export interface HistoryReaderHost {
  timeline(): TimelineWrites;
  /** The current link and its generation; undefined when there is none. */
  link(): { conn: Conn; generation: number } | undefined;
  isCurrent(generation: number): boolean;
  live(): boolean;
  onEvents(events: RawEvent[]): void;
  /** Who answered a permission, as a page records it. */
  onAnswer(answer: PermissionResolvedBroadcast): void;
  /** How a question was answered, as a page records it. */
  onQuestionAnswer?(answer: QuestionResolvedBroadcast): void;
  /** Who did what (mode, options, a withdrawn prompt), as a page records it. */
  onAttribution?(record: AttributionRecord): void;
  onError(code: string, message: string): void;
}

/**
 * Reads one history page of at most `limit` events. They come as JSON text, deflated where the
 * browser can inflate it (a tenth of the bytes to carry), and are parsed natively (far cheaper than
 * decoding objects).
 */
async function readPage(conn: Conn, after: number, limit = PAGE): Promise<HistoryPage> {
  if (typeof DecompressionStream === "function") {
    const { eventsDeflated, ...rest } = await answered(conn.getHistoryDeflated({ after, limit }));
    return { ...rest, events: JSON.parse(await inflate(eventsDeflated)) as HistoryPage["events"] };
  }
  const { eventsJson, ...rest } = await answered(conn.getHistoryJson({ after, limit }));
  return { ...rest, events: JSON.parse(eventsJson) as HistoryPage["events"] };
}

/** Raw DEFLATE to text, natively. */
function inflate(bytes: Uint8Array): Promise<string> {
  return new Response(new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream("deflate-raw"))).text();
}

export class HistoryReader {
  #host: HistoryReaderHost;
  #reading?: Promise<void>;
  /** An index reported while a read was under way, that it may not reach. */
  #readAgainTo = 0;

  constructor(host: HistoryReaderHost) {
    this.#host = host;
  }

  /** Whether a read is under way. */
  get reading(): boolean {
    return this.#reading !== undefined;
  }

  /**
   * Reads what is missing. `through`: an index the workspace reported. A read already under way may
   * have passed the log's end before that was stored: one more read follows it if it leaves the
   * timeline short.
   */
  catchUp(through = 0): Promise<void> {
    if (this.#reading) {
      this.#readAgainTo = Math.max(this.#readAgainTo, through);
      return this.#reading;
    }
    this.#reading = this.#read().finally(() => {
      this.#reading = undefined;
      const again = this.#readAgainTo;
      this.#readAgainTo = 0;
      const timeline = this.#host.timeline();
      if (this.#host.live() && (timeline.lastIndex > timeline.contiguousIndex || timeline.contiguousIndex < again)) void this.catchUp();
    });
    return this.#reading;
  }

  async #read(): Promise<void> {
    const link = this.#host.link();
    if (!link) return;
    const { conn, generation } = link;
    try {
      const after = this.#host.timeline().contiguousIndex;
      if (after === 0) {
        const { lastEventIndex } = await answered(conn.getSessionInfo());
        if (!this.#host.isCurrent(generation)) return;
        if (lastEventIndex > NEWEST) {
          // The newest page is shown first; the older pages are on their way meanwhile, and wait for
          // it (answers can come in any order).
          let shown = () => {};
          const newestShown = new Promise<void>((resolve) => (shown = resolve));
          await Promise.all([
            this.#readFrom(conn, generation, lastEventIndex - NEWEST, shown).finally(shown),
            this.#readRange(conn, generation, after, lastEventIndex - NEWEST, newestShown),
          ]);
          return;
        }
      }
      await this.#readFrom(conn, generation, after);
    } catch (error) {
      // An answer that never came is asked for again by the next heartbeat, which sees what is missing.
      if (this.#host.isCurrent(generation) && !(error instanceof NoAnswer)) this.#host.onError("history-failed", `Could not read the history: ${message(error)}`);
    }
  }

  /** Reads every event after `after`, page by page, each applied as it arrives. */
  async #readFrom(conn: Conn, generation: number, after: number, onFirstPage?: () => void): Promise<void> {
    for (;;) {
      const page = await readPage(conn, after);
      if (!this.#host.isCurrent(generation)) return;
      this.#takePage(page, after === this.#host.timeline().contiguousIndex ? after : undefined);
      this.#host.onEvents(page.events);
      onFirstPage?.();
      onFirstPage = undefined;
      if (page.nextAfter === undefined) return;
      after = page.nextAfter;
    }
  }

  /**
   * Reads the known range (after, upTo] in ranges of `PAGE` events requested a few at a time, not
   * one after another, each read on until it is whole, and applies them together (once `applyAfter`
   * settles): slotting them in below events already shown re-folds once.
   */
  async #readRange(conn: Conn, generation: number, after: number, upTo: number, applyAfter?: Promise<void>): Promise<void> {
    const starts: number[] = [];
    for (let start = after; start < upTo; start += PAGE) starts.push(start);
    const ranges: HistoryPage[][] = new Array(starts.length);
    let next = 0;
    const worker = async () => {
      while (next < starts.length) {
        const i = next++;
        const end = Math.min(starts[i] + PAGE, upTo);
        const pages: HistoryPage[] = [];
        for (let from = starts[i]; from < end; ) {
          const page = await readPage(conn, from, end - from);
          pages.push(page);
          if (page.nextAfter === undefined) break;
          from = page.nextAfter;
        }
        ranges[i] = pages;
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_PAGES, starts.length) }, worker));
    await applyAfter;
    if (!this.#host.isCurrent(generation)) return;
    const held: RawEvent[] = [];
    ranges.forEach((pages, i) => {
      const end = Math.min(starts[i] + PAGE, upTo);
      pages.forEach((page, j) => {
        this.#takePage(page, i === 0 && j === 0 && after === this.#host.timeline().contiguousIndex ? after : undefined);
        for (const event of page.events) if (event.eventIndex <= end) held.push(event);
      });
    });
    if (held.length) this.#host.onEvents(held);
  }

  /**
   * What a history page says besides its events: who answered permissions and questions, and, for the page read
   * right after the contiguous index (`after`), whether older events were trimmed from storage:
   * what is not there is not a gap.
   */
  #takePage(page: HistoryPage, after: number | undefined): void {
    const timeline = this.#host.timeline();
    const first = page.events[0]?.eventIndex;
    if (after !== undefined && first !== undefined && first > after + 1) timeline.skipTo(first - 1);
    for (const answer of page.permissions) if (answer.reply !== "cancelled") this.#host.onAnswer(answer);
    // A workspace from before questions sends none.
    for (const answer of page.questions ?? []) this.#host.onQuestionAnswer?.(answer);
    // A workspace from before attributions sends none.
    for (const record of page.attributions ?? []) this.#host.onAttribution?.(record);
    // The workspace's host died before writing events it had sent: drop them, as storage did.
    let dropped = 0;
    for (const range of page.lost ?? []) dropped += timeline.forget(range.after, range.through);
    if (dropped > 0) {
      const what = dropped === 1 ? "1 event" : `${dropped.toLocaleString()} events`;
      this.#host.onError("events-lost", `The workspace stopped before it could save the last ${what} it had shown; they are no longer shown.`);
    }
  }
}
