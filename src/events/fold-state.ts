/**
 * The fold's working state and the few moves every event handler makes: create an entry, touch it,
 * move a "latest wins" entry to the present.
 */
import type {
  AgentMessageEntry,
  AgentThoughtEntry,
  ClientCallStatus,
  CompactionEntry,
  Entry,
  EntryOf,
  MessagePart,
  EntryType,
  PermissionRequestEntry,
  PermissionResolution,
  QuestionEntry,
  QuestionResolution,
  RawEvent,
  PlanUpdateEntry,
  SessionMessageState,
  SessionSummary,
  StopRequest,
  SubagentEntry,
  TerminalCall,
  TerminalState,
  ToolCallEntry,
  UserMessageEntry,
} from "./types.js";
import type { ContentBlock } from "@agentclientprotocol/sdk";
import { eventIndexOf } from "./parse.js";

export type MessageEntry = AgentMessageEntry | AgentThoughtEntry | UserMessageEntry;

/** A request seen in the log, waiting for the other side's response. */
export interface PendingRequest {
  method: string;
  entry?: Entry;
  /** For `terminal/*` requests: the terminal, and the call waiting for its answer. */
  terminal?: TerminalState;
  call?: TerminalCall;
}

/** An agent→client request waiting for its answer: the call, and the entry (or terminal) that shows it. */
export interface PendingCall {
  call: { status: ClientCallStatus };
  entry?: Entry;
  terminal?: TerminalState;
}

/**
 * The entries by id, in display order, with a move to the end in O(1).
 *
 * A JS Map keeps insertion order, and a delete then a set moves a key to the end. But V8 leaves a
 * deleted key in its hash bucket's chain until the table is next rebuilt, and setting a key looks
 * through its whole bucket first: a key moved again and again (the usage entry moves at every
 * turn) walks one more leftover each time, and a million-event session spent a quarter of its
 * fold there. An entry moved to the end is stored under a number of its own instead, new at each
 * move, so no key is ever set again after its delete.
 */
export class EntryMap {
  #order = new Map<string | number, Entry>();
  /** The key each moved entry is stored under now. */
  #movedTo = new Map<string, number>();
  #moves = 0;

  get size(): number {
    return this.#order.size;
  }

  get(id: string): Entry | undefined {
    return this.#order.get(this.#keyOf(id));
  }

  /** Adds an entry at the end, or replaces the one with that id where it stands. */
  set(id: string, entry: Entry): void {
    this.#order.set(this.#keyOf(id), entry);
  }

  delete(id: string): boolean {
    const key = this.#keyOf(id);
    if (key !== id) this.#movedTo.delete(id);
    return this.#order.delete(key);
  }

  /** Moves the entry with that id, if there is one, to the end. */
  moveToEnd(id: string): void {
    const key = this.#keyOf(id);
    const entry = this.#order.get(key);
    if (!entry) return;
    this.#order.delete(key);
    const moved = ++this.#moves;
    this.#movedTo.set(id, moved);
    this.#order.set(moved, entry);
  }

  values(): IterableIterator<Entry> {
    return this.#order.values();
  }

  #keyOf(id: string): string | number {
    return this.#movedTo.size > 0 ? (this.#movedTo.get(id) ?? id) : id;
  }
}

export interface FoldState {
  /** Display order (see `EntryMap`). */
  entries: EntryMap;
  summary: SessionSummary;
  /** The message a following chunk of the same kind extends. */
  open?: MessageEntry;
  /**
   * The agent's message that was open when its turn's response came. The transport can deliver a
   * turn's last chunks after the response (the response and the stream travel separately): chunks
   * that follow the response directly extend this message rather than start one after the turn.
   */
  ended?: MessageEntry;
  toolCalls: Map<string, ToolCallEntry>;
  /** Keyed `<sender>:<id>`: ids of the two senders overlap, so a response pairs with the other sender's request. */
  pending: Map<string, PendingRequest>;
  /** The prompt of the running turn, and what the agent has echoed of it. */
  prompt?: UserMessageEntry;
  echoed: string;
  turnHasOutput: boolean;
  /** Permission requests of the running turn that no answer was seen for. */
  turnPermissions: PermissionRequestEntry[];
  /**
   * Answers reported by the host (not in the log), by tool call id, oldest first; kept across
   * re-folds. Agents may reuse a tool call id in a later turn, so one id can have several.
   */
  resolutions: Map<string, PermissionResolution[]>;
  /** Permission requests by the tool call id they ask about, in log order. */
  permissionsByTool: Map<string, PermissionRequestEntry[]>;
  /** The reported answer each request took. */
  claims: Map<PermissionRequestEntry, PermissionResolution>;
  /** The running turn's Stop (`session/cancel`), for the turn's end. */
  stop?: StopRequest;
  /** What the running turn left that may still look like it runs when it ends. */
  turnToolCalls: Set<ToolCallEntry>;
  turnPlans: Set<Entry>;
  /** Agent→client requests of the running turn still waiting for an answer in the log. */
  turnCalls: Set<PendingCall>;
  /** What the log shows of each file, by path: the last whole read or write. */
  files: Map<string, { text: string; from: "read" | "write" }>;
  /** Terminals by id, those whose id no answer has told yet, and the entry each one shows in. */
  terminals: Map<string, TerminalState>;
  unnamedTerminals: TerminalState[];
  terminalOwners: Map<TerminalState, Entry>;
  /** The tool call whose `terminal` content names a terminal id. */
  terminalRefs: Map<string, ToolCallEntry>;
  compactions: Map<string, CompactionEntry>;
  planUpdates: Map<string, PlanUpdateEntry>;
  subagents: Map<string, SubagentEntry>;
  /** Messages between sessions by id, and the entry each one shows in (its own, or a subagent's). */
  sessionMessages: Map<string, { message: SessionMessageState; owner: Entry }>;
  /** Questions by id, the answers the host reported for them (kept across re-folds), and the running turn's open ones (fold-questions.ts). */
  questions: Map<string, QuestionEntry>;
  questionReports: Map<string, QuestionResolution>;
  turnQuestions: Set<QuestionEntry>;
}

export function createFoldState(resolutions = new Map<string, PermissionResolution[]>(), questionReports = new Map<string, QuestionResolution>()): FoldState {
  return {
    entries: new EntryMap(),
    summary: { modes: [], running: false, pendingPermissions: 0, eventCount: 0, malformedCount: 0 },
    toolCalls: new Map(),
    pending: new Map(),
    echoed: "",
    turnHasOutput: false,
    turnPermissions: [],
    resolutions,
    permissionsByTool: new Map(),
    claims: new Map(),
    turnToolCalls: new Set(),
    turnPlans: new Set(),
    turnCalls: new Set(),
    files: new Map(),
    terminals: new Map(),
    unnamedTerminals: [],
    terminalOwners: new Map(),
    terminalRefs: new Map(),
    compactions: new Map(),
    planUpdates: new Map(),
    subagents: new Map(),
    sessionMessages: new Map(),
    questions: new Map(),
    questionReports,
    turnQuestions: new Set(),
  };
}

/** What a handler knows about the event being folded. */
export interface FoldContext {
  raw: RawEvent;
  /** Id for an entry this event starts. */
  id: string;
  createdAt?: number;
}

type Fields<T extends EntryType> = Omit<EntryOf<T>, "id" | "type" | "rev" | "events" | "createdAt" | "updatedAt">;

export function addEntry<T extends EntryType>(state: FoldState, ctx: FoldContext, type: T, fields: Fields<T>, id = ctx.id): EntryOf<T> {
  const entry = { id, type, rev: 1, events: [ctx.raw], createdAt: ctx.createdAt, updatedAt: ctx.createdAt, ...fields } as unknown as EntryOf<T>;
  state.entries.set(id, entry);
  return entry;
}

/** Records that `ctx`'s event changed `entry`. */
export function touch(entry: Entry, ctx: FoldContext): void {
  entry.rev++;
  entry.events.push(ctx.raw);
  if (ctx.createdAt !== undefined) entry.updatedAt = ctx.createdAt;
}

/** Entry types of which a session has one, moved to where its latest version happened. */
export const LATEST_TYPES: ReadonlySet<EntryType> = new Set(["plan", "usage", "session-info", "available-commands", "current-mode", "config-options"]);

/**
 * For entries where the latest version replaces the previous (plan, usage, mode...): one entry per
 * session, moved to where the latest version happened.
 */
export function latest<T extends EntryType>(state: FoldState, ctx: FoldContext, type: T, init: () => Fields<T>): EntryOf<T> {
  const existing = state.entries.get(type) as EntryOf<T> | undefined;
  if (!existing) return addEntry(state, ctx, type, init(), type);
  state.entries.moveToEnd(type);
  touch(existing, ctx);
  return existing;
}

/**
 * Folds a standalone entry into the entry it turns out to belong to (a terminal into the tool call
 * that shows it, a message into its subagent): the child leaves the transcript, its events join the parent's.
 */
export function adopt(state: FoldState, child: Entry, parent: Entry): void {
  state.entries.delete(child.id);
  // The parent's first event stays first (it is where the parent stands in the transcript); the
  // others in log order, those without an index keeping their place among the others.
  const [first, ...rest] = parent.events;
  const order = [...rest, ...child.events].map((event, i) => ({ event, key: eventIndexOf(event) ?? Number.MAX_SAFE_INTEGER, i }));
  order.sort((a, b) => a.key - b.key || a.i - b.i);
  parent.events.length = 0;
  parent.events.push(first);
  for (const { event } of order) parent.events.push(event);
  parent.rev++;
}

/** A malformed event or update: an error entry that shows it. */
export function malformed(state: FoldState, ctx: FoldContext, message: string): void {
  state.summary.malformedCount++;
  addEntry(state, ctx, "error", { message, reason: "malformed" });
}

/** Appends a content block to a message's parts: text joins the text before it. */
export function appendContent(entry: { parts: MessagePart[] }, block: ContentBlock): void {
  const last = entry.parts.at(-1);
  if (block.type === "text") {
    if (last?.kind === "text") last.text += block.text;
    else entry.parts.push({ kind: "text", text: block.text });
  } else {
    entry.parts.push({ kind: "block", block });
  }
}

/** Ends the open message: whatever comes next starts a new entry. */
export function closeOpen(state: FoldState): void {
  state.ended = undefined;
  const open = state.open;
  if (!open) return;
  state.open = undefined;
  if (open.type === "agent-thought" && open.streaming) {
    open.streaming = false;
    open.rev++;
  }
}

/** sandbox-agent's reply for a permission option kind. */
export function replyFor(kind: unknown): string | undefined {
  if (kind === "allow_once") return "once";
  if (kind === "allow_always") return "always";
  if (kind === "reject_once" || kind === "reject_always") return "reject";
  return undefined;
}

export function settlePermission(state: FoldState, entry: PermissionRequestEntry, status: PermissionRequestEntry["status"], resolution?: PermissionResolution): void {
  if (entry.status === "pending") state.summary.pendingPermissions--;
  entry.status = status;
  entry.resolution = resolution ? { ...entry.resolution, ...resolution } : entry.resolution;
  entry.rev++;
}

/**
 * Gives a permission request the answer the host reported for it. A report names only the tool call
 * id, and agents may reuse one in a later turn: a report belongs to the latest request for that id
 * asked before it was given. A request takes the first unclaimed report given after it was asked,
 * and hands back one given after a newer request for the same id was asked.
 */
export function claimReported(state: FoldState, entry: PermissionRequestEntry): void {
  const toolCallId = entry.toolCall.toolCallId;
  if (typeof toolCallId !== "string") return;
  const requests = state.permissionsByTool.get(toolCallId) ?? [];
  const asked = entry.createdAt ?? Number.NEGATIVE_INFINITY;
  const previous = requests.at(-1);
  if (previous && previous !== entry) {
    const held = state.claims.get(previous);
    if (held && (held.at ?? Number.NEGATIVE_INFINITY) >= asked && entry.createdAt !== undefined) unclaim(state, previous);
  }
  if (previous !== entry) requests.push(entry);
  state.permissionsByTool.set(toolCallId, requests);
  const taken = new Set(state.claims.values());
  const report = state.resolutions.get(toolCallId)?.find((candidate) => !taken.has(candidate) && (candidate.at ?? asked) >= asked);
  if (report) claim(state, entry, report);
}

/** Records a report from the host and settles the request it answers (see `claimReported`). */
export function addReported(state: FoldState, toolCallId: string, report: PermissionResolution): void {
  const reports = state.resolutions.get(toolCallId) ?? [];
  const same = report.permissionId === undefined ? -1 : reports.findIndex((candidate) => candidate.permissionId === report.permissionId);
  const replaced = same >= 0 ? reports[same] : undefined;
  if (replaced) reports[same] = report;
  else reports.push(report);
  reports.sort((a, b) => (a.at ?? 0) - (b.at ?? 0));
  state.resolutions.set(toolCallId, reports);
  const requests = state.permissionsByTool.get(toolCallId) ?? [];
  let target = replaced ? [...state.claims].find(([, held]) => held === replaced)?.[0] : undefined;
  if (!target) {
    const given = report.at ?? Number.POSITIVE_INFINITY;
    target = requests.findLast((request) => (request.createdAt ?? Number.NEGATIVE_INFINITY) <= given) ?? requests.at(-1);
  }
  if (target) claim(state, target, report);
}

function claim(state: FoldState, entry: PermissionRequestEntry, report: PermissionResolution): void {
  state.claims.set(entry, report);
  const status = report.reply === "cancelled" ? "cancelled" : entry.status === "pending" ? "resolved" : entry.status;
  settlePermission(state, entry, status, report);
}

/** A report that turned out to answer a newer request: this one is as the log alone leaves it. */
function unclaim(state: FoldState, entry: PermissionRequestEntry): void {
  state.claims.delete(entry);
  entry.resolution = undefined;
  entry.rev++;
  if (state.turnPermissions.includes(entry) && entry.status !== "pending") {
    entry.status = "pending";
    state.summary.pendingPermissions++;
  }
}
