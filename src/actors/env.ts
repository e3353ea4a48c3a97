/**
 * The registry configured from the environment. Building it reads `process.env` and starts
 * nothing: RivetKit's `setup()` only keeps its config until the registry is started.
 */
import { createWorkspaceRegistry, type WorkspaceRegistryOptions } from "./registry.js";

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
