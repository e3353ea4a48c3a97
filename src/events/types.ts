/**
 * The timeline's data: entries folded from sandbox-agent `SessionEvent`s.
 *
 * Types only. This layer knows nothing of the DOM, Node or Lit.
 */
import type {
  AvailableCommand,
  ContentBlock,
  PermissionOption,
  PlanEntry,
  SessionConfigOption,
  SessionMode,
  StopReason,
  ToolCallContent,
  ToolCallLocation,
  ToolCallStatus,
  ToolKind,
  ToolCallUpdate,
} from "@agentclientprotocol/sdk";
import type { SessionEvent } from "sandbox-agent";

export type { SessionEvent };

/** Every entry type, as it appears in `part="entry entry-<type>"`. */
export type EntryType =
  | "agent-message"
  | "agent-thought"
  | "user-message"
  | "tool-call"
  | "plan"
  | "usage"
  | "session-info"
  | "available-commands"
  | "current-mode"
  | "config-options"
  | "permission-request"
  | "turn-end"
  | "error"
  | "unknown";

export const ENTRY_TYPES: readonly EntryType[] = [
  "agent-message",
  "agent-thought",
  "user-message",
  "tool-call",
  "plan",
  "usage",
  "session-info",
  "available-commands",
  "current-mode",
  "config-options",
  "permission-request",
  "turn-end",
  "error",
  "unknown",
];

/**
 * Whatever the timeline was handed. Well-formed events are `SessionEvent`s; anything else is kept
 * as it came so the reader can see it.
 */
export type RawEvent = SessionEvent | unknown;

interface EntryBase<T extends EntryType> {
  /** Stable across re-folds of the same events: keyed views can keep their DOM. */
  readonly id: string;
  readonly type: T;
  /** Bumped on every change to this entry, so a view re-renders only the entries that changed. */
  rev: number;
  /** The raw events this entry was folded from, in fold order. */
  readonly events: RawEvent[];
  /** `createdAt` of the first event (ms since epoch), when known. */
  createdAt?: number;
  /** `createdAt` of the latest event folded into the entry. */
  updatedAt?: number;
}

/** A run of text (markdown) or a non-text content block inside a message. */
export type MessagePart = { kind: "text"; text: string } | { kind: "block"; block: ContentBlock };

export interface Author {
  id?: string;
  name?: string;
}

export interface AgentMessageEntry extends EntryBase<"agent-message"> {
  parts: MessagePart[];
  messageId?: string;
}

export interface AgentThoughtEntry extends EntryBase<"agent-thought"> {
  parts: MessagePart[];
  messageId?: string;
  /** True while the agent may still be adding to this thought. */
  streaming: boolean;
}

export interface UserMessageEntry extends EntryBase<"user-message"> {
  parts: MessagePart[];
  /** `prompt` when taken from the client's `session/prompt` request, `chunk` from `user_message_chunk`. */
  source: "prompt" | "chunk";
  messageId?: string;
  author?: Author;
  /** For a prompt: its turn's outcome once known. */
  stopReason?: StopReason | "error";
  /** Characters of session history the SDK replayed to a new agent session with this prompt. */
  replayed?: number;
}

export interface ToolCallEntry extends EntryBase<"tool-call"> {
  toolCallId: string;
  title: string;
  name?: string;
  kind?: ToolKind;
  status: ToolCallStatus;
  locations: ToolCallLocation[];
  rawInput?: unknown;
  rawOutput?: unknown;
  content: ToolCallContent[];
  meta?: Record<string, unknown>;
  /** Entry ids of permission requests about this tool call. */
  permissions: string[];
}

export interface PlanEntryState extends EntryBase<"plan"> {
  entries: PlanEntry[];
  completed: number;
  /** How many plan versions were folded (each replaces the previous). */
  versions: number;
}

export interface UsageEntry extends EntryBase<"usage"> {
  used?: number;
  size?: number;
  cost?: { amount: number; currency: string };
  /** Token usage reported with the latest prompt result, when the agent sends it. */
  turnUsage?: Record<string, unknown>;
}

export interface SessionInfoEntry extends EntryBase<"session-info"> {
  title?: string;
  updatedAt?: number;
  /** From `session/new`. */
  cwd?: string;
  sessionId?: string;
  models?: { currentModelId?: string; availableModels?: Array<{ modelId: string; name?: string; description?: string | null }> };
  sessionUpdatedAt?: string;
}

export interface AvailableCommandsEntry extends EntryBase<"available-commands"> {
  commands: AvailableCommand[];
}

export interface CurrentModeEntry extends EntryBase<"current-mode"> {
  currentModeId?: string;
  availableModes: SessionMode[];
}

export interface ConfigOptionsEntry extends EntryBase<"config-options"> {
  options: SessionConfigOption[];
}

/** Who answered a permission request and how, when the log or the host says so. */
export interface PermissionResolution {
  /** sandbox-agent's reply, when known: `once`, `always` or `reject`. */
  reply?: string;
  optionId?: string;
  by?: Author;
  at?: number;
}

export interface PermissionRequestEntry extends EntryBase<"permission-request"> {
  rpcId: string | number;
  toolCall: ToolCallUpdate;
  options: PermissionOption[];
  /** Entry id of the tool call it asks about, when that tool call is in the timeline. */
  toolCallEntryId?: string;
  status: "pending" | "resolved" | "cancelled" | "failed";
  resolution?: PermissionResolution;
}

export interface TurnEndEntry extends EntryBase<"turn-end"> {
  stopReason: StopReason | string;
  usage?: Record<string, unknown>;
  /** Entry id of the prompt this turn answered. */
  promptEntryId?: string;
}

export interface ErrorEntry extends EntryBase<"error"> {
  /** What went wrong, for a person. */
  message: string;
  /** `rpc` for a JSON-RPC error response, `malformed` for an event we could not read. */
  reason: "rpc" | "malformed";
  code?: number | string;
  data?: unknown;
  /** The request method the error answered, when paired. */
  method?: string;
}

export interface UnknownEntry extends EntryBase<"unknown"> {
  /** The `sessionUpdate` value or JSON-RPC method we have no view for. */
  label: string;
  /** The payload part worth showing (the update, or the request params). */
  value: unknown;
  /** A paired response, for requests. */
  response?: unknown;
}

export type Entry =
  | AgentMessageEntry
  | AgentThoughtEntry
  | UserMessageEntry
  | ToolCallEntry
  | PlanEntryState
  | UsageEntry
  | SessionInfoEntry
  | AvailableCommandsEntry
  | CurrentModeEntry
  | ConfigOptionsEntry
  | PermissionRequestEntry
  | TurnEndEntry
  | ErrorEntry
  | UnknownEntry;

export type EntryOf<T extends EntryType> = Extract<Entry, { type: T }>;

/** What the element's header shows: the session at a glance. */
export interface SessionSummary {
  sessionId?: string;
  title?: string;
  currentModeId?: string;
  modes: SessionMode[];
  usage?: { used?: number; size?: number; cost?: { amount: number; currency: string } };
  /** A turn is running: a prompt was sent and its end is not known yet. */
  running: boolean;
  lastStopReason?: string;
  pendingPermissions: number;
  /** Events folded, and those that could not be read. */
  eventCount: number;
  malformedCount: number;
}
