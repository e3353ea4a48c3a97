/**
 * `npm start`: the whole product on this machine, no keys needed.
 *
 * 1. the sandbox-agent daemon (npm `@sandbox-agent/cli`) with the demo agent as its `mock` agent,
 *    unless SANDBOX_AGENT_URL points at a daemon already running;
 * 2. the workspace registry on RivetKit's embedded engine (http://127.0.0.1:6420 unless
 *    RIVET_RUN_ENGINE_PORT says otherwise), storing its data in .demo-data/;
 * 3. the demo page (Vite), which loads the freshly built drop-in file dist/sandbox-workspace.js
 *    with a script tag and joins the workspace.
 *
 * Ctrl-C stops everything it started, the engine included.
 */
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createServer } from "vite";
import { buildDropIn } from "./build.js";
import { startDaemon, type Daemon } from "./daemon.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const enginePort = Number(process.env.RIVET_RUN_ENGINE_PORT || 6420);
const storage = process.env.RIVETKIT_STORAGE_PATH || fileURLToPath(new URL("../.demo-data/rivetkit", import.meta.url));
mkdirSync(storage, { recursive: true });

// The page loads the drop-in file the way a host would: build it first.
const config = fileURLToPath(new URL("../vite.config.ts", import.meta.url));
await buildDropIn();

let daemon: Daemon | undefined;
let sandboxUrl = process.env.SANDBOX_AGENT_URL;
if (!sandboxUrl) {
  daemon = await startDaemon({ port: Number(process.env.SANDBOX_AGENT_PORT) || undefined });
  sandboxUrl = daemon.url;
  console.log(`sandbox-agent daemon   ${daemon.url} (demo agent as "mock")`);
} else {
  console.log(`sandbox-agent daemon   ${sandboxUrl} (SANDBOX_AGENT_URL)`);
}

const registry = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL("./registry.ts", import.meta.url))], {
  cwd: root,
  env: {
    ...process.env,
    SANDBOX_AGENT_URL: sandboxUrl,
    WORKSPACE_AGENT: process.env.WORKSPACE_AGENT || (daemon ? "mock" : "claude"),
    RIVETKIT_STORAGE_PATH: storage,
    RIVET_RUN_ENGINE_PORT: String(enginePort),
  },
  stdio: ["pipe", "pipe", "inherit"],
});
const endpoint = await new Promise<string>((resolve, reject) => {
  let output = "";
  registry.once("exit", (code) => reject(new Error(`the registry exited (${code}); is port ${enginePort} free?\n${output}`)));
  registry.stdout!.on("data", (chunk: Buffer) => {
    output += chunk;
    const ready = /READY (\S+)/.exec(output);
    if (ready) resolve(ready[1]);
  });
});
console.log(`workspace registry     ${endpoint} (data in ${storage})`);

const vite = await createServer({ configFile: config, server: { port: Number(process.env.PORT) || 5173 } });
await vite.listen();
const page = vite.resolvedUrls?.local[0] ?? "http://127.0.0.1:5173/";
console.log(`\n  Open ${page}?endpoint=${encodeURIComponent(endpoint)}\n  (a recorded session, without the backend: ${page}replay.html)\n\nCtrl-C stops everything.`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log("\nstopping…");
  await vite.close().catch(() => undefined);
  await new Promise<void>((resolve) => {
    if (registry.exitCode !== null) return resolve();
    registry.once("exit", () => resolve());
    registry.stdin!.write("stop\n");
    setTimeout(() => registry.kill("SIGKILL"), 15_000);
  });
  await daemon?.stop();
  process.exit(0);
}
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
