/**
 * DOM events `<sandbox-workspace>` fires for its host page. All bubble and cross shadow roots.
 */

export type SandboxWorkspaceErrorCode =
  /** Neither `workspace-id` nor `events` is set: there is nothing to show. */
  | "missing-workspace-id"
  /** `workspace-id` is set but `endpoint` is not. */
  | "missing-endpoint"
  /** The registry does not answer at `endpoint`. */
  | "unreachable"
  /** The workspace refused the connection (its `authorize`). */
  | "unauthorized"
  /** A prompt was refused or its turn failed; `message` says why. */
  | "prompt-failed"
  /** The link to the workspace dropped while a prompt ran (the turn may go on; the transcript catches up). */
  | "connection-lost"
  /** The workspace's host died before saving events it had already sent: they are no longer shown. */
  | "events-lost"
  /** The workspace reported an error (its codes: `sandbox_unreachable`, `agent_exited`, ...). */
  | (string & {})
  /** Events that could not be read arrived; they are shown as error entries. */
  | "malformed-event";

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

declare global {
  interface HTMLElementEventMap {
    "sandbox-workspace-error": SandboxWorkspaceErrorEvent;
    "sandbox-workspace-connected": CustomEvent<SandboxWorkspaceConnectionDetail>;
    "sandbox-workspace-disconnected": CustomEvent<SandboxWorkspaceConnectionDetail>;
    "sandbox-workspace-event": CustomEvent<SandboxWorkspaceEventDetail>;
    "sandbox-workspace-prompt": CustomEvent<SandboxWorkspacePromptDetail>;
  }
}

export function workspaceEvent<T>(name: keyof HTMLElementEventMap & `sandbox-workspace-${string}`, detail: T): CustomEvent<T> {
  return new CustomEvent(name, { detail, bubbles: true, composed: true });
}
