/**
 * The registry a host runs: the `workspace` actor, on RivetKit's embedded local engine by default
 * or on a Rivet Engine cluster when `RIVET_ENDPOINT` is set.
 *
 * ```ts
 * import { createWorkspaceRegistry } from "sandbox-workspace/actors";
 * const registry = createWorkspaceRegistry({ sandbox: { baseUrl: "http://127.0.0.1:2468" }, agent: "claude" });
 * await registry.startAndWait();
 * ```
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { setup } from "rivetkit";
import { createWorkspaceActor, type WorkspaceActorOptions } from "./workspace.js";
// env.ts imports this module to build its registry: nothing here may run at import but declarations.
export { workspaceOptionsFromEnv } from "./env.js";

export type WorkspaceRegistryOptions = WorkspaceActorOptions;

export function createWorkspaceRegistry(options: WorkspaceRegistryOptions) {
  return setup({
    use: { workspace: createWorkspaceActor(options) },
    noWelcome: true,
    // RivetKit starts its embedded engine only in development unless told to; a host without a
    // Rivet Engine cluster (RIVET_ENDPOINT) wants it in production too.
    ...(process.env.RIVET_ENDPOINT ? {} : { startEngine: true }),
  });
}

export type WorkspaceRegistry = ReturnType<typeof createWorkspaceRegistry>;

/**
 * RivetKit starts its embedded engine as an orphan so it outlives restarts of the host; a host that
 * wants nothing left behind (a demo, a test) stops it here after `registry.shutdown()`.
 * Returns the pid it stopped, if any.
 */
export async function stopEmbeddedEngine(storagePath = process.env.RIVETKIT_STORAGE_PATH || homedir(), timeoutMs = 5000): Promise<number | undefined> {
  const runtime = join(storagePath, ".rivetkit", "var", "engine", "runtime.json");
  if (!existsSync(runtime)) return undefined;
  const pid = Number((JSON.parse(readFileSync(runtime, "utf8")) as { pid?: unknown }).pid);
  if (!Number.isInteger(pid) || !alive(pid)) return undefined;
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + timeoutMs;
  while (alive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  if (alive(pid)) process.kill(pid, "SIGKILL");
  return pid;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
