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
// env.ts imports this module to build its registry: nothing here may run at import but declarations.
export { workspaceOptionsFromEnv } from "./env.js";

export type WorkspaceRegistryOptions = WorkspaceActorOptions;

/**
 * With `RIVET_ENDPOINT` set, the registry is a runner of that Rivet Engine: it waits for the engine
 * (and its runner config) before starting, logging why, and never starts an engine of its own (see
 * `waitForEngine`). Without it, RivetKit's embedded engine is started, in production too.
 */
export function createWorkspaceRegistry(options: WorkspaceRegistryOptions) {
  const endpoint = process.env.RIVET_ENDPOINT;
  const registry = setup({
    use: { workspace: createWorkspaceActor(options) },
    noWelcome: true,
    ...(endpoint ? { endpoint: unspawnableEndpoint(endpoint) } : { startEngine: true }),
  });
  if (endpoint) waitForEngine(registry, endpoint);
  return registry;
}

export type WorkspaceRegistry = ReturnType<typeof createWorkspaceRegistry>;

/**
 * RivetKit's native core treats a loopback endpoint (`127.x`, `localhost`, `::1`) as an engine of
 * its own: if nothing answers when the registry starts, it spawns a private engine (with its own
 * database, on port 6420) and crashes about 10 s later. An IPv4-mapped IPv6 address reaches the
 * same engine but is not taken for one to spawn, so `127.x.y.z` is passed on as `[::ffff:127.x.y.z]`.
 */
export function unspawnableEndpoint(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return endpoint; // RivetKit reports a malformed endpoint itself.
  }
  if (!/^127(\.\d{1,3}){3}$/.test(url.hostname)) return endpoint;
  url.hostname = `[::ffff:${url.hostname}]`;
  return endpoint.endsWith("/") ? url.href : url.href.replace(/\/$/, "");
}

/** How long the registry waits between looks at an engine that does not answer yet. */
const ENGINE_RETRY_MS = [1000, 2000, 3000];

/**
 * Makes `registry`'s start wait until the engine at `endpoint` answers its health check and has the
 * runner config this registry runs under, logging each miss ("waiting for the Rivet Engine at …"),
 * and fences RivetKit's engine spawning: `RIVET_ENGINE_BINARY` is pointed at a file that cannot run
 * (unless the host set it), so a spawn attempt (an engine dying between our check and RivetKit's)
 * fails at once instead of starting a private engine. A `shutdown()` meanwhile ends the wait.
 */
function waitForEngine(registry: Startable, endpoint: string): void {
  // Called while env.ts builds its registry, before this module has run (they import each other):
  // only function declarations may be used here, and no named function expressions.
  const start = registry.start.bind(registry);
  const startAndWait = registry.startAndWait.bind(registry);
  const shutdown = registry.shutdown.bind(registry);
  const wait: EngineWait = { registry, endpoint, stopped: new AbortController() };
  registry.start = () => {
    engineReady(wait).then(
      () => start(),
      () => undefined,
    );
  };
  registry.startAndWait = () => engineReady(wait).then(() => startAndWait());
  registry.shutdown = () => {
    wait.stopped.abort();
    return shutdown();
  };
}

interface EngineWait {
  registry: Startable;
  endpoint: string;
  stopped: AbortController;
  answered?: Promise<void>;
}

function engineReady(wait: EngineWait): Promise<void> {
  process.env.RIVET_ENGINE_BINARY ||= "/dev/null";
  wait.answered ??= engineAnswers(wait.registry, wait.endpoint, wait.stopped.signal);
  return wait.answered;
}

/** What of RivetKit's `Registry` the wait wraps. */
interface Startable {
  start(): void;
  startAndWait(): Promise<void>;
  shutdown(): Promise<void>;
  parseConfig(): { namespace: string; token?: string; envoy: { poolName: string } };
}

async function engineAnswers(registry: Startable, endpoint: string, stopped: AbortSignal): Promise<void> {
  const config = registry.parseConfig();
  const base = new URL(endpoint);
  // RivetKit takes a namespace and token from the endpoint's user info; fetch refuses URLs with one.
  base.username = base.password = "";
  const root = base.href.replace(/\/$/, "");
  const headers: Record<string, string> = config.token ? { authorization: `Bearer ${config.token}` } : {};
  const pool = config.envoy.poolName;
  for (let attempt = 0; ; attempt++) {
    let missing: string;
    try {
      const health = await fetch(`${root}/health`, { signal: AbortSignal.any([stopped, AbortSignal.timeout(5000)]) });
      if (health.status >= 500) throw new Error(`HTTP ${health.status}`);
      const list = await fetch(`${root}/runner-configs?namespace=${encodeURIComponent(config.namespace)}&runner_name=${encodeURIComponent(pool)}`, { headers, signal: AbortSignal.any([stopped, AbortSignal.timeout(5000)]) });
      const body = (await list.json().catch(() => undefined)) as { runner_configs?: Record<string, unknown>; message?: string } | undefined;
      if (list.ok && body?.runner_configs?.[pool]) return;
      missing = list.ok
        ? `it has no runner config "${pool}" in namespace "${config.namespace}"; create it: PUT ${root}/runner-configs/${pool}?namespace=${config.namespace} {"datacenters":{"default":{"normal":{}}}}`
        : `it refused to list runner configs: HTTP ${list.status}${body?.message ? ` ${body.message}` : ""}`;
    } catch (error) {
      if (stopped.aborted) throw new Error(`the registry was shut down while waiting for the Rivet Engine at ${root}`);
      missing = `not answering: ${failure(error)}`;
    }
    const delay = ENGINE_RETRY_MS[Math.min(attempt, ENGINE_RETRY_MS.length - 1)];
    console.warn(`waiting for the Rivet Engine at ${root} (${missing}); retrying in ${delay / 1000} s`);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, delay);
      stopped.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
    });
    if (stopped.aborted) throw new Error(`the registry was shut down while waiting for the Rivet Engine at ${root}`);
  }
}

/** A fetch failure as the network tells it (`connect ECONNREFUSED 127.0.0.1:6420`), not "fetch failed". */
function failure(error: unknown): string {
  const cause = (error as { cause?: { message?: string; code?: string } }).cause;
  return cause?.message || (error as Error).message || String(error);
}

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
