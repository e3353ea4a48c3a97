/**
 * The fold's working state and the few moves every event handler makes: create an entry, touch it,
 * move a "latest wins" entry to the present.
 */
import type {
  AgentMessageEntry,
  AgentThoughtEntry,
  Entry,
  EntryOf,
  EntryType,
  PermissionRequestEntry,
  PermissionResolution,
  RawEvent,
  SessionSummary,
  ToolCallEntry,
  UserMessageEntry,
} from "./types.js";

export type MessageEntry = AgentMessageEntry | AgentThoughtEntry | UserMessageEntry;

/** A request seen in the log, waiting for the other side's response. */
export interface PendingRequest {
  method: string;
  entry?: Entry;
}

export interface FoldState {
  /** Display order. A JS Map keeps insertion order and moves an entry to the end in O(1). */
  entries: Map<string, Entry>;
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
  /** Answers reported by the host (not in the log), by tool call id; kept across re-folds. */
  resolutions: Map<string, PermissionResolution>;
}

export function createFoldState(resolutions = new Map<string, PermissionResolution>()): FoldState {
  return {
    entries: new Map(),
    summary: { modes: [], running: false, pendingPermissions: 0, eventCount: 0, malformedCount: 0 },
    toolCalls: new Map(),
    pending: new Map(),
    echoed: "",
    turnHasOutput: false,
    turnPermissions: [],
    resolutions,
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
  state.entries.delete(type);
  state.entries.set(type, existing);
  touch(existing, ctx);
  return existing;
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
