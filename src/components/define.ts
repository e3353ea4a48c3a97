/** Registers `<sandbox-workspace>`. Importing this module twice, or beside another copy, is harmless. */
import { SandboxWorkspace } from "./sandbox-workspace.js";

export const TAG = "sandbox-workspace";

if (!customElements.get(TAG)) customElements.define(TAG, SandboxWorkspace);

declare global {
  interface HTMLElementTagNameMap {
    "sandbox-workspace": SandboxWorkspace;
  }
}
