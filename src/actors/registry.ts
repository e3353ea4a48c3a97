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

let guarded = false;

export type WorkspaceRegistryOptions = WorkspaceActorOptions;

export function createWorkspaceRegistry(options: WorkspaceRegistryOptions) {
  guardSdkRejections();
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
 * Options from the environment: `SANDBOX_AGENT_URL` (default `http://127.0.0.1:2468`),
 * `SANDBOX_AGENT_TOKEN`, `WORKSPACE_AGENT` (default `claude`), `WORKSPACE_CWD`,
 * `WORKSPACE_SLEEP_TIMEOUT_MS`, `WORKSPACE_MAX_EVENTS`.
 */
export function workspaceOptionsFromEnv(env: Record<string, string | undefined> = process.env): WorkspaceRegistryOptions {
  return {
    sandbox: { baseUrl: env.SANDBOX_AGENT_URL || "http://127.0.0.1:2468", token: env.SANDBOX_AGENT_TOKEN || undefined },
    agent: env.WORKSPACE_AGENT || "claude",
    cwd: env.WORKSPACE_CWD || undefined,
    sleepTimeoutMs: Number(env.WORKSPACE_SLEEP_TIMEOUT_MS) || undefined,
    limits: env.WORKSPACE_MAX_EVENTS ? { maxEvents: Number(env.WORKSPACE_MAX_EVENTS) } : undefined,
  };
}

/** A registry configured from the environment (see `workspaceOptionsFromEnv`). Nothing runs until it is started. */
export const registry = createWorkspaceRegistry(workspaceOptionsFromEnv());

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

/**
 * sandbox-agent's SDK lets some transport failures escape as unhandled rejections (a dead daemon,
 * a dead agent), which would end the host process. The workspace already reports those to its
 * clients; here they are logged instead of crashing. Anything else keeps Node's default behaviour.
 */
function guardSdkRejections(): void {
  if (guarded) return;
  guarded = true;
  process.on("unhandledRejection", (reason) => {
    const name = reason instanceof Error ? reason.name : "";
    const text = reason instanceof Error ? `${reason.message} ${String(reason.cause ?? "")}` : String(reason);
    if (/AcpHttpError|AcpRpcError|SandboxAgentError/.test(name) || /fetch failed|ECONNREFUSED|ECONNRESET|Broken pipe|ACP client is closed/i.test(text)) {
      console.warn(`[sandbox-workspace] sandbox-agent transport failure (reported to clients): ${name} ${text.slice(0, 200)}`);
      return;
    }
    // Not ours: fail as Node would have.
    setImmediate(() => {
      throw reason;
    });
  });
}
