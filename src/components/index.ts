/**
 * `<sandbox-workspace>`: importing this module registers the element.
 * Import `./sandbox-workspace.js` for the class alone.
 */
import "./define.js";

export { SandboxWorkspace } from "./sandbox-workspace.js";
export { StreamingMarkdown, renderMarkdown, sanitize } from "./markdown.js";
export type { SandboxWorkspaceAttentionDetail, SandboxWorkspaceErrorCode, SandboxWorkspaceErrorDetail, SandboxWorkspaceErrorEvent } from "./sandbox-workspace.events.js";
