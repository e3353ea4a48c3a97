/** Registers `<sandbox-workspace>`. Importing this module twice, or beside another copy, is harmless. */
import { SandboxWorkspace } from "./sandbox-workspace.js";

if (!customElements.get("sandbox-workspace")) customElements.define("sandbox-workspace", SandboxWorkspace);

declare global {
  interface HTMLElementTagNameMap {
    "sandbox-workspace": SandboxWorkspace;
  }
}
