/**
 * Runs the workspace registry in this process, configured from the environment, until told to
 * stop. Prints `READY <endpoint>` once clients can connect. Stops on SIGINT/SIGTERM or a `stop`
 * line on stdin, and takes RivetKit's embedded engine down with it (unless `KEEP_ENGINE=1`).
 *
 *   SANDBOX_AGENT_URL, SANDBOX_AGENT_TOKEN, WORKSPACE_AGENT   the sandbox and agent
 *   WORKSPACE_TOKEN                 if set, clients must connect with params.token equal to it
 *   RIVETKIT_STORAGE_PATH, RIVET_RUN_ENGINE_PORT, RIVET_ENDPOINT   RivetKit's own
 *
 *   node --import tsx demo/registry.ts
 */
import { createInterface } from "node:readline";
import { createWorkspaceRegistry, stopEmbeddedEngine, workspaceOptionsFromEnv } from "../src/actors/registry.js";

process.env.RIVET_RUN_SERVICES ??= "0";
process.env.RIVET_LOG_LEVEL ??= "error";

const token = process.env.WORKSPACE_TOKEN;
const registry = createWorkspaceRegistry({
  ...workspaceOptionsFromEnv(),
  authorize: token ? ({ params }) => params.token === token : undefined,
});

const started = performance.now();
await registry.startAndWait();
const endpoint = process.env.RIVET_ENDPOINT || `http://127.0.0.1:${process.env.RIVET_RUN_ENGINE_PORT || 6420}`;
console.log(`READY ${endpoint} ${Math.round(performance.now() - started)}ms`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  // Shutdown waits for actors to sleep; do not let a stuck one keep the engine alive.
  await Promise.race([registry.shutdown().catch((error: unknown) => console.error("registry shutdown:", error)), new Promise((resolve) => setTimeout(resolve, 8_000))]);
  if (!process.env.RIVET_ENDPOINT && process.env.KEEP_ENGINE !== "1") await stopEmbeddedEngine();
  // RivetKit's native runtime keeps the event loop alive after shutdown.
  process.exit(0);
}

process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
if (!process.stdin.isTTY) {
  createInterface({ input: process.stdin }).on("line", (line) => line.trim() === "stop" && void stop());
}
