/**
 * Runs the workspace registry in this process, configured from the environment, until told to
 * stop. Prints `READY <endpoint>` once clients can connect. Takes RivetKit's embedded engine down
 * with it (unless `KEEP_ENGINE=1`) when it stops, which it does on SIGINT, SIGTERM or SIGHUP, on a
 * `stop` line on stdin, when stdin is a pipe and its other end closes, and when its parent process
 * exits: whoever started it dying, even by SIGKILL, stops it and the engine.
 *
 *   SANDBOX_AGENT_URL, SANDBOX_AGENT_TOKEN, WORKSPACE_AGENT   the sandbox and agent
 *   WORKSPACE_TOKEN                 if set, clients must connect with params.token equal to it (as owners)
 *   WORKSPACE_ROLES                 token=role,...: each token joins with that role (viewer, prompter, approver, owner)
 *   RIVETKIT_STORAGE_PATH, RIVET_RUN_ENGINE_PORT, RIVET_ENDPOINT   RivetKit's own
 *
 * With RIVET_ENDPOINT it is a runner of that Rivet Engine: it waits for the engine, however long,
 * and never starts one (see createWorkspaceRegistry).
 *
 *   node --import tsx demo/registry.ts
 */
import { createInterface } from "node:readline";
import { createWorkspaceRegistry, stopEmbeddedEngine, workspaceOptionsFromEnv } from "../src/actors/registry.js";
import type { WorkspaceActorOptions } from "../src/actors/workspace.js";
import { readRole, type WorkspaceRole } from "../src/protocol/index.js";
import { ignoreBrokenOutput, stdinIsPipe, watchParent } from "./lifetime.js";

process.env.RIVET_RUN_SERVICES ??= "0";
process.env.RIVET_LOG_LEVEL ??= "error";
// A parent that died closed our stdout; writing to it must not end the clean-up.
ignoreBrokenOutput();

const registry = createWorkspaceRegistry({
  ...workspaceOptionsFromEnv(),
  authorize: authorizeFromEnv(process.env.WORKSPACE_TOKEN, process.env.WORKSPACE_ROLES),
});

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  // Told to stop while starting: the embedded engine may be on its way up; let the start finish
  // first. A runner of a named engine may be waiting for it: shutdown ends the wait.
  if (!process.env.RIVET_ENDPOINT) await Promise.race([starting.catch(() => undefined), sleep(20_000)]);
  // Shutdown waits for actors to sleep; do not let a stuck one keep the engine alive.
  await Promise.race([registry.shutdown().catch((error: unknown) => console.error("registry shutdown:", error)), sleep(8_000)]);
  if (!process.env.RIVET_ENDPOINT && process.env.KEEP_ENGINE !== "1") await stopEmbeddedEngine();
  // RivetKit's native runtime keeps the event loop alive after shutdown.
  process.exit(0);
}

const started = performance.now();
const starting = registry.startAndWait();

// Listen from the start: a signal during start-up must still take the engine down.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => void stop());
watchParent(() => void stop());
if (!process.stdin.isTTY) {
  const pipe = stdinIsPipe();
  const lines = createInterface({ input: process.stdin });
  lines.on("line", (line) => line.trim() === "stop" && void stop());
  // The end of a pipe is the end of whoever spawned us; the end of /dev/null means nothing.
  lines.on("close", () => pipe && void stop());
}

// Stopped while waiting for a named engine: the start gives up, and stop() ends the process.
await starting.catch((error: unknown) => {
  if (!stopping) throw error;
});
const endpoint = process.env.RIVET_ENDPOINT || `http://127.0.0.1:${process.env.RIVET_RUN_ENGINE_PORT || 6420}`;
if (!stopping) console.log(`READY ${endpoint} ${Math.round(performance.now() - started)}ms`);

/**
 * The demo's door: `WORKSPACE_TOKEN` lets its holder in as an owner; `WORKSPACE_ROLES`
 * (`token=role,token=role`, roles `viewer`, `prompter`, `approver`, `owner`) lets each token's holder
 * in with that role. With neither, everyone is an owner. A host's real `authorize` checks a verified
 * identity instead.
 */
function authorizeFromEnv(token: string | undefined, roles: string | undefined): WorkspaceActorOptions["authorize"] {
  const byToken = new Map<string, WorkspaceRole>();
  for (const pair of (roles ?? "").split(",").map((item) => item.trim()).filter(Boolean)) {
    const [key, role] = pair.split("=").map((part) => part.trim());
    const known = readRole(role);
    if (!key || !known) throw new Error(`WORKSPACE_ROLES: "${pair}" is not token=role (roles: viewer, prompter, approver, owner).`);
    byToken.set(key, known);
  }
  if (!token && byToken.size === 0) return undefined;
  return ({ params }) => {
    if (token && params.token === token) return { role: "owner" };
    const role = params.token === undefined ? undefined : byToken.get(params.token);
    return role ? { role } : false;
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
