/**
 * DOM events `<sandbox-workspace>` fires for its host page. All bubble and cross shadow roots, so a
 * listener on `document` hears them too (typed through `GlobalEventHandlersEventMap`).
 */
import type { WorkspaceErrorCode } from "../protocol/index.js";

/**
 * What went wrong, for a host to act on: the element's own codes, the workspace's (see
 * `WorkspaceErrorCode`), and RivetKit's, which pass through as they come. One spelling: lowercase
 * words joined by hyphens.
 */
export type SandboxWorkspaceErrorCode =
  /** Neither `workspace-id` nor `events` is set: there is nothing to show. */
  | "missing-workspace-id"
  /** `workspace-id` is set but `endpoint` is not. */
  | "missing-endpoint"
  /** The registry does not answer at `endpoint`; the element keeps retrying. */
  | "unreachable"
  /** The connection code (rivetkit/client, a chunk beside the drop-in file) could not be loaded. */
  | "client-load-failed"
  /** The workspace refused the connection (its `authorize`). */
  | "unauthorized"
  /** The workspace refused an action this user may not take. */
  | "forbidden"
  /** A prompt was refused or its turn failed; `message` says why. */
  | "prompt-failed"
  /** A prompt over the workspace's size limit, refused before it was sent. */
  | "prompt-too-large"
  /** Stop was refused or failed. */
  | "cancel-failed"
  /** An answer to a permission request was refused or failed. */
  | "permission-failed"
  /** An answer to a question from the agent failed (a refused one comes with the workspace's code: `invalid-argument`, `question-answered`). */
  | "question-failed"
  /** Changing the agent's mode was refused or failed. */
  | "mode-failed"
  /** Changing one of the agent's config options was refused or failed. */
  | "config-failed"
  /** Withdrawing a queued prompt failed (a refused one comes with the workspace's code: `forbidden`, `not-queued`). */
  | "withdraw-failed"
  /** Reordering the queue failed. */
  | "reorder-failed"
  /** A comment could not be sent or deleted (a refused one comes with the workspace's code: `comment-too-large`, `rate-limited`, `forbidden`). */
  | "comment-failed"
  /** A history page could not be read (other than by a timeout, which the next check retries). */
  | "history-failed"
  /** The link to the workspace dropped while a prompt ran, or the element left before its turn ended. */
  | "connection-lost"
  /** The workspace's host died before saving events it had already sent: they are no longer shown. */
  | "events-lost"
  /** Events that could not be read arrived; they are shown as error entries. */
  | "malformed-event"
  /** The page's link (`#sandbox-workspace/<workspace-id>/<entry-id>`) names an entry this session does not have. */
  | "entry-not-found"
  | WorkspaceErrorCode
  | (string & {});

export interface SandboxWorkspaceErrorDetail {
  code: SandboxWorkspaceErrorCode;
  /** A sentence a person can act on. */
  message: string;
  /** For `malformed-event`: the events as received. */
  events?: unknown[];
}

export type SandboxWorkspaceErrorEvent = CustomEvent<SandboxWorkspaceErrorDetail>;

export interface SandboxWorkspaceConnectionDetail {
  workspaceId?: string;
  /** Why the connection dropped, when known. */
  reason?: string;
}

export interface SandboxWorkspaceEventDetail {
  /** Events new to this element (live or from history), in arrival order: each is reported once. */
  events: unknown[];
}

export interface SandboxWorkspacePromptDetail {
  text: string;
}

/** Something needs this element's user: a permission request or a question their role may answer, or a comment that mentions them (`@name`). Fired once per thing. */
export interface SandboxWorkspaceAttentionDetail {
  kind: "permission" | "question" | "mention";
  /** The permission request's, question's or comment's id. */
  id: string;
  /** For a mention: the entry commented on. */
  entryId?: string;
  /** For a permission request or a question: the tool call it is about, when it names one. */
  toolCallId?: string;
  /** A sentence for a notification ("Ada mentioned you in a comment."). */
  message: string;
}

declare global {
  interface GlobalEventHandlersEventMap {
    "sandbox-workspace-error": SandboxWorkspaceErrorEvent;
    "sandbox-workspace-connected": CustomEvent<SandboxWorkspaceConnectionDetail>;
    "sandbox-workspace-disconnected": CustomEvent<SandboxWorkspaceConnectionDetail>;
    "sandbox-workspace-event": CustomEvent<SandboxWorkspaceEventDetail>;
    "sandbox-workspace-prompt": CustomEvent<SandboxWorkspacePromptDetail>;
    "sandbox-workspace-attention": CustomEvent<SandboxWorkspaceAttentionDetail>;
  }
}

export function workspaceEvent<T>(name: keyof GlobalEventHandlersEventMap & `sandbox-workspace-${string}`, detail: T): CustomEvent<T> {
  return new CustomEvent(name, { detail, bubbles: true, composed: true });
}
