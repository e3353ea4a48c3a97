/**
 * Runs the real sandbox-agent daemon (npm `@sandbox-agent/cli`) with the demo agent
 * (demo/agent/agent.ts) installed in its `mock` slot. Used by `npm start` and by tests.
 *
 *   const daemon = await startDaemon();          // free port, fresh data dir, no token
 *   const sdk = await SandboxAgent.connect({ baseUrl: daemon.url });
 *   const session = await sdk.createSession({ agent: "mock" });
 *   ...
 *   await daemon.stop();                         // daemon, its agents and the temp dir are gone
 *
 * The daemon runs agents from `$XDG_DATA_HOME/sandbox-agent/bin/agent_processes/<agent>-acp`, so
 * each daemon gets its own XDG_DATA_HOME with a `mock-acp` launcher that starts the demo agent.
 * POSIX only (the launcher is a shell script).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { constants as fsConstants, rmSync } from "node:fs";
import { access, chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export interface DaemonOptions {
  /** Port to listen on (127.0.0.1); a free one when omitted. */
  port?: number;
  /** Extra environment for the daemon and the agents it starts, e.g. `{ DEMO_AGENT_DELAY_MS: "0" }`. */
  env?: Record<string, string>;
  /**
   * The daemon's XDG_DATA_HOME. Omitted: a fresh temp dir, removed by `stop()`. Given: kept, so a
   * restarted daemon can reuse it.
   */
  dataDir?: string;
  /** Require this bearer token (`--token`); omitted: `--no-token`. */
  token?: string;
  /**
   * Runs once the data dir exists, before the daemon starts: installs more agents in its slots
   * (demo/agents.ts `prepareAgentSlot`).
   */
  prepare?: (dataDir: string) => Promise<void>;
  /** How long to wait for `GET /v1/health` (default 15 s). */
  startTimeoutMs?: number;
  /** Receives the daemon's log lines (default: the last 50 are kept for error messages only). */
  onLog?: (line: string) => void;
  /**
   * Called as soon as the daemon runs, before it answers: its pid (which is its process group's)
   * and data dir, for a watcher that must stop it if this process dies (demo/lifetime.ts's reaper).
   */
  onSpawn?: (pid: number, dataDir: string) => void;
}

export interface Daemon {
  /** `http://127.0.0.1:<port>`: the `baseUrl` for `SandboxAgent.connect`. */
  url: string;
  port: number;
  dataDir: string;
  /** The daemon's pid; it leads its own process group, which its agents join. */
  pid: number;
  token?: string;
  /** Resolves with the exit code (or null after a signal) once the daemon has exited. */
  exited: Promise<number | null>;
  /** SIGTERM to the daemon and its agents (SIGKILL after 3 s), then removes a temp data dir. */
  stop(): Promise<void>;
  /** Sends `signal` (default SIGKILL) to the daemon's process group at once, e.g. to test a crash. */
  kill(signal?: NodeJS.Signals): void;
}

/** The agent name the demo agent answers to. */
export const DEMO_AGENT = "mock";

const localRequire = createRequire(import.meta.url);
const AGENT_ENTRY = fileURLToPath(new URL("./agent/agent.ts", import.meta.url));

/** The platform binary that `@sandbox-agent/cli`'s JS wrapper would run. */
export function daemonBinaryPath(): string {
  const platformPackage = `@sandbox-agent/cli-${process.platform}-${process.arch}`;
  // Resolve from the wrapper package, where npm puts its optional platform dependency.
  const fromCli = createRequire(localRequire.resolve("@sandbox-agent/cli/package.json"));
  const packageJson = fromCli.resolve(`${platformPackage}/package.json`);
  return join(dirname(packageJson), "bin", process.platform === "win32" ? "sandbox-agent.exe" : "sandbox-agent");
}

/** npm 11 skips the platform package's `chmod +x` postinstall; make sure the binary can run. */
async function ensureExecutable(path: string): Promise<void> {
  try {
    await access(path, fsConstants.X_OK);
  } catch {
    await chmod(path, 0o755);
  }
}

/**
 * The `mock-acp` launcher: the demo agent under this Node with tsx, absolute paths only (the daemon
 * starts agents in its own cwd). The daemon passes its environment on, DEMO_AGENT_DELAY_MS included.
 */
export async function installDemoAgent(dataDir: string): Promise<string> {
  const dir = join(dataDir, "sandbox-agent", "bin", "agent_processes");
  await mkdir(dir, { recursive: true });
  const launcher = join(dir, `${DEMO_AGENT}-acp`);
  const tsx = localRequire.resolve("tsx"); // the ESM loader registered by `--import tsx`
  const script = [
    "#!/bin/sh",
    "# Written by sandbox-workspace's demo/daemon.ts: the scripted demo agent in the `mock` slot.",
    `exec ${shellQuote(process.execPath)} --import ${shellQuote(pathToFileURL(tsx).href)} ${shellQuote(AGENT_ENTRY)} "$@"`,
    "",
  ].join("\n");
  await writeFile(launcher, script, { mode: 0o755 });
  await chmod(launcher, 0o755);
  return launcher;
}

/**
 * A launcher for the daemon binary that adds `--no-telemetry`, for sandbox-agent's `local` provider,
 * which starts `<binary> server --host … --port … --token …` and has no option for it. Written to
 * `<dir>/sandbox-agent-server`; point the provider's `binaryPath` (or `SANDBOX_AGENT_BIN`) at it.
 */
export async function installDaemonLauncher(dir: string): Promise<string> {
  const binary = daemonBinaryPath();
  await ensureExecutable(binary);
  await mkdir(dir, { recursive: true });
  const launcher = join(dir, "sandbox-agent-server");
  const script = [
    "#!/bin/sh",
    "# Written by sandbox-workspace's demo/daemon.ts: the sandbox-agent daemon, without telemetry.",
    `exec ${shellQuote(binary)} "$@" --no-telemetry`,
    "",
  ].join("\n");
  await writeFile(launcher, script, { mode: 0o755 });
  await chmod(launcher, 0o755);
  return launcher;
}

export async function startDaemon(options: DaemonOptions = {}): Promise<Daemon> {
  const binary = daemonBinaryPath();
  await ensureExecutable(binary);
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), "sandbox-workspace-daemon-")));
  const env: Record<string, string | undefined> = {
    ...process.env,
    // Logs to stdout instead of a file under the data dir, so startup errors can be shown.
    SANDBOX_AGENT_LOG_STDOUT: "1",
    ...options.env,
    XDG_DATA_HOME: dataDir,
  };
  await installDemoAgent(dataDir);
  try {
    await options.prepare?.(dataDir);
  } catch (error) {
    if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const port = options.port ?? (await freePort());

  const args = ["server", "--no-telemetry", "-H", "127.0.0.1", "-p", String(port)];
  args.push(...(options.token ? ["--token", options.token] : ["--no-token"]));
  // Its own process group (detached), so stop() reaches the agents it spawned too.
  const child = spawn(binary, args, { env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const logs = collectLogs(child, options.onLog);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const pid = await new Promise<number>((resolve, reject) => {
    child.once("spawn", () => resolve(child.pid!));
    child.once("error", reject);
  }).catch(async (error) => {
    if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
    throw error;
  });
  options.onSpawn?.(pid, dataDir);

  let running = true;
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // Already gone.
    }
  };
  // If our process ends without stop(), do not leave the daemon, its agents or its files behind.
  const cleanUpNow = () => {
    signalGroup("SIGKILL");
    if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  atExit(cleanUpNow);
  void exited.then(() => {
    running = false;
  });

  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (running) {
      signalGroup("SIGTERM");
      const timer = setTimeout(() => signalGroup("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
    }
    // Agents can outlive the daemon for a moment; the group is theirs too.
    signalGroup("SIGKILL");
    cancelAtExit(cleanUpNow);
    if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
  };

  try {
    await waitForHealth(url, options.token, exited, options.startTimeoutMs ?? 15_000);
  } catch (error) {
    await stop();
    throw new Error(`sandbox-agent daemon did not start on port ${port}: ${(error as Error).message}\n${logs().join("\n")}`);
  }
  return { url, port, dataDir, pid, token: options.token, exited, stop, kill: (signal = "SIGKILL") => signalGroup(signal) };
}

/**
 * Clean-ups for daemons not stopped yet, run when this process exits or is told to (Ctrl-C):
 * the daemon sits in its own process group, so the terminal's SIGINT does not reach it.
 */
const cleanUps = new Set<() => void>();
const EXIT_SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

function runCleanUps(): void {
  for (const cleanUp of [...cleanUps]) {
    try {
      cleanUp();
    } catch {
      // Best effort: the process is going away.
    }
  }
  cleanUps.clear();
}

function onExitSignal(signal: NodeJS.Signals): void {
  runCleanUps();
  unhookExit();
  // Nobody else handles it: die of the signal, as we would have without this handler.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function atExit(cleanUp: () => void): void {
  if (cleanUps.size === 0) {
    process.on("exit", runCleanUps);
    for (const signal of EXIT_SIGNALS) process.on(signal, onExitSignal);
  }
  cleanUps.add(cleanUp);
}

function cancelAtExit(cleanUp: () => void): void {
  if (cleanUps.delete(cleanUp) && cleanUps.size === 0) unhookExit();
}

function unhookExit(): void {
  process.off("exit", runCleanUps);
  for (const signal of EXIT_SIGNALS) process.off(signal, onExitSignal);
}

async function waitForHealth(url: string, token: string | undefined, exited: Promise<number | null>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  for (;;) {
    if (exitCode !== undefined) throw new Error(`it exited with code ${exitCode}`);
    try {
      const response = await fetch(`${url}/v1/health`, { headers, signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`no healthy answer from ${url}/v1/health within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A port the OS says is free right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Keeps the last lines of output for error messages, and forwards them if asked. */
function collectLogs(child: ChildProcess, onLog?: (line: string) => void): () => string[] {
  const last: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    let partial = "";
    stream?.setEncoding("utf8");
    stream?.on("data", (data: string) => {
      const parts = (partial + data).split("\n");
      partial = parts.pop() ?? "";
      for (const line of parts) {
        last.push(line);
        if (last.length > 50) last.shift();
        onLog?.(line);
      }
    });
  }
  return () => last;
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
