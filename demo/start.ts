/**
 * `npm start`: the whole product on this machine, no keys needed.
 *
 * 1. the sandbox-agent daemon (npm `@sandbox-agent/cli`) with the demo agent as its `mock` agent,
 *    unless SANDBOX_AGENT_URL points at a daemon already running (SANDBOX_AGENT_PORT: its port);
 * 2. the workspace registry on RivetKit's embedded engine (http://127.0.0.1:6420 unless
 *    RIVET_RUN_ENGINE_PORT says otherwise), storing its data in .demo-data/ (RIVETKIT_STORAGE_PATH);
 * 3. the demo page (Vite, PORT or 5173), which loads the freshly built drop-in file with a script
 *    tag and joins the workspace. The drop-in is built into dist/, or DEMO_DIST_DIR.
 *
 * It stops everything it started, RivetKit's engine included, on SIGINT, SIGTERM or SIGHUP, and when
 * whoever ran it exits. Under `npm start` the signal may never reach this process (npm hands it to
 * the script's shell only; see demo/lifetime.ts), but the death of npm, of its shell or of whoever
 * ran npm does, and is watched for. If this process itself is killed, the registry stops with the
 * engine when its stdin closes, and the reaper (demo/lifetime.ts) stops whatever is left.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createServer, type ViteDevServer } from "vite";
import { stopEmbeddedEngine } from "../src/actors/registry.js";
import { buildDropIn } from "./build.js";
import { AGENTS, findHostAgent, missingCredentials, prepareAgentSlot, type AgentInstall, type AgentName } from "./agents.js";
import { DEMO_AGENT, startDaemon, type Daemon } from "./daemon.js";
import { ignoreBrokenOutput, isAlive, runUntilStopped, startReaper, stopChild } from "./lifetime.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const enginePort = Number(process.env.RIVET_RUN_ENGINE_PORT || 6420);
const storage = resolve(process.env.RIVETKIT_STORAGE_PATH || fileURLToPath(new URL("../.demo-data/rivetkit", import.meta.url)));
const dist = resolve(process.env.DEMO_DIST_DIR || fileURLToPath(new URL("../dist", import.meta.url)));
const embeddedEngine = !process.env.RIVET_ENDPOINT && process.env.KEEP_ENGINE !== "1";
mkdirSync(storage, { recursive: true });

// Whoever ran us may be gone, and our stdout with it: the clean-up must not die of EPIPE.
ignoreBrokenOutput();
const reaper = startReaper();
let daemon: Daemon | undefined;
let registry: ChildProcess | undefined;
let vite: ViteDevServer | undefined;
let stopping: Promise<void> | undefined;

await runUntilStopped("npm start", start, stop, () => stopping !== undefined);

async function start(): Promise<void> {
  let sandboxUrl = process.env.SANDBOX_AGENT_URL;
  const agent = process.env.WORKSPACE_AGENT || (sandboxUrl ? "claude" : DEMO_AGENT);
  // A real agent in our own daemon: found, with credentials, before anything starts.
  const real = !sandboxUrl && agent !== DEMO_AGENT ? await hostAgent(agent) : undefined;

  // The page loads the drop-in file the way a host would: build it first.
  await buildDropIn(dist);
  if (stopping) return;

  if (!sandboxUrl) {
    // Its own process group (with its agents), so a terminal's signals do not reach it: stopped by us or the reaper.
    daemon = await startDaemon({
      port: Number(process.env.SANDBOX_AGENT_PORT) || undefined,
      onSpawn: (pid, dataDir) => reaper.group(pid, dataDir),
      prepare: real
        ? async (dataDir) => {
            await prepareAgentSlot({ dataDir, agent: real.agent, install: real });
          }
        : undefined,
    });
    sandboxUrl = daemon.url;
    console.log(`sandbox-agent daemon   ${daemon.url} (${real ? `${real.agent}: ${real.versions.join(", ")}, with your credentials` : `demo agent as "${DEMO_AGENT}"`})`);
  } else {
    console.log(`sandbox-agent daemon   ${sandboxUrl} (SANDBOX_AGENT_URL)`);
  }
  if (stopping) return;

  const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL("./registry.ts", import.meta.url))], {
    cwd: root,
    env: {
      ...process.env,
      SANDBOX_AGENT_URL: sandboxUrl,
      WORKSPACE_AGENT: agent,
      RIVETKIT_STORAGE_PATH: storage,
      RIVET_RUN_ENGINE_PORT: String(enginePort),
    },
    // stdin stays a pipe: it closing tells the registry we are gone.
    stdio: ["pipe", "pipe", "inherit"],
  });
  registry = child;
  child.stdin!.on("error", () => undefined);
  if (child.pid) reaper.process(child.pid, 30_000);
  if (embeddedEngine) reaper.engine(storage);
  const endpoint = await new Promise<string>((resolve, reject) => {
    let output = "";
    let ready = false;
    child.once("exit", (code, signal) => reject(new Error(`the registry exited (${code ?? signal}); is port ${enginePort} free?\n${output}`)));
    child.once("error", reject);
    // Read it all along (a full pipe would block the registry's writes), keep what precedes READY.
    child.stdout!.on("data", (chunk: Buffer) => {
      if (ready) return;
      output += chunk;
      const line = /READY (\S+)/.exec(output);
      if (line) {
        ready = true;
        resolve(line[1]);
      }
    });
  });
  console.log(`workspace registry     ${endpoint} (data in ${storage})`);
  if (stopping) return;

  vite = await createServer({
    configFile: fileURLToPath(new URL("../vite.config.ts", import.meta.url)),
    publicDir: dist,
    server: { port: Number(process.env.PORT) || 5173 },
  });
  await vite.listen();
  const page = vite.resolvedUrls?.local[0] ?? "http://127.0.0.1:5173/";
  console.log(`\n  Open ${page}?endpoint=${encodeURIComponent(endpoint)}\n  (a recorded session, without the backend: ${page}replay.html)\n\nCtrl-C stops everything.`);
}

/**
 * The real agent `WORKSPACE_AGENT` names, as this host installed it, or a clear error: which agents
 * the demo's daemon can run, how to install one, which credentials it lacks.
 */
async function hostAgent(name: string): Promise<AgentInstall> {
  if (!(AGENTS as readonly string[]).includes(name)) {
    throw new Error(`WORKSPACE_AGENT=${name}: the demo's own daemon runs the demo agent ("${DEMO_AGENT}"), ${AGENTS.join(", ")}. For another agent, run a sandbox-agent daemon that has it and set SANDBOX_AGENT_URL.`);
  }
  const agent = name as AgentName;
  const install = await findHostAgent(agent);
  const missing = missingCredentials(agent);
  if (missing) throw new Error(`WORKSPACE_AGENT=${agent}: ${missing}`);
  return install;
}

/** Stops what started, newest first, and exits. Once: a second call returns the first one's promise. */
function stop(why: string, code = 0): Promise<void> {
  stopping ??= (async () => {
    console.log(`\nstopping (${why})…`);
    await Promise.race([vite?.close(), sleep(3_000)]).catch(() => undefined);
    // A `stop` line (it may have had our signal too), SIGKILL after 25 s.
    if (registry) await stopChild(registry, 25_000);
    // The registry stops the engine; if it could not (killed, or stopped while starting), we do.
    if (embeddedEngine && engineRunning()) await stopEmbeddedEngine(storage).catch(() => undefined);
    await daemon?.stop();
    reaper.done();
    process.exit(code);
  })();
  return stopping;
}


/** Whether the engine named in the storage's runtime.json runs (and is an engine, not a reused pid). */
function engineRunning(): boolean {
  const runtime = join(storage, ".rivetkit", "var", "engine", "runtime.json");
  if (!existsSync(runtime)) return false;
  try {
    const pid = Number((JSON.parse(readFileSync(runtime, "utf8")) as { pid?: unknown }).pid);
    if (!Number.isInteger(pid) || !isAlive(pid)) return false;
    return process.platform !== "linux" || readFileSync(`/proc/${pid}/cmdline`, "latin1").includes("rivet-engine");
  } catch {
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
