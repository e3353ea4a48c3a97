/**
 * The timeline: sandbox-agent `SessionEvent`s folded, incrementally, into entries a person can read.
 *
 * Folding is in place: applying an event costs O(size of that event), whatever the history. Each
 * changed entry's `rev` goes up, so a view redraws only what changed. The result depends only on
 * the set of events, not on the order they arrived in: duplicates (same `eventIndex`) are ignored,
 * and an event older than one already folded triggers one re-fold of the ordered history.
 */
import { addEntry, addReported, closeOpen, createFoldState, type FoldContext, type FoldState } from "./fold-state.js";
import { endTurn, foldMessage } from "./fold-rpc.js";
import { reportQuestion } from "./fold-questions.js";
import { foldSessionUpdate, malformed } from "./fold-updates.js";
import { asNumber, eventIndexOf, isRecord, isSessionUpdate, readEvent } from "./parse.js";
import type { Attribution, Entry, PermissionResolution, QuestionResolution, RawEvent, SessionSummary } from "./types.js";

/**
 * A batch's new events on their way into the ordered history, as parallel arrays (no object per
 * event). Each one's sort key is its eventIndex, or, for an event without one, just after the
 * newest event before it.
 */
interface Batch {
  keys: number[];
  raws: RawEvent[];
}

/** The batch in key order; stable, so events without an index keep their arrival order among equal keys. */
function sortBatch(batch: Batch): Batch {
  const order = batch.keys.map((_, i) => i);
  order.sort((a, b) => batch.keys[a] - batch.keys[b] || a - b);
  return { keys: order.map((i) => batch.keys[i]), raws: order.map((i) => batch.raws[i]) };
}

/** The index of an event `#isNext` accepted. */
function indexOf(raw: RawEvent): number {
  return (raw as { eventIndex: number }).eventIndex;
}

export class Timeline {
  #state: FoldState = createFoldState();
  /** Every event folded, in order, and each one's sort key (parallel arrays: no object per event). */
  #raws: RawEvent[] = [];
  #keys: number[] = [];
  /**
   * Every eventIndex in the run (#runFrom, #seenThrough] was folded; #seenAbove holds the others
   * folded. The run starts wherever the first event does (a history read newest page first, or
   * trimmed), and grows both ways: in order, an event costs no set.
   */
  #runFrom = 0;
  #seenThrough = 0;
  #seenAbove = new Set<number>();
  #skipped = 0;
  /** Index ranges `(after, through]` whose events are gone for good: never a gap, and dropped if they come. */
  #voids: Array<{ after: number; through: number }> = [];
  #contiguous = 0;
  #unindexed = 0;
  #context = new Context();
  /** Prompts withdrawn before they ran, by where they sit (`afterEventIndex`), and how many of them the fold has placed. */
  #withdrawn: Array<Extract<Attribution, { kind: "withdraw" }>> = [];
  #withdrawnPlaced = 0;
  /** The latest mode change and option changes recorded by the host; kept across re-folds. */
  #modeBy?: Extract<Attribution, { kind: "mode" }>;
  #configBy = new Map<string, Extract<Attribution, { kind: "config" }>>();
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
    return this.#raws.slice();
  }

  /** The highest `eventIndex` folded, or -1. */
  get lastIndex(): number {
    for (let i = this.#raws.length - 1; i >= 0; i--) {
      const index = eventIndexOf(this.#raws[i]);
      if (index !== undefined) return index;
    }
    return -1;
  }

  /** Whether the event at `eventIndex` was folded, or is one of those declared lost (`forget`). */
  has(eventIndex: number): boolean {
    return (eventIndex > this.#runFrom && eventIndex <= this.#seenThrough) || this.#seenAbove.has(eventIndex) || (this.#voids.length > 0 && this.#voidAt(eventIndex) !== undefined);
  }

  /** The lost range `eventIndex` falls in, if any. */
  #voidAt(eventIndex: number): { after: number; through: number } | undefined {
    return this.#voids.find((range) => eventIndex > range.after && eventIndex <= range.through);
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
    this.#skipped = Math.max(this.#skipped, eventIndex);
    this.#advance();
  }

  /**
   * Declares the events with an eventIndex in `(after, through]` lost: storage never kept them (the
   * workspace's host stopped before writing them). Drops those held, ignores them should they come,
   * and stops counting the range as a gap. Returns how many events were dropped.
   */
  forget(after: number, through: number): number {
    if (!(through > after) || this.#voids.some((range) => range.after <= after && range.through >= through)) return 0;
    this.#voids.push({ after, through });
    const raws: RawEvent[] = [];
    const keys: number[] = [];
    for (let i = 0; i < this.#raws.length; i++) {
      const index = eventIndexOf(this.#raws[i]);
      if (index !== undefined && index > after && index <= through) continue;
      raws.push(this.#raws[i]);
      keys.push(this.#keys[i]);
    }
    const dropped = this.#raws.length - raws.length;
    this.#advance();
    if (dropped > 0) {
      this.#raws = raws;
      this.#keys = keys;
      this.#refold();
    }
    this.version++;
    return dropped;
  }

  #markSeen(index: number): void {
    if (index === this.#seenThrough + 1 || this.#runFrom === this.#seenThrough) {
      // The next in order, or the first event: it starts the run.
      if (this.#runFrom === this.#seenThrough) this.#runFrom = index - 1;
      this.#seenThrough = index;
      // Late arrivals that were waiting for this one now join the run (and leave the set).
      if (this.#seenAbove.size > 0) while (this.#seenAbove.delete(this.#seenThrough + 1)) this.#seenThrough++;
    } else if (index === this.#runFrom) {
      // Just below the run (an older page): the run grows down, through those waiting below it.
      this.#runFrom--;
      if (this.#seenAbove.size > 0) while (this.#seenAbove.delete(this.#runFrom)) this.#runFrom--;
    } else {
      this.#seenAbove.add(index);
    }
  }

  #advance(): void {
    if (this.#seenAbove.size === 0 && this.#voids.length === 0 && this.#runFrom <= Math.max(this.#contiguous, this.#skipped)) {
      this.#contiguous = Math.max(this.#seenThrough, this.#skipped);
      return;
    }
    let contiguous = Math.max(this.#contiguous, this.#skipped);
    for (;;) {
      if (contiguous >= this.#runFrom && contiguous < this.#seenThrough) contiguous = this.#seenThrough;
      else if (this.#seenAbove.has(contiguous + 1)) contiguous++;
      else {
        const range = this.#voidAt(contiguous + 1);
        if (!range) break;
        contiguous = range.through;
      }
    }
    this.#contiguous = contiguous;
  }

  /** Folds one event. Returns false when it was a duplicate. */
  add(event: RawEvent): boolean {
    const index = eventIndexOf(event);
    // The live path: the next event, in order.
    if (index !== undefined && index > this.#newestKey() && !this.has(index)) {
      this.#markSeen(index);
      this.#advance();
      this.#raws.push(event);
      this.#keys.push(index);
      this.#fold(event);
      if (this.#withdrawnPlaced < this.#withdrawn.length) this.#placeWithdrawnBefore(index + 1);
      if (this.#modeBy || this.#configBy.size > 0) this.#applyChanges();
      this.version++;
      return true;
    }
    return this.addAll([event]);
  }

  /**
   * Folds a batch of events, in any order. Returns whether anything changed; `added`, when given,
   * receives the events folded (not held before, each once), in arrival order.
   */
  addAll(events: Iterable<RawEvent>, added?: RawEvent[]): boolean {
    const list = Array.isArray(events) ? (events as RawEvent[]) : [...events];
    if (this.#isNext(list)) {
      // The common batch (a history page read forward, a replay): folded as it stands, nothing copied.
      for (let i = 0; i < list.length; i++) this.#markSeen(indexOf(list[i]));
      if (added) for (let i = 0; i < list.length; i++) added.push(list[i]);
      this.#advance();
      this.#append(list);
      this.version++;
      return true;
    }
    let fresh: Batch = { keys: [], raws: [] };
    let newest = this.#newestKey();
    let sorted = true;
    for (let i = 0; i < list.length; i++) {
      const raw = list[i];
      const index = eventIndexOf(raw);
      let key: number;
      if (index !== undefined) {
        if (this.has(index)) continue;
        this.#markSeen(index);
        newest = Math.max(newest, index);
        key = index;
      } else {
        // (Below the next index even after events without one: their keys never meet a real index.)
        key = Math.floor(newest) + 0.5;
      }
      if (fresh.keys.length > 0 && key < fresh.keys[fresh.keys.length - 1]) sorted = false;
      fresh.keys.push(key);
      fresh.raws.push(raw);
      added?.push(raw);
    }
    if (fresh.keys.length === 0) return false;
    this.#advance();
    if (!sorted) fresh = sortBatch(fresh);
    // (An equal key is an event without an index after the newest, placed as it arrived: after what is there.)
    if (this.#newestKey() <= fresh.keys[0]) {
      this.#append(fresh.raws, fresh.keys);
    } else {
      this.#merge(fresh);
      this.#refold();
    }
    this.version++;
    return true;
  }

  /** The sort key of the newest event folded; -1, below every key, when there is none. */
  #newestKey(): number {
    return this.#keys.length > 0 ? this.#keys[this.#keys.length - 1] : -1;
  }

  /** Whether every event of a non-empty batch is new and has an index, in increasing order, after the newest folded. */
  #isNext(list: RawEvent[]): boolean {
    let previous = this.#newestKey();
    for (let i = 0; i < list.length; i++) {
      const index = eventIndexOf(list[i]);
      if (index === undefined || index <= previous || this.has(index)) return false;
      previous = index;
    }
    return list.length > 0;
  }

  /** Folds events that all come after the newest folded, in order (`keys`: their sort keys, when not their indices). */
  #append(raws: RawEvent[], keys?: number[]): void {
    for (let i = 0; i < raws.length; i++) {
      const raw = raws[i];
      this.#raws.push(raw);
      this.#keys.push(keys ? keys[i] : indexOf(raw));
      this.#fold(raw);
    }
    if (this.#withdrawnPlaced < this.#withdrawn.length) this.#placeWithdrawnBefore(this.lastIndex + 1);
    if (this.#modeBy || this.#configBy.size > 0) this.#applyChanges();
  }

  /**
   * Records an answer to a permission request that the log does not hold (the SDK does not log
   * the client's answer): who answered and how. Kept across re-folds.
   */
  resolvePermission(toolCallId: string, resolution: PermissionResolution): void {
    addReported(this.#state, toolCallId, resolution);
    this.version++;
  }

  /**
   * Records how a question from the agent was answered (`accept` with its content, `decline`,
   * `cancel`) and by whom: the log does not hold the answers a workspace gives. `questionId` is the
   * host's (`QuestionEntry.questionId`). Kept across re-folds; a question folded later takes it.
   */
  resolveQuestion(questionId: string, resolution: QuestionResolution): void {
    reportQuestion(this.#state, questionId, resolution);
    this.version++;
  }

  /**
   * Records who did what, as the host recorded it (the log does not say): who changed the mode or a
   * config option (shown in their entries), who withdrew a queued prompt (a notice entry, id
   * `withdrawn-<promptId>`, placed after the event that was newest then). Kept across re-folds; a
   * record seen before changes nothing.
   */
  attribute(record: Attribution): void {
    if (record.kind === "withdraw") {
      if (this.#withdrawn.some((known) => known.promptId === record.promptId)) return;
      const at = this.#withdrawn.findIndex((known) => known.afterEventIndex > record.afterEventIndex);
      const last = this.lastIndex;
      if (at < 0 && record.afterEventIndex >= last) {
        // At the live end: placed now, or, ahead of the events folded so far, once they reach it.
        this.#withdrawn.push(record);
        this.#placeWithdrawnBefore(last + 1);
      } else {
        this.#withdrawn.splice(at < 0 ? this.#withdrawn.length : at, 0, record);
        this.#refold();
      }
    } else if (record.kind === "mode") {
      if (this.#modeBy && this.#modeBy.at >= record.at) return;
      this.#modeBy = record;
      this.#applyChanges();
    } else {
      const known = this.#configBy.get(record.configId);
      if (known && known.at >= record.at) return;
      this.#configBy.set(record.configId, record);
      this.#applyChanges();
    }
    this.version++;
  }

  /** A withdrawn prompt as a notice entry: whose it was, who withdrew it, its text. */
  #placeWithdrawn(record: Extract<Attribution, { kind: "withdraw" }>): void {
    // The open message stays open (no closeOpen): a notice placed mid-stream never splits an agent's message, so entry ids stay the same for everyone.
    const state = this.#state;
    const who = (author: { id?: string; name?: string }) => author.name ?? author.id ?? "someone";
    const same = record.author.id !== undefined && record.author.id === record.by.id;
    const title = same ? `${who(record.by)} withdrew a queued prompt` : `${who(record.by)} withdrew ${who(record.author)}'s queued prompt`;
    const ctx: FoldContext = { raw: { workspaceRecord: record }, id: `withdrawn-${record.promptId}`, createdAt: record.at };
    addEntry(state, ctx, "notice", { severity: "info", title, description: record.text, by: record.by, meta: undefined });
  }

  /** Withdrawn prompts the fold has passed: placed before the first event after them. */
  #placeWithdrawnBefore(index: number): void {
    while (this.#withdrawnPlaced < this.#withdrawn.length && this.#withdrawn[this.#withdrawnPlaced].afterEventIndex < index) {
      this.#placeWithdrawn(this.#withdrawn[this.#withdrawnPlaced++]);
    }
  }

  /** Puts the recorded mode and option changes on their entries, where they are not yet. */
  #applyChanges(): void {
    const mode = this.#modeBy;
    const modeEntry = this.#state.entries.get("current-mode");
    if (mode && modeEntry?.type === "current-mode" && modeEntry.changedBy?.at !== mode.at) {
      modeEntry.changedBy = { modeId: mode.modeId, by: mode.by, at: mode.at };
      modeEntry.rev++;
    }
    const options = this.#state.entries.get("config-options");
    if (this.#configBy.size > 0 && options?.type === "config-options") {
      let changed = false;
      const byId = (options.changedBy ??= {});
      for (const [configId, record] of this.#configBy) {
        if (byId[configId]?.at === record.at) continue;
        byId[configId] = { value: record.value, by: record.by, at: record.at };
        changed = true;
      }
      if (changed) options.rev++;
    }
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
    if (this.#withdrawnPlaced < this.#withdrawn.length) {
      const index = eventIndexOf(raw);
      if (index !== undefined) this.#placeWithdrawnBefore(index);
    }
    state.summary.eventCount++;
    // One context for every event: handlers read it, none keeps it.
    const ctx = this.#context;
    // The common case, read without building the classified message: a session/update notification.
    if (isSessionUpdate(raw)) {
      ctx.reset(raw, raw.eventIndex, state.summary.eventCount, this.#unindexed++);
      try {
        foldSessionUpdate(state, ctx, raw.payload.params);
      } catch (error) {
        this.#unreadable(ctx, error);
      }
      return;
    }
    const read = readEvent(raw);
    ctx.reset(raw, read.ok ? read.index : eventIndexOf(raw), state.summary.eventCount, this.#unindexed++);
    try {
      if (!read.ok) {
        closeOpen(state);
        malformed(state, ctx, read.reason);
        return;
      }
      // Anything but a chunk closes the open message (foldMessage decides; a prompt's response keeps it for late chunks).
      foldMessage(state, ctx, read.sender, read.message);
    } catch (error) {
      this.#unreadable(ctx, error);
    }
  }

  /** A handler met a shape it did not expect: show the event rather than lose it or the timeline. */
  #unreadable(ctx: Context, error: unknown): void {
    closeOpen(this.#state);
    malformed(this.#state, ctx.as(`${ctx.id}-x`), `could not read event: ${error instanceof Error ? error.message : String(error)}`);
  }

  /** Merges a sorted late batch into the ordered history (ties: what was there first stays first). */
  #merge(fresh: Batch): void {
    const raws = this.#raws;
    const keys = this.#keys;
    const total = raws.length + fresh.raws.length;
    const outRaws: RawEvent[] = new Array(total);
    const outKeys: number[] = new Array(total);
    let i = 0;
    let j = 0;
    for (let k = 0; k < total; k++) {
      if (j >= fresh.raws.length || (i < raws.length && keys[i] <= fresh.keys[j])) {
        outRaws[k] = raws[i];
        outKeys[k] = keys[i++];
      } else {
        outRaws[k] = fresh.raws[j];
        outKeys[k] = fresh.keys[j++];
      }
    }
    this.#raws = outRaws;
    this.#keys = outKeys;
  }

  #refold(): void {
    this.refolds++;
    this.#state = createFoldState(this.#state.resolutions, this.#state.questionReports);
    this.#unindexed = 0;
    this.#withdrawnPlaced = 0;
    for (const raw of this.#raws) this.#fold(raw);
    this.#placeWithdrawnBefore(this.lastIndex + 1);
    this.#applyChanges();
  }
}

/** What a handler knows about the event being folded; the entry id is only built when an entry is. */
class Context implements FoldContext {
  raw: RawEvent = undefined;
  createdAt: number | undefined;
  index: number | undefined;
  count = 0;
  unindexed = 0;
  #id: string | undefined;

  reset(raw: RawEvent, index: number | undefined, count: number, unindexed: number): this {
    this.raw = raw;
    this.index = index;
    this.count = count;
    this.unindexed = unindexed;
    this.createdAt = isRecord(raw) ? asNumber(raw.createdAt) : undefined;
    this.#id = undefined;
    return this;
  }

  get id(): string {
    return (this.#id ??= this.index !== undefined ? `e${this.index}` : `m${this.unindexed}-${this.count}`);
  }

  as(id: string): Context {
    const copy = new Context().reset(this.raw, this.index, this.count, this.unindexed);
    copy.#id = id;
    return copy;
  }
}
