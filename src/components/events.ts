/**
 * DOM events `<sandbox-workspace>` fires for its host page. All bubble and cross shadow roots.
 */

export type SandboxWorkspaceErrorCode =
  /** Neither `workspace-id` nor `events` is set: there is nothing to show. */
  | "missing-workspace-id"
  /** `workspace-id` is set, but this build cannot join a live workspace yet. */
  | "live-unavailable"
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

declare global {
  interface HTMLElementEventMap {
    "sandbox-workspace-error": SandboxWorkspaceErrorEvent;
  }
}

export function workspaceEvent<T>(name: keyof HTMLElementEventMap & `sandbox-workspace-${string}`, detail: T): CustomEvent<T> {
  return new CustomEvent(name, { detail, bubbles: true, composed: true });
}
