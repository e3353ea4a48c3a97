/**
 * What the workspace actor says to its clients: broadcast payloads and action results.
 * Types only: the browser element and the actor share them.
 */
import type { ElicitationContentValue, ElicitationSchema, PermissionOption, PermissionOptionKind } from "@agentclientprotocol/sdk";
import type { SessionEvent } from "sandbox-agent";

/** sandbox-agent's answers to a permission request. */
export type PermissionReply = "once" | "always" | "reject";

/** Who is behind a connection, as established when it connected (never taken from action arguments). */
export interface WorkspaceUser {
  userId: string;
  userName?: string;
}

/**
 * What a connection may do, as the host's `authorize` says (everyone is `owner` without it):
 * `viewer` watches and comments; `prompter` also prompts (and withdraws its own queued prompts);
 * `approver` also answers the agent's permission requests and questions, but does not prompt;
 * `owner` does everything, including Stop, mode, config options and reordering the queue.
 */
export type WorkspaceRole = "viewer" | "prompter" | "approver" | "owner";

/** A prompt waiting for its turn, as everyone sees it (`queue` broadcast, `SessionInfo.queue`). */
export interface QueuedPrompt {
  promptId: string;
  /** Who sent it. */
  by: WorkspaceUser;
  /** The prompt's text (cut at 2,000 characters here; the agent gets all of it). */
  text: string;
  queuedAt: number;
}

/** A comment on a timeline entry (by the entry's id, the same for every client). Its text is untrusted markdown. */
export interface WorkspaceComment {
  commentId: string;
  entryId: string;
  by: WorkspaceUser;
  text: string;
  createdAt: number;
}

/** A comment taken back (`comment.deleted`), by its author or an owner. */
export interface CommentDeletedBroadcast {
  commentId: string;
  entryId: string;
  by: WorkspaceUser;
  at: number;
}

/** `getComments({ after })`: what changed since `after` (a cursor from the previous page, 0 for everything), oldest first. */
export interface CommentsPage {
  comments: WorkspaceComment[];
  /** Comments deleted since `after` (only those a client may hold: created at or before it). */
  deleted: CommentDeletedBroadcast[];
  /** Pass as `after` to read on; absent on the last page. */
  nextAfter?: number;
  /** The cursor after this page: pass it as `after` next time to get only what changed since. */
  cursor: number;
}

/**
 * Who did what, from the workspace's own record (never a client's claim): the agent's mode or a
 * config option changed, a queued prompt withdrawn. Stored with the history and broadcast as `attribution`.
 */
export type AttributionRecord =
  | { kind: "mode"; modeId: string; by: WorkspaceUser; at: number }
  | { kind: "config"; configId: string; value: string; by: WorkspaceUser; at: number }
  | {
      kind: "withdraw";
      promptId: string;
      /** The withdrawn prompt's text (cut as in the queue) and who had sent it. */
      text: string;
      author: WorkspaceUser;
      by: WorkspaceUser;
      at: number;
      /** The workspace's newest event when it was withdrawn: where it sits in the transcript. */
      afterEventIndex: number;
    };

/** What a client passes when it connects. `token` is for the host's `authorize`; it is never echoed. */
export interface WorkspaceConnParams {
  userId?: string;
  userName?: string;
  token?: string;
  /**
   * A short-lived connection that only asks whether the workspace answers (the element's failover
   * check): authorized like any other, but not a person, so not in `presence`.
   */
  probe?: boolean;
}

export interface ChatUserBroadcast {
  userId: string;
  userName?: string;
  text: string;
  createdAt: number;
}

export interface PermissionRequestedBroadcast {
  permissionId: string;
  toolCallId?: string;
  title?: string;
  /** The agent's own options, in its order: each is an answer (`respondPermission({ optionId })`). */
  options: PermissionOption[];
  availableReplies: PermissionReply[];
  requestedAt: number;
}

/** An answer to a permission request: one of the agent's options, or one of sandbox-agent's replies. */
export interface PermissionAnswer {
  permissionId: string;
  /** The chosen option's `optionId` (preferred: it is exactly what the agent offered). */
  optionId?: string;
  /** `once`, `always` or `reject`: the first option of the matching kind. */
  reply?: PermissionReply;
}

export interface PermissionResolvedBroadcast {
  permissionId: string;
  toolCallId?: string;
  reply: PermissionReply | "cancelled";
  /** The option chosen, as the agent named it (absent for `cancelled`). */
  optionId?: string;
  optionName?: string;
  kind?: PermissionOptionKind;
  by?: WorkspaceUser;
  at: number;
}

/**
 * A question the agent asks the room (ACP `elicitation/create`, form mode): whoever answers first
 * answers for everyone.
 */
export interface QuestionRequestedBroadcast {
  /** `<agent connection>:<JSON-RPC id>`: unique across agent processes, which each number from 0. */
  questionId: string;
  /** What the agent asks, in its words (untrusted text, markdown). */
  message: string;
  /** The form: each property is a field (string, number, integer, boolean; enums are choices). */
  requestedSchema: ElicitationSchema;
  /** The tool call it asks about, when it names one. */
  toolCallId?: string;
  requestedAt: number;
}

/** The answer's kind, as ACP names it: `accept` (with the form's content), `decline`, or `cancel` (the workspace's own, when a turn ends or is stopped). */
export type QuestionAction = "accept" | "decline" | "cancel";

/** The values of an accepted question's form, by field name. */
export type QuestionContent = Record<string, ElicitationContentValue>;

/** `respondQuestion`'s input: accept with the form's `content`, or decline. */
export interface QuestionAnswer {
  questionId: string;
  action: "accept" | "decline";
  /** For `accept`: a value for each field, as `requestedSchema` asks (required fields, types, choices). */
  content?: QuestionContent;
}

export interface QuestionResolvedBroadcast {
  questionId: string;
  action: QuestionAction;
  /** What was answered, for `accept`. */
  content?: QuestionContent;
  /** Who answered; absent when the workspace answered itself (`cancel` at a turn's end, a question it cannot show declined). */
  by?: WorkspaceUser;
  at: number;
}

export interface TurnBroadcast {
  state: "running" | "ended";
  /** The prompt this turn runs (see `PromptAccepted`). */
  promptId?: string;
  stopReason?: string;
  /** Why the turn failed, when it did (`stopReason` is then "error", or "interrupted" when the workspace stopped). */
  error?: TurnError;
  /** Who started the turn (for a withdrawn prompt: who had sent it). */
  by?: WorkspaceUser;
  /** For `stopReason: "withdrawn"` (the prompt left the queue and never ran): who withdrew it. */
  withdrawnBy?: WorkspaceUser;
  /** Prompts waiting behind this one. */
  queued: number;
}

export interface TurnError {
  code: WorkspaceErrorCode;
  message: string;
}

/**
 * The `prompt` action's answer: the prompt is queued. It answers at once, not when the turn ends,
 * because RivetKit's gateway closes a connection whose request goes unanswered for 30 s. The turn's
 * end comes as a `turn` broadcast with this `promptId`, and `getTurn` tells it to a client that
 * was away.
 */
export interface PromptAccepted {
  promptId: string;
  /** Prompts ahead of this one (0: it runs now). */
  ahead: number;
}

/** What became of a prompt: `getTurn`'s answer. */
export interface TurnOutcome {
  promptId: string;
  state: "queued" | "running" | "ended";
  stopReason?: string;
  error?: TurnError;
}

export interface PresenceBroadcast {
  users: Array<WorkspaceUser & { connectionId: string; role: WorkspaceRole }>;
}

export type WorkspaceErrorCode =
  | "sandbox-unreachable"
  | "sandbox-recreated"
  | "agent-exited"
  | "prompt-failed"
  | "prompt-too-large"
  | "rate-limited"
  | "permission-not-found"
  | "permission-answered"
  | "question-not-found"
  | "question-answered"
  | "not-running"
  | "invalid-argument"
  | "persist-failed"
  | "unauthorized"
  | "forbidden"
  | "not-queued"
  | "queue-full"
  | "comment-too-large"
  | "comment-not-found"
  | "connection-lost"
  | "events-lost"
  | "workspace-destroyed"
  | "internal";

export interface ErrorBroadcast {
  code: WorkspaceErrorCode;
  message: string;
  at: number;
}

export interface WorkspaceBroadcasts {
  "session.event": SessionEvent;
  /** Several events at once, oldest first: sent instead of `session.event` when events queue up (a fast agent). */
  "session.events": SessionEvent[];
  "chat.user": ChatUserBroadcast;
  "permission.requested": PermissionRequestedBroadcast;
  "permission.resolved": PermissionResolvedBroadcast;
  "question.requested": QuestionRequestedBroadcast;
  "question.resolved": QuestionResolvedBroadcast;
  turn: TurnBroadcast;
  /** The prompts waiting, in the order they will run, whenever it changes. */
  queue: QueuedPrompt[];
  comment: WorkspaceComment;
  "comment.deleted": CommentDeletedBroadcast;
  attribution: AttributionRecord;
  presence: PresenceBroadcast;
  error: ErrorBroadcast;
}

export interface SessionInfo {
  workspaceId: string;
  agent: string;
  /** The SDK's local session id (stable across daemon restarts). */
  sessionId?: string;
  running: boolean;
  queued: number;
  /** The prompts waiting, in the order they will run. */
  queue: QueuedPrompt[];
  /** This connection's role, and who it is. */
  role: WorkspaceRole;
  user: WorkspaceUser;
  lastEventIndex: number;
  users: PresenceBroadcast["users"];
  pendingPermissions: PermissionRequestedBroadcast[];
  /** Questions from the agent waiting for an answer. */
  pendingQuestions: QuestionRequestedBroadcast[];
  /** Changes each time the workspace starts: a prompt sent before the last start did not survive it. */
  bootId: string;
  /** What one connection may send, so a client can refuse an oversized prompt before it is sent. */
  limits: { maxPromptBytes: number; promptsPerMinute: number; maxCommentBytes: number; commentsPerMinute: number };
  /** The sandbox the workspace owns, when its host gives each workspace its own (a sandbox-agent provider). */
  sandbox?: SandboxInfo;
}

/** A workspace's own sandbox, as a client may know it: never its address or token. */
export interface SandboxInfo {
  /** The sandbox-agent provider's name: `local`, `docker`, `e2b`... */
  provider: string;
  /** A digest of the provider's id for it: a new sandbox has a new `ref`. */
  ref: string;
}

/** Event indices `(after, through]` that clients may have been shown but that were never stored. */
export interface LostRange {
  after: number;
  through: number;
  /** When the workspace found them lost (ms since the epoch). */
  at: number;
}

/** `getHistory` with `json: true`: the page's events as one JSON array, far cheaper to send and read. */
export interface HistoryPageJson extends Omit<HistoryPage, "events"> {
  /** `SessionEvent[]` as JSON text. */
  eventsJson: string;
}

/** `getHistoryDeflated`: the page's events as one JSON array, compressed with raw DEFLATE (RFC 1951). */
export interface HistoryPageDeflated extends Omit<HistoryPage, "events"> {
  /** `SessionEvent[]` as JSON text, deflated: `DecompressionStream("deflate-raw")` reads it. */
  eventsDeflated: Uint8Array;
}

export interface HistoryPage {
  /** Events with `eventIndex > after`, oldest first. */
  events: SessionEvent[];
  /** Pass as `after` to read on; absent on the last page. */
  nextAfter?: number;
  /** Who answered which permission request (the log does not record it). */
  permissions: PermissionResolvedBroadcast[];
  /** How each question from the agent was answered, and by whom (the log does not record it). */
  questions: QuestionResolvedBroadcast[];
  /** Who changed the mode or a config option, who withdrew a queued prompt (the log does not record it). */
  attributions: AttributionRecord[];
  /**
   * Index ranges `(after, through]` whose events clients may have been shown but that were never
   * stored: the workspace's host stopped without writing them. A client drops what it holds there.
   */
  lost: LostRange[];
}
