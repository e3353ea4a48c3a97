/**
 * A standalone Rivet Engine from node_modules (the `rivet-engine` binary of `@rivetkit/engine-cli`,
 * which RivetKit installs), with file-system storage: what `npm run start:cluster` and the cluster
 * tests run the registry's runners against. One node; no database or NATS service needed. With
 * `storage` (Postgres and NATS, demo/datastores.ts) two or more nodes share one cluster.
 *
 *   const engine = await startEngine({ dir: ".demo-data/cluster/engine" });   // free ports
 *   await ensureRunnerConfig(engine.endpoint);    // before the first runner connects
 *   ...RIVET_ENDPOINT=engine.endpoint node --import tsx demo/registry.ts...
 *   await engine.stop();
 *
 * `dir` holds `config.json` (written on each start), `db/` (RocksDB: everything the engine stores,
 * actors' SQLite included, so a restart on the same dir keeps it) and `engine.log`.
 */
import { spawn } from "node:child_process";
import { closeSync, constants as fsConstants, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { access, chmod } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { freePort } from "./daemon.js";
import { isAlive } from "./lifetime.js";

export interface EnginePorts {
  /** Clients, runners and the management API: the endpoint. */
  guard: number;
  /** Engine to engine. */
  apiPeer: number;
  /** Prometheus metrics. */
  metrics: number;
}

export interface EngineOptions {
  /** Config, storage and log; created if missing, reused as it is (a restart keeps the data). */
  dir: string;
  /** Free ports when omitted. */
  ports?: EnginePorts;
  /** `auth.admin_token`: runners then need `RIVET_TOKEN` set to it. */
  adminToken?: string;
  /**
   * How long (ms) a runner may stay silent before the engine gives it up (`envoy_lost_threshold`),
   * and how long one must have been seen to be given actors (`envoy_eligible_threshold`). Default
   * 7000/5000, as RivetKit's embedded engine: a runner crash costs clients about 11-12 s instead of
   * 16-27 s with the engine's own defaults. Lower than this, healthy runners flap.
   */
  thresholds?: { lostMs: number; eligibleMs: number };
  /**
   * Postgres and NATS (demo/datastores.ts) in place of file-system storage: what two or more engine
   * nodes share. Every node is given the same.
   */
  storage?: { postgres: string; nats: string[] };
  /** How long to wait for the engine's health check (default 30 s). */
  startTimeoutMs?: number;
  /** Called as soon as it runs, before it answers (a reaper's `process(pid, …)`). */
  onSpawn?: (pid: number) => void;
  /**
   * SIGKILL it when this process gets SIGINT, SIGTERM or SIGHUP (default true): it runs in its
   * own process group, so a terminal's Ctrl-C does not reach it. A host that handles those signals
   * and stops the engine itself, in order, sets false. Either way it is SIGKILLed when this process exits.
   */
  killOnSignal?: boolean;
}

export interface Engine {
  /** `http://127.0.0.1:<guard>`: RIVET_ENDPOINT for runners, the endpoint for clients. */
  endpoint: string;
  ports: EnginePorts;
  dir: string;
  configPath: string;
  logPath: string;
  pid: number;
  /** Resolves once the process has exited. */
  exited: Promise<void>;
  /** SIGTERM, SIGKILL after `killAfterMs` (default 5 s); resolves once it has exited. */
  stop(killAfterMs?: number): Promise<void>;
  /** SIGKILL, as a crash would; resolves once it has exited. */
  kill(): Promise<void>;
}

const localRequire = createRequire(import.meta.url);

/** The `rivet-engine` binary that RivetKit's own `@rivetkit/engine-cli` would run here. */
export function engineBinaryPath(): string {
  // Resolved from rivetkit, which depends on the resolver package; the resolver's own
  // RIVET_ENGINE_BINARY override is not used (runners set it to fence RivetKit's spawning).
  const fromRivetkit = createRequire(localRequire.resolve("rivetkit"));
  const cliPackage = fromRivetkit.resolve("@rivetkit/engine-cli/package.json");
  const cli = createRequire(cliPackage)("./index.js") as { getPlatformPackageName(): string | null };
  const platformPackage = cli.getPlatformPackageName();
  if (!platformPackage) throw new Error(`no rivet-engine binary is published for ${process.platform}/${process.arch}`);
  const packageJson = createRequire(cliPackage).resolve(`${platformPackage}/package.json`);
  return join(dirname(packageJson), process.platform === "win32" ? "rivet-engine.exe" : "rivet-engine");
}

/** The engine's config: storage in `dir/db` (or Postgres and NATS), an explicit one-datacenter topology, no telemetry, short shutdowns. */
export function engineConfig(dir: string, ports: EnginePorts, options: Pick<EngineOptions, "adminToken" | "thresholds" | "storage"> = {}): object {
  const { lostMs, eligibleMs } = options.thresholds ?? { lostMs: 7000, eligibleMs: 5000 };
  const url = (port: number) => `http://127.0.0.1:${port}`;
  return {
    guard: { host: "127.0.0.1", port: ports.guard },
    api_peer: { host: "127.0.0.1", port: ports.apiPeer },
    metrics: { host: "127.0.0.1", port: ports.metrics },
    ...(options.storage
      ? // Postgres over NATS: the nodes' shared store, and their pub/sub.
        { postgres: { url: options.storage.postgres, nats: { addresses: options.storage.nats } }, nats: { addresses: options.storage.nats } }
      : { file_system: { path: join(resolve(dir), "db") } }),
    telemetry: { enabled: false },
    // Without it the engine tells clients its datacenter is at http://127.0.0.1:6420.
    topology: {
      datacenter_label: 1,
      datacenters: [{ name: "default", datacenter_label: 1, is_leader: true, public_url: url(ports.guard), peer_url: url(ports.apiPeer) }],
    },
    pegboard: { envoy_lost_threshold: lostMs, envoy_eligible_threshold: eligibleMs, runner_lost_threshold: lostMs, runner_eligible_threshold: eligibleMs },
    // Seconds; the defaults keep a stopping engine up for minutes.
    runtime: { guard_shutdown_duration: 1, worker_shutdown_duration: 1, force_shutdown_duration: 2 },
    ...(options.adminToken ? { auth: { admin_token: options.adminToken } } : {}),
  };
}

/** Starts the engine and waits until it answers. With ports of its own choosing, a port taken meanwhile makes it try others. */
export async function startEngine(options: EngineOptions): Promise<Engine> {
  for (let attempt = 1; ; attempt++) {
    const ports = options.ports ?? (await freePorts());
    try {
      return await startEngineOnce({ ...options, ports });
    } catch (error) {
      if (options.ports || attempt >= 3 || !(error as { exitedEarly?: boolean }).exitedEarly) throw error;
    }
  }
}

async function startEngineOnce(options: EngineOptions & { ports: EnginePorts }): Promise<Engine> {
  const binary = engineBinaryPath();
  // npm 11 may skip the platform package's chmod.
  await access(binary, fsConstants.X_OK).catch(() => chmod(binary, 0o755));
  const dir = resolve(options.dir);
  mkdirSync(join(dir, "db"), { recursive: true });
  const configPath = join(dir, "config.json");
  const logPath = join(dir, "engine.log");
  writeFileSync(configPath, `${JSON.stringify(engineConfig(dir, options.ports, options), null, 2)}\n`);
  // Its output goes to a file, not to us: it must not depend on our pipes (we may die first).
  const log = openSync(logPath, "a");
  // Its own process group: a terminal's Ctrl-C reaches whoever started it, which stops it in order.
  const child = spawn(binary, ["--config", configPath, "start"], { cwd: dir, detached: true, stdio: ["ignore", log, log] });
  closeSync(log);
  const pid = await new Promise<number>((resolvePid, reject) => {
    child.once("spawn", () => resolvePid(child.pid!));
    child.once("error", reject);
  });
  options.onSpawn?.(pid);
  let running = true;
  const exited = new Promise<void>((resolveExit) => child.once("exit", () => resolveExit()));
  void exited.then(() => (running = false));
  // If our process ends first (a failed test, --test-force-exit, Ctrl-C), the engine goes with it.
  killWithProcess(pid, exited, options.killOnSignal ?? true);

  const stop = async (killAfterMs = 5000) => {
    if (!running) return;
    signal(pid, "SIGTERM");
    const timer = setTimeout(() => signal(pid, "SIGKILL"), killAfterMs);
    await exited;
    clearTimeout(timer);
  };
  const endpoint = `http://127.0.0.1:${options.ports.guard}`;
  try {
    await answers(endpoint, exited, options.startTimeoutMs ?? 30_000);
  } catch (error) {
    const early = !running;
    await stop(0);
    const log = readFileSync(logPath, "utf8").split("\n").slice(-15).join("\n");
    throw Object.assign(new Error(`rivet-engine did not start (${(error as Error).message}); the end of ${logPath}:\n${log}`), { exitedEarly: early });
  }
  return {
    endpoint,
    ports: options.ports,
    dir,
    configPath,
    logPath,
    pid,
    exited,
    stop,
    kill: async () => {
      signal(pid, "SIGKILL");
      await exited;
    },
  };
}

/**
 * Creates the runner config `pool` (default `default`) in `namespace` unless it exists. A fresh
 * engine has none, and refuses every runner until it has (`ws.no_runner_config`). Right after its
 * first start the engine answers its health check before its default namespace exists (HTTP 400
 * `namespace.not_found`, or 500, for about half a second): retried for up to `timeoutMs` (30 s).
 */
export async function ensureRunnerConfig(endpoint: string, options: { namespace?: string; pool?: string; token?: string; timeoutMs?: number } = {}): Promise<void> {
  const namespace = encodeURIComponent(options.namespace ?? "default");
  const pool = encodeURIComponent(options.pool ?? "default");
  const headers: Record<string, string> = { "content-type": "application/json", ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) };
  const url = `${endpoint}/runner-configs/${pool}?namespace=${namespace}`;
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    let failure: string;
    try {
      const response = await fetch(url, { method: "PUT", headers, body: JSON.stringify({ datacenters: { default: { normal: {} } } }), signal: AbortSignal.timeout(10_000) });
      if (response.ok) return;
      failure = `HTTP ${response.status} ${await response.text()}`;
      // A wrong token will not change by waiting; the default namespace may not exist yet.
      if (response.status === 401 || response.status === 403) throw new Error(`PUT ${url}: ${failure}`);
    } catch (error) {
      if ((error as Error).message.startsWith("PUT ")) throw error;
      failure = String((error as Error).message);
    }
    if (Date.now() > deadline) throw new Error(`PUT ${url}: ${failure}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Three distinct ports free right now. */
async function freePorts(): Promise<EnginePorts> {
  const ports = new Set<number>();
  while (ports.size < 3) ports.add(await freePort());
  const [guard, apiPeer, metrics] = [...ports];
  return { guard, apiPeer, metrics };
}

async function answers(endpoint: string, exited: Promise<void>, timeoutMs: number): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (gone) throw new Error("it exited");
    try {
      if ((await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) })).ok) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`no healthy answer from ${endpoint}/health within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const EXIT_SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/** SIGKILLs `pid` when this process exits (and, with `onSignals`, when told to) before it has. */
export function killWithProcess(pid: number, exited: Promise<void>, onSignals: boolean): void {
  const kill = () => signal(pid, "SIGKILL");
  const onSignal = (name: NodeJS.Signals) => {
    kill();
    unhook();
    // Nobody else handles it: die of it, as we would have without this listener.
    if (process.listenerCount(name) === 0) process.kill(process.pid, name);
  };
  const unhook = () => {
    process.off("exit", kill);
    if (onSignals) for (const name of EXIT_SIGNALS) process.off(name, onSignal);
  };
  process.on("exit", kill);
  if (onSignals) for (const name of EXIT_SIGNALS) process.on(name, onSignal);
  void exited.then(unhook);
}

export function signal(pid: number, name: NodeJS.Signals): void {
  try {
    if (isAlive(pid)) process.kill(pid, name);
  } catch {
    // Already gone.
  }
}
