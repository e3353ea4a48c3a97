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
  | "question"
  | "turn-end"
  | "file-read"
  | "file-write"
  | "terminal"
  | "notice"
  | "compaction"
  | "plan-update"
  | "subagent"
  | "session-message"
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
  "question",
  "turn-end",
  "file-read",
  "file-write",
  "terminal",
  "notice",
  "compaction",
  "plan-update",
  "subagent",
  "session-message",
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
  /** The client asked to stop this turn (`session/cancel`). */
  stop?: StopRequest;
}

/** A `session/cancel` from the client: someone pressed Stop. */
export interface StopRequest {
  at?: number;
  /** Who pressed Stop, when the log or the host says so (nothing records it yet). */
  by?: Author;
}

/**
 * How an item the agent left open looks once its turn is over: `cancelled` when the turn was
 * stopped, `interrupted` when it ended otherwise (or its end is not known).
 */
export type EndedAs = "cancelled" | "interrupted";

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
  /** Set when the turn ended while the agent still reported the call `pending` or `in_progress`. */
  endedAs?: EndedAs;
  /** Terminals the tool call refers to (its `terminal` content), with what the client methods said of them. */
  terminals: TerminalState[];
}

export interface PlanEntryState extends EntryBase<"plan"> {
  entries: PlanEntry[];
  completed: number;
  /** How many plan versions were folded (each replaces the previous). */
  versions: number;
  /** Set when a turn ended with items of this plan still open. */
  endedAs?: EndedAs;
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
  /** Who last changed the mode through the workspace, as its host recorded it (`Timeline.attribute`). */
  changedBy?: { modeId: string; by: Author; at: number };
}

export interface ConfigOptionsEntry extends EntryBase<"config-options"> {
  options: SessionConfigOption[];
  /** Who last changed each option through the workspace, by option id, as its host recorded it. */
  changedBy?: Record<string, { value: string; by: Author; at: number }>;
}

/**
 * Who did what, as the host recorded it (the log does not say): the mode or a config option
 * changed, a queued prompt withdrawn before it reached the agent (`afterEventIndex`: the newest event
 * then, which places it in the transcript).
 */
export type Attribution =
  | { kind: "mode"; modeId: string; by: Author; at: number }
  | { kind: "config"; configId: string; value: string; by: Author; at: number }
  | { kind: "withdraw"; promptId: string; text: string; author: Author; by: Author; at: number; afterEventIndex: number };

/** Who answered a permission request and how, when the log or the host says so. */
export interface PermissionResolution {
  /** The host's id of the request it answers (sandbox-agent's, not the JSON-RPC id). */
  permissionId?: string;
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

/** One field of a question's form, read from the agent's `requestedSchema` (see `questionFields`). */
export interface QuestionField {
  /** The property name: the key of its value in the answer's `content`. */
  name: string;
  /** `string`, `number`, `integer`, `boolean`, `array` (several choices), or whatever the agent sent. */
  type: string;
  required: boolean;
  /** Whether a form can fill it (a known type; an `array` only with choices). */
  fillable: boolean;
  title?: string;
  description?: string;
  /** The values to choose from (`enum` or `oneOf`; for `array`, its items'), with their titles. */
  choices?: Array<{ value: string; title: string }>;
  default?: string | number | boolean | string[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
}

/** How a question was answered, when the log or the host says so. */
export interface QuestionResolution {
  /** `accept`, `decline` or `cancel` (ACP's actions), or whatever the client sent. */
  action: string;
  /** The values, for `accept`. */
  content?: Record<string, unknown>;
  by?: Author;
  at?: number;
}

/** The agent asked a question (ACP `elicitation/create`): a form, or a link to open (`url` mode). */
export interface QuestionEntry extends EntryBase<"question"> {
  /**
   * How the host names the question (`respondQuestion`, `resolveQuestion`): `<server>:<id>` from the
   * `_request` a workspace recorded it with, else the JSON-RPC id.
   */
  questionId: string;
  rpcId?: string | number;
  /** `form`, `url`, or whatever the agent sent. */
  mode: string;
  message: string;
  fields: QuestionField[];
  /** The schema's own title and description, when it has them. */
  title?: string;
  description?: string;
  toolCallId?: string;
  /** For `url` mode: the link the agent asks to open (untrusted). */
  url?: string;
  /**
   * `pending` until answered; `answered` (accepted), `declined`, `cancelled`; `unanswered` when its
   * turn ended with no answer known.
   */
  status: "pending" | "answered" | "declined" | "cancelled" | "unanswered";
  resolution?: QuestionResolution;
}

export interface TurnEndEntry extends EntryBase<"turn-end"> {
  stopReason: StopReason | string;
  usage?: Record<string, unknown>;
  /** Entry id of the prompt this turn answered. */
  promptEntryId?: string;
  /** The client asked to stop the turn first (`session/cancel`). */
  stop?: StopRequest;
}

/** The state of an agent→client request, as far as the log shows its answer. */
export type ClientCallStatus = "pending" | "done" | "failed" | "unanswered";

/** The agent read a file through the client (`fs/read_text_file`). */
export interface FileReadEntry extends EntryBase<"file-read"> {
  rpcId: string | number;
  path: string;
  /** First line read (1-based) and how many lines, when the agent asked for part of the file. */
  line?: number;
  limit?: number;
  status: ClientCallStatus;
  /** The client's answer, when the log holds it. */
  content?: string;
  error?: string;
}

/** The agent wrote a file through the client (`fs/write_text_file`). */
export interface FileWriteEntry extends EntryBase<"file-write"> {
  rpcId: string | number;
  path: string;
  content: string;
  /** What the log shows of the file before the write (an earlier read or write, or a tool call's whole-file diff). */
  before?: string;
  /** Where `before` came from, for the reader. */
  beforeFrom?: "read" | "write" | "tool-call";
  /** The tool call whose diff this write applies, when one matches. */
  toolCallEntryId?: string;
  status: ClientCallStatus;
  error?: string;
}

/** One client call about a terminal (`terminal/output`, `terminal/wait_for_exit`, `terminal/kill`, `terminal/release`). */
export interface TerminalCall {
  method: string;
  status: ClientCallStatus;
  at?: number;
  error?: string;
}

/** A terminal the agent ran through the client (`terminal/create` and the calls after it). */
export interface TerminalState {
  /** From the client's answer to `terminal/create`, or the first later call that names it. */
  terminalId?: string;
  command: string;
  args: string[];
  cwd?: string;
  env: Array<{ name: string; value: string }>;
  outputByteLimit?: number;
  /** The latest output the client reported. */
  output?: string;
  truncated?: boolean;
  exitStatus?: { exitCode?: number | null; signal?: string | null };
  killed: boolean;
  released: boolean;
  calls: TerminalCall[];
}

/** A terminal no tool call refers to (one that does shows it in the tool call). */
export interface TerminalEntry extends EntryBase<"terminal"> {
  terminal: TerminalState;
}

/** An ACP `notice` update: something the agent wants the reader to know. */
export interface NoticeEntry extends EntryBase<"notice"> {
  severity: string;
  title: string;
  description?: string;
  meta?: Record<string, unknown>;
  /** Set for notices the fold makes itself (a Stop with no turn running, messages the daemon dropped): the method they came from. */
  method?: string;
  /** For such a Stop: who pressed it, when known. */
  by?: Author;
}

/** A context compaction (`compaction_update` and its `compaction_summary_chunk`s), by `compactionId`. */
export interface CompactionEntry extends EntryBase<"compaction"> {
  compactionId: string;
  status: string;
  /** The summary, streamed or sent whole. */
  parts: MessagePart[];
  error?: string;
}

/** An unstable ACP `plan_update` / `plan_removed`: one of several plans, by `planId`. */
export interface PlanUpdateEntry extends EntryBase<"plan-update"> {
  planId: string;
  /** `items`, `file` or `markdown` (or whatever the agent sent). */
  kind: string;
  entries: PlanEntry[];
  completed: number;
  uri?: string;
  markdown?: string;
  removed: boolean;
  versions: number;
  /** Set when a turn ended with items of this plan still open. */
  endedAs?: EndedAs;
}

/** A message between sessions (unstable `session_message` / `session_message_chunk`), by `messageId`. */
export interface SessionMessageState {
  messageId: string;
  senderSessionId?: string;
  recipientSessionId?: string;
  parts: MessagePart[];
  at?: number;
}

/** A child session of this one (unstable `subagent_update`), with the messages it sent or received. */
export interface SubagentEntry extends EntryBase<"subagent"> {
  sessionId: string;
  title?: string;
  description?: string;
  /** `running`, `idle`, `requires_action`, `unknown` or whatever the agent sent. */
  state?: string;
  stopReason?: string;
  cwd?: string;
  additionalDirectories?: string[];
  canCancel: boolean;
  messages: SessionMessageState[];
}

/** A message between sessions that names no known subagent. */
export interface SessionMessageEntry extends EntryBase<"session-message"> {
  message: SessionMessageState;
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
  | QuestionEntry
  | TurnEndEntry
  | FileReadEntry
  | FileWriteEntry
  | TerminalEntry
  | NoticeEntry
  | CompactionEntry
  | PlanUpdateEntry
  | SubagentEntry
  | SessionMessageEntry
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
  /**
   * The running turn's end will not reach the log: the agent sent a request with the same JSON-RPC
   * id as the turn's prompt, and sandbox-agent's SDK then drops the prompt's response. Only the host,
   * which sees the prompt settle, or the end of a finished log can end this turn.
   */
  endUnlogged?: boolean;
  lastStopReason?: string;
  pendingPermissions: number;
  /** Events folded, and those that could not be read. */
  eventCount: number;
  malformedCount: number;
}
