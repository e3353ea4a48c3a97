/**
 * Roles: what each may do in a workspace, and the sentence that says why not. The actor enforces
 * them on every action; the element reads them to show only what its user may do. No DOM, no Node.
 */
import type { WorkspaceRole } from "./contract.js";

export const ROLES: readonly WorkspaceRole[] = ["viewer", "prompter", "approver", "owner"];

/**
 * What an action needs: `watch` (read the session), `comment`, `prompt` (send prompts, withdraw
 * one's own), `answer` (the agent's permission requests and questions), `control` (Stop, mode,
 * config options, reorder the queue, withdraw or delete what others sent, destroy).
 */
export type Capability = "watch" | "comment" | "prompt" | "answer" | "control";

const ALLOWED: Record<Capability, readonly WorkspaceRole[]> = {
  watch: ROLES,
  comment: ROLES,
  prompt: ["prompter", "owner"],
  answer: ["approver", "owner"],
  control: ["owner"],
};

/** What each capability lets one do, for sentences. */
const DOING: Record<Capability, string> = {
  watch: "watch this workspace",
  comment: "comment",
  prompt: "send prompts",
  answer: "answer the agent's permission requests and questions",
  control: "stop turns, change the mode or options, and reorder the queue",
};

export function can(role: WorkspaceRole | undefined, capability: Capability): boolean {
  return role !== undefined && ALLOWED[capability].includes(role);
}

/** A role as the host's `authorize` gave it; undefined for anything else. */
export function readRole(value: unknown): WorkspaceRole | undefined {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value) ? (value as WorkspaceRole) : undefined;
}

/** "a viewer", "an approver". */
export function roleWithArticle(role: WorkspaceRole): string {
  return `${role === "approver" || role === "owner" ? "an" : "a"} ${role}`;
}

/** "prompters and owners", "owners". */
function holders(capability: Capability): string {
  const names = ALLOWED[capability].map((role) => `${role}s`);
  return names.length === 1 ? names[0] : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}

/**
 * Why `role` may not do what `capability` covers, as a person reads it: "You are a viewer in this
 * workspace: only prompters and owners can send prompts." `doing` names the very action ("stop a turn").
 */
export function refusal(role: WorkspaceRole, capability: Capability, doing = DOING[capability]): string {
  return `You are ${roleWithArticle(role)} in this workspace: only ${holders(capability)} can ${doing}. Ask an owner of the workspace if you need to.`;
}
