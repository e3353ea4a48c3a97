/**
 * `npm start` leaves nothing behind: however it is stopped, the daemon, the registry, RivetKit's
 * engine (started orphaned on purpose), the agent and every other process it started are gone, and
 * the engine's, the daemon's and the page's ports are free.
 *
 * Each case runs the real `npm start` (two run the script behind it, `node --import tsx
 * demo/start.ts`, to which signals go straight) on free ports with its own RivetKit storage (never
 * .demo-data or port 6420) and the drop-in built into a temporary directory (never dist/), waits for
 * the page's URL, records every process it started (the whole process tree, read from /proc while it
 * starts, and the engine's pid from runtime.json), stops it one way, and waits for all of them to be
 * gone. Whatever a case started is SIGKILLed by pid when it ends, pass, fail or time-out.
 * Linux only (/proc).
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, describe, it, type TestContext } from "node:test";
import { createClient } from "rivetkit/client";
import { isAlive, processInfo } from "../../../demo/lifetime.js";
import type { WorkspaceRegistry } from "../../../src/actors/registry.js";
import { runPrompt } from "../../../src/protocol/index.js";
import { FAKE_API_KEY, WORK_FILES, scenario, startFakeModel } from "../../agents/index.js";

// The client's reconnect warnings after the stop are expected.
process.env.RIVET_LOG_LEVEL ??= "error";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const READY_MS = 120_000;
const GONE_MS = 60_000;
/** Start-up, a turn's start (one case), the stop, and slack. */
const CASE_MS = 2 * READY_MS + GONE_MS + 30_000;
const dist = mkdtempSync(join(tmpdir(), "sandbox-workspace-start-dist-"));
/** Every run not cleaned up yet: a case that timed out is cancelled without running its `finally`. */
const runs = new Set<Run>();
after(async () => {
  for (const run of runs) await cleanUp(run);
  rmSync(dist, { recursive: true, force: true });
});
// Last resort if the process exits first (--test-force-exit): SIGKILL what is left, synchronously.
process.on("exit", () => runs.forEach(killAll));


interface Proc {
  pid: number;
  start: string;
  cmd: string;
  /** A daemon's XDG_DATA_HOME: a temp dir its start.ts would have removed. */
  dataDir?: string;
}

interface Run {
  /** What the test spawned: npm, or the small parent that runs npm. */
  root: ChildProcess;
  rootExited: Promise<void>;
  output: () => string;
  /** Every process seen in the root's tree, by pid. */
  seen: Map<number, Proc>;
  ports: number[];
  storage: string;
  engine?: number;
  startedIn: number;
}

/** A port the OS says is free, and (for the engine) the two above it it also binds. */
async function freePorts(offsets: number[]): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await listenOn(0);
    if (port + Math.max(...offsets) > 65535) continue;
    if ((await Promise.all(offsets.map((offset) => isFree(port + offset)))).every(Boolean)) return port;
  }
  throw new Error("no free ports");
}

function listenOn(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

const isFree = (port: number) => listenOn(port).then(
  () => true,
  () => false,
);

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "latin1").replace(/\s+|\0/g, " ").trim();
  } catch {
    return "";
  }
}

/** Adds every live process under `rootPid` to `seen`. */
function collect(rootPid: number, seen: Map<number, Proc>): void {
  const children = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const info = processInfo(pid);
    if (!info) continue;
    children.set(info.ppid, [...(children.get(info.ppid) ?? []), pid]);
  }
  const queue = [rootPid];
  while (queue.length) {
    const pid = queue.shift()!;
    const info = processInfo(pid);
    // Read again each time: a child seen between fork and exec still shows its parent's command line.
    if (info && (info.state !== "Z" || !seen.has(pid))) {
      const cmd = cmdline(pid).slice(0, 160);
      const dataDir = cmd.includes("sandbox-agent server") ? /(?:^|\0)XDG_DATA_HOME=([^\0]*)/.exec(environ(pid))?.[1] : undefined;
      seen.set(pid, { pid, start: info.start, cmd, dataDir });
    }
    queue.push(...(children.get(pid) ?? []));
  }
}

function environ(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/environ`, "latin1");
  } catch {
    return "";
  }
}

function enginePid(storage: string): number | undefined {
  try {
    return Number((JSON.parse(readFileSync(join(storage, ".rivetkit", "var", "engine", "runtime.json"), "utf8")) as { pid: unknown }).pid);
  } catch {
    return undefined;
  }
}

/** The environment without the npm_* variables of a test run under npm: start.ts reads them. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!/^npm_/i.test(key)) env[key] = value;
  return { ...env, ...extra };
}

/**
 * How a case runs the demo: `npm start`; `npm start` under a small parent process; or the script
 * behind it, `node --import tsx demo/start.ts`, which gets the signals npm would not pass on.
 */
type Launch = "npm" | "parent" | "node";

/** Starts the demo in a session of its own (its process group can be signalled as a terminal would), and waits for the page's URL. */
async function launch(how: Launch, extraEnv: Record<string, string> = {}): Promise<Run> {
  const [enginePort, pagePort, daemonPort] = [await freePorts([0, 1, 10]), await freePorts([0]), await freePorts([0])];
  const storage = mkdtempSync(join(tmpdir(), "sandbox-workspace-start-"));
  const env = cleanEnv({
    RIVET_RUN_ENGINE_PORT: String(enginePort),
    PORT: String(pagePort),
    SANDBOX_AGENT_PORT: String(daemonPort),
    RIVETKIT_STORAGE_PATH: storage,
    DEMO_DIST_DIR: dist,
    ...extraEnv,
  });
  const parent = `require("node:child_process").spawn("npm", ["start"], { stdio: "inherit" }); setInterval(() => {}, 60000);`;
  const [command, args] =
    how === "npm" ? ["npm", ["start"]] : how === "parent" ? [process.execPath, ["-e", parent]] : [process.execPath, ["--import", "tsx", "demo/start.ts"]];
  const root = spawn(command, args, { cwd: ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const rootExited = new Promise<void>((resolve) => root.once("exit", () => resolve()));
  let output = "";
  root.stdout!.on("data", (chunk) => (output += chunk));
  root.stderr!.on("data", (chunk) => (output += chunk));
  const seen = new Map<number, Proc>();
  const run: Run = { root, rootExited, output: () => output, seen, ports: [enginePort, enginePort + 1, enginePort + 10, pagePort, daemonPort], storage, startedIn: 0 };
  runs.add(run);
  const began = performance.now();
  let exited = false;
  void rootExited.then(() => (exited = true));
  while (!/Open http:\/\/127\.0\.0\.1:\d+\//.test(output)) {
    collect(root.pid!, seen);
    if (exited) throw Object.assign(new Error(`npm start exited before it was ready:\n${output}`), { run });
    if (performance.now() - began > READY_MS) throw Object.assign(new Error(`npm start was not ready in ${READY_MS} ms:\n${output}`), { run });
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  collect(root.pid!, seen);
  run.startedIn = Math.round(performance.now() - began);
  run.engine = enginePid(storage);
  const page = /Open http:\/\/127\.0\.0\.1:(\d+)\//.exec(output)![1];
  assert.equal(Number(page), pagePort, "the page is on the port it was given");
  return run;
}

/** Which of the processes the run started: each must be there, or the test proves nothing. */
function named(run: Run) {
  const find = (what: string, test: (proc: Proc) => boolean) => {
    const found = [...run.seen.values()].filter(test);
    assert.ok(found.length > 0, `${what} is among the processes seen: ${describeProcs([...run.seen.values()])}`);
    return found[0];
  };
  const start = find("start.ts", (proc) => proc.cmd.includes("demo/start.ts") && !proc.cmd.startsWith("sh"));
  const daemon = find("the daemon", (proc) => proc.cmd.includes("sandbox-agent server") && proc.cmd.includes(`-p ${run.ports[4]}`));
  const registry = find("the registry", (proc) => proc.cmd.includes("demo/registry.ts"));
  assert.ok(run.engine, `the engine's runtime.json names a pid`);
  const engine = find("the engine (runtime.json's pid)", (proc) => proc.pid === run.engine && proc.cmd.includes("rivet-engine"));
  return { start, daemon, registry, engine };
}

function describeProcs(procs: Proc[]): string {
  return procs.map((proc) => `\n  ${proc.pid} ${proc.cmd}`).join("") || " none";
}

/** Waits until the root has exited, every process seen is gone and every port is free. */
async function gone(run: Run): Promise<number> {
  const began = performance.now();
  let rootDone = false;
  void run.rootExited.then(() => (rootDone = true));
  for (;;) {
    const alive = [...run.seen.values()].filter((proc) => isAlive(proc.pid, proc.start));
    const busy: number[] = [];
    for (const port of run.ports) if (!(await isFree(port))) busy.push(port);
    if (rootDone && alive.length === 0 && busy.length === 0) return Math.round(performance.now() - began);
    if (performance.now() - began > GONE_MS) {
      assert.fail(
        `${GONE_MS} ms after the stop: ${rootDone ? "" : "the process the test started is still running; "}` +
          `still alive:${describeProcs(alive)}\nports still bound: ${busy.join(", ") || "none"}\noutput:\n${run.output()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** SIGKILLs whatever the run started that still runs (and the engine runtime.json names), by pid. */
function killAll(run: Run): void {
  collect(run.root.pid!, run.seen);
  const engine = enginePid(run.storage);
  if (engine && !run.seen.has(engine) && cmdline(engine).includes("rivet-engine")) run.seen.set(engine, { pid: engine, start: processInfo(engine)?.start ?? "", cmd: "rivet-engine" });
  for (const proc of run.seen.values()) {
    if (!isAlive(proc.pid, proc.start)) continue;
    try {
      process.kill(proc.pid, "SIGKILL");
    } catch {
      // Gone meanwhile.
    }
  }
}

/** Kills what is left of a run, by pid, and removes its storage and any daemon data dir left. */
async function cleanUp(run: Run): Promise<void> {
  if (!runs.delete(run)) return;
  killAll(run);
  if (run.root.exitCode === null && run.root.signalCode === null) await Promise.race([run.rootExited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
  const temp = tmpdir();
  for (const proc of run.seen.values()) {
    if (proc.dataDir?.startsWith(join(temp, "sandbox-workspace-daemon-"))) rmSync(proc.dataDir, { recursive: true, force: true });
  }
  rmSync(run.storage, { recursive: true, force: true });
}

/**
 * Joins a workspace and starts a slow turn, and waits until the daemon runs the demo agent for it:
 * the stop then finds an actor awake mid-turn and an agent process in the daemon's group.
 */
async function busy(run: Run) {
  const endpoint = /workspace registry\s+(\S+)/.exec(run.output())![1];
  const client = createClient<WorkspaceRegistry>({ endpoint, devtools: false });
  const conn = client.workspace.getOrCreate(["w-start"], { params: { userId: "u-ada", userName: "Ada" } }).connect();
  // Its turn never ends here: the stop comes first.
  void runPrompt(conn, "/slow 200").catch(() => undefined);
  const began = performance.now();
  while (![...run.seen.values()].some((proc) => proc.cmd.includes("demo/agent/agent.ts") && isAlive(proc.pid, proc.start))) {
    if (performance.now() - began > READY_MS) assert.fail(`no agent process ${READY_MS} ms after the prompt:${describeProcs([...run.seen.values()])}\n${run.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    collect(run.root.pid!, run.seen);
  }
  return client;
}

/** One case: start, check what runs, stop it with `stopIt`, and wait for everything to be gone. */
async function stopsEverything(
  t: TestContext,
  stopIt: (run: Run, procs: ReturnType<typeof named>) => void,
  options: { launch?: Launch; stopsItself?: boolean; busy?: boolean } = {},
) {
  let run: Run | undefined;
  let client: Awaited<ReturnType<typeof busy>> | undefined;
  try {
    run = await launch(options.launch ?? "npm").catch((error: Error & { run?: Run }) => {
      run = error.run;
      throw error;
    });
    if (options.busy) client = await busy(run);
    const procs = named(run);
    stopIt(run, procs);
    const stoppedIn = await gone(run);
    const how = /stopping \((.*)\)/.exec(run.output())?.[1];
    t.diagnostic(`ready in ${run.startedIn} ms; all ${run.seen.size} processes gone and ports free ${stoppedIn} ms after the stop; start.ts stopped on: ${how ?? "nothing (killed)"}`);
    if (options.stopsItself !== false) assert.ok(how, "start.ts ran its own clean-up");
  } finally {
    await client?.dispose().catch(() => undefined);
    if (run) await cleanUp(run);
  }
}

const signal = (pid: number, name: NodeJS.Signals) => process.kill(pid, name);

// Linux only, as the daemon's binary is: the process tree is read from /proc.
describe("npm start stops everything it started", () => {
  const bounded = { timeout: CASE_MS };

  it("on Ctrl-C (SIGINT to its process group, as a terminal sends it)", bounded, (t) => stopsEverything(t, (run) => signal(-run.root.pid!, "SIGINT")));

  // npm hands SIGINT to the start script's shell, which holds it until its child exits: the start script execs node so it reaches start.ts.
  it("on SIGINT to npm alone (pm2's stop signal)", bounded, (t) => stopsEverything(t, (run) => signal(run.root.pid!, "SIGINT")));

  it("on SIGTERM to npm alone (a process manager, timeout, a container stop), mid-turn", bounded, (t) =>
    stopsEverything(t, (run) => signal(run.root.pid!, "SIGTERM"), { busy: true }));

  it("on SIGHUP to npm alone", bounded, (t) => stopsEverything(t, (run) => signal(run.root.pid!, "SIGHUP")));

  it("when the process that ran npm is SIGKILLed", bounded, (t) => stopsEverything(t, (run) => signal(run.root.pid!, "SIGKILL"), { launch: "parent" }));

  it("on SIGTERM to `node --import tsx demo/start.ts` (the script behind npm start)", bounded, (t) =>
    stopsEverything(t, (run) => signal(run.root.pid!, "SIGTERM"), { launch: "node" }));

  it("on SIGHUP to `node --import tsx demo/start.ts`", bounded, (t) => stopsEverything(t, (run) => signal(run.root.pid!, "SIGHUP"), { launch: "node" }));

  it("when start.ts itself is SIGKILLed (the registry sees its stdin close, the reaper stops the rest)", bounded, (t) =>
    stopsEverything(t, (_run, procs) => signal(procs.start.pid, "SIGKILL"), { stopsItself: false }));
});

/** Runs `demo/start.ts` with `env` to its exit: its exit code and output. */
async function refused(env: Record<string, string>, unset: string[] = []): Promise<{ code: number | null; output: string; ms: number }> {
  const began = performance.now();
  const full = cleanEnv(env);
  for (const name of unset) delete full[name];
  const child = spawn(process.execPath, ["--import", "tsx", "demo/start.ts"], { cwd: ROOT, env: full, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const code = await new Promise<number | null>((resolve) => child.once("exit", (exitCode) => resolve(exitCode)));
  return { code, output, ms: Math.round(performance.now() - began) };
}

describe("npm start with a real agent (WORKSPACE_AGENT)", () => {
  const bounded = { timeout: CASE_MS };
  const credentialNames = Object.keys(process.env).filter((name) => /^(ANTHROPIC_|CLAUDE_)/.test(name));

  it("names the agents it can run when WORKSPACE_AGENT names another, and starts nothing", bounded, async () => {
    const { code, output } = await refused({ WORKSPACE_AGENT: "amp", DEMO_DIST_DIR: dist });
    assert.equal(code, 1, output);
    assert.match(output, /WORKSPACE_AGENT=amp: the demo's own daemon runs the demo agent \("mock"\), claude, codex, opencode\. For another agent, run a sandbox-agent daemon that has it and set SANDBOX_AGENT_URL\./);
    assert.doesNotMatch(output, /sandbox-agent daemon {3}http/, "no daemon was started");
  });

  it("says which credentials Claude Code lacks, and starts nothing", bounded, async () => {
    const home = mkdtempSync(join(tmpdir(), "sandbox-workspace-start-home-"));
    try {
      const { code, output } = await refused({ WORKSPACE_AGENT: "claude", HOME: home, DEMO_DIST_DIR: dist }, credentialNames);
      assert.equal(code, 1, output);
      assert.match(output, /Claude Code has no credentials: set ANTHROPIC_API_KEY \(or CLAUDE_CODE_OAUTH_TOKEN\), or log in once with Claude Code/);
      assert.doesNotMatch(output, /sandbox-agent daemon {3}http/, "no daemon was started");
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("runs Claude Code with the host's credentials (an ANTHROPIC_BASE_URL and key, here a fake model's), and stops it all", bounded, async (t) => {
    const scratch = mkdtempSync(join(tmpdir(), "sandbox-workspace-start-claude-"));
    const work = join(scratch, "work");
    const home = join(scratch, "home");
    for (const dir of [work, home]) mkdirSync(dir, { recursive: true });
    for (const [name, text] of Object.entries(WORK_FILES)) writeFileSync(join(work, name), text);
    const followup = scenario("followup");
    const model = await startFakeModel({ script: followup.script(work) });
    let run: Run | undefined;
    let client: ReturnType<typeof createClient<WorkspaceRegistry>> | undefined;
    try {
      run = await launch("node", {
        WORKSPACE_AGENT: "claude",
        WORKSPACE_CWD: work,
        HOME: home,
        ANTHROPIC_BASE_URL: model.url,
        ANTHROPIC_API_KEY: FAKE_API_KEY,
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
      }).catch((error: Error & { run?: Run }) => {
        run = error.run;
        throw error;
      });
      assert.match(run.output(), /sandbox-agent daemon {3}\S+ \(claude: @zed-industries\/claude-agent-acp@0\.20\.0, .*with your credentials\)/);
      const endpoint = /workspace registry\s+(\S+)/.exec(run.output())![1];
      client = createClient<WorkspaceRegistry>({ endpoint, devtools: false });
      const conn = client.workspace.getOrCreate(["w-claude"], { params: { userId: "u-ada", userName: "Ada" } }).connect();
      const outcome = await runPrompt(conn, followup.prompts[0]);
      assert.equal(outcome?.stopReason, "end_turn", JSON.stringify(outcome));
      const { events } = await conn.getHistory({ after: 0, limit: 500 });
      const said = events.filter((event: any) => event.payload?.params?.update?.sessionUpdate === "agent_message_chunk").map((event: any) => event.payload.params.update.content.text).join("");
      assert.ok(said.length > 0, "Claude Code answered through the fake model");
      assert.ok(model.requests.some((request) => request.dialect === "anthropic"), "the model it called is the one in its environment");
      collect(run.root.pid!, run.seen);
      signal(run.root.pid!, "SIGTERM");
      const stoppedIn = await gone(run);
      t.diagnostic(`ready in ${run.startedIn} ms; a Claude Code turn; all ${run.seen.size} processes gone ${stoppedIn} ms after SIGTERM`);
    } finally {
      await client?.dispose().catch(() => undefined);
      if (run) await cleanUp(run);
      await model.close();
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
