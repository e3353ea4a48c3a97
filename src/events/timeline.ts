/**
 * The timeline: sandbox-agent `SessionEvent`s folded, incrementally, into entries a person can read.
 *
 * Folding is in place: applying an event costs O(size of that event), whatever the history. Each
 * changed entry's `rev` goes up, so a view redraws only what changed. The result depends only on
 * the set of events, not on the order they arrived in: duplicates (same `eventIndex`) are ignored,
 * and an event older than one already folded triggers one re-fold of the ordered history.
 */
import { closeOpen, createFoldState, settlePermission, type FoldContext, type FoldState } from "./fold-state.js";
import { endTurn, foldMessage } from "./fold-rpc.js";
import { isChunkUpdate, malformed } from "./fold-updates.js";
import { asNumber, eventIndexOf, isRecord, readEvent } from "./parse.js";
import type { Entry, PermissionResolution, RawEvent, SessionSummary } from "./types.js";

interface Slot {
  /** Sort key: the eventIndex, or for an event without one, just after the newest event before it. */
  key: number;
  /** Arrival order, to keep events without an index stable among themselves. */
  seq: number;
  raw: RawEvent;
}

function bySlot(a: Slot, b: Slot): number {
  return a.key - b.key || a.seq - b.seq;
}

export class Timeline {
  #state: FoldState = createFoldState();
  #slots: Slot[] = [];
  #seen = new Set<number>();
  #seq = 0;
  #contiguous = 0;
  /** Bumped on every change: a cheap "did anything change" check for views. */
  version = 0;
  /** Number of times the whole history was re-folded because an older event arrived late. */
  refolds = 0;

  constructor(events: Iterable<RawEvent> = []) {
    this.addAll(events);
  }

  /** Entries in display order. */
  get entries(): IterableIterator<Entry> {
    return this.#state.entries.values();
  }

  get size(): number {
    return this.#state.entries.size;
  }

  get summary(): Readonly<SessionSummary> {
    return this.#state.summary;
  }

  entry(id: string): Entry | undefined {
    return this.#state.entries.get(id);
  }

  /** Every event folded so far, ordered by `eventIndex` (events without one where they arrived). */
  get events(): RawEvent[] {
    return this.#slots.map((slot) => slot.raw);
  }

  /** The highest `eventIndex` folded, or -1. */
  get lastIndex(): number {
    for (let i = this.#slots.length - 1; i >= 0; i--) {
      const index = eventIndexOf(this.#slots[i].raw);
      if (index !== undefined) return index;
    }
    return -1;
  }

  has(eventIndex: number): boolean {
    return this.#seen.has(eventIndex);
  }

  /**
   * The highest eventIndex up to which nothing is missing (eventIndex counts from 1). A client
   * that reads history `after` this index after a gap or a reconnect loses nothing.
   */
  get contiguousIndex(): number {
    return this.#contiguous;
  }

  /** Declares events up to `eventIndex` gone for good (trimmed from storage): they no longer count as a gap. */
  skipTo(eventIndex: number): void {
    this.#contiguous = Math.max(this.#contiguous, eventIndex);
    this.#advance();
  }

  #advance(): void {
    while (this.#seen.has(this.#contiguous + 1)) this.#contiguous++;
  }

  /** Folds one event. Returns false when it was a duplicate. */
  add(event: RawEvent): boolean {
    return this.addAll([event]);
  }

  /** Folds a batch of events, in any order. Returns whether anything changed. */
  addAll(events: Iterable<RawEvent>): boolean {
    const fresh: Slot[] = [];
    let newest = this.#slots.at(-1)?.key ?? -1;
    for (const raw of events) {
      const index = eventIndexOf(raw);
      if (index !== undefined) {
        if (this.#seen.has(index)) continue;
        this.#seen.add(index);
        newest = Math.max(newest, index);
        fresh.push({ key: index, seq: this.#seq++, raw });
      } else {
        fresh.push({ key: newest + 0.5, seq: this.#seq++, raw });
      }
    }
    if (fresh.length === 0) return false;
    this.#advance();
    fresh.sort(bySlot);
    const last = this.#slots.at(-1);
    if (!last || bySlot(last, fresh[0]) < 0) {
      for (const slot of fresh) {
        this.#slots.push(slot);
        this.#fold(slot.raw);
      }
    } else {
      this.#slots = merge(this.#slots, fresh);
      this.#refold();
    }
    this.version++;
    return true;
  }

  /**
   * Records an answer to a permission request that the log does not hold (the SDK does not log
   * the client's answer): who answered and how. Kept across re-folds.
   */
  resolvePermission(toolCallId: string, resolution: PermissionResolution): void {
    this.#state.resolutions.set(toolCallId, resolution);
    for (const entry of this.#state.entries.values()) {
      if (entry.type !== "permission-request" || entry.toolCall.toolCallId !== toolCallId) continue;
      const status = resolution.reply === "cancelled" ? "cancelled" : entry.status === "pending" ? "resolved" : entry.status;
      settlePermission(this.#state, entry, status, resolution);
    }
    this.version++;
  }

  /**
   * Ends the running turn when the host knows it ended but the log may not say so (the SDK can miss
   * a prompt's response). A later response in the log still adds its own turn-end entry.
   */
  endTurn(stopReason?: string): void {
    if (!this.#state.summary.running) return;
    endTurn(this.#state, stopReason);
    this.version++;
  }

  #fold(raw: RawEvent): void {
    const state = this.#state;
    state.summary.eventCount++;
    const read = readEvent(raw);
    const index = eventIndexOf(raw);
    const ctx: FoldContext = {
      raw,
      id: index !== undefined ? `e${index}` : `m${this.#seq}-${state.summary.eventCount}`,
      createdAt: isRecord(raw) ? asNumber(raw.createdAt) : undefined,
    };
    try {
      if (!read.ok) {
        closeOpen(state);
        malformed(state, ctx, read.reason);
        return;
      }
      if (!(read.message.kind === "notification" && read.message.method === "session/update" && isChunkUpdate(read.message.params))) {
        closeOpen(state);
      }
      foldMessage(state, ctx, read.sender, read.message);
    } catch (error) {
      // A handler met a shape it did not expect: show the event rather than lose it or the timeline.
      closeOpen(state);
      malformed(state, { ...ctx, id: `${ctx.id}-x` }, `could not read event: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  #refold(): void {
    this.refolds++;
    this.#state = createFoldState(this.#state.resolutions);
    for (const slot of this.#slots) this.#fold(slot.raw);
  }
}

function merge(a: Slot[], b: Slot[]): Slot[] {
  const out: Slot[] = new Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = bySlot(a[i], b[j]) <= 0 ? a[i++] : b[j++];
  while (i < a.length) out[k++] = a[i++];
  while (j < b.length) out[k++] = b[j++];
  return out;
}
