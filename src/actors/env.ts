/**
 * The registry configured from the environment. Building it reads `process.env` and starts
 * nothing: RivetKit's `setup()` only keeps its config until the registry is started.
 */
import { local } from "sandbox-agent/local";
import { createWorkspaceRegistry, type WorkspaceRegistryOptions } from "./registry.js";
import type { SandboxSource } from "./session/sandbox.js";

/**
 * Options from the environment: `SANDBOX_AGENT_URL` (default `http://127.0.0.1:2468`),
 * `SANDBOX_AGENT_TOKEN`, `WORKSPACE_SANDBOX`, `WORKSPACE_AGENT` (default `claude`), `WORKSPACE_CWD`,
 * `WORKSPACE_SLEEP_TIMEOUT_MS`, `WORKSPACE_MAX_EVENTS`.
 */
export function workspaceOptionsFromEnv(env: Record<string, string | undefined> = process.env): WorkspaceRegistryOptions {
  return {
    sandbox: sandboxFromEnv(env),
    agent: env.WORKSPACE_AGENT || "claude",
    cwd: env.WORKSPACE_CWD || undefined,
    sleepTimeoutMs: Number(env.WORKSPACE_SLEEP_TIMEOUT_MS) || undefined,
    limits: env.WORKSPACE_MAX_EVENTS ? { maxEvents: Number(env.WORKSPACE_MAX_EVENTS) } : undefined,
  };
}

/**
 * `WORKSPACE_SANDBOX=local`: each workspace starts its own daemon on this machine (sandbox-agent's
 * `local` provider), with this environment: `SANDBOX_AGENT_BIN` names the binary (else
 * `@sandbox-agent/cli`'s), `XDG_DATA_HOME` where its agents are installed. Unset: the one daemon at
 * `SANDBOX_AGENT_URL`.
 */
function sandboxFromEnv(env: Record<string, string | undefined>): SandboxSource {
  const kind = env.WORKSPACE_SANDBOX || "url";
  if (kind === "local") return local({ binaryPath: env.SANDBOX_AGENT_BIN || undefined, env: defined(env) });
  if (kind !== "url") throw new Error(`WORKSPACE_SANDBOX=${kind}: set it to "local", or leave it unset for the daemon at SANDBOX_AGENT_URL.`);
  return { baseUrl: env.SANDBOX_AGENT_URL || "http://127.0.0.1:2468", token: env.SANDBOX_AGENT_TOKEN || undefined };
}

function defined(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** A registry configured from the environment (see `workspaceOptionsFromEnv`). Nothing runs until it is started. */
export const registry = createWorkspaceRegistry(workspaceOptionsFromEnv());
