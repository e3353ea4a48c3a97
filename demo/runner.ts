/**
 * A runner: the workspace registry (demo/registry.ts) as a process of its own, serving the actors a
 * standalone Rivet Engine gives it (`RIVET_ENDPOINT`). Used by `npm run start:cluster` and the
 * cluster tests; a host runs the same script (or its own) once per machine or container.
 *
 *   const runner = startRunner({ name: "r1", endpoint: engine.endpoint, sandboxUrl: daemon.url });
 *   await runner.ready;            // it printed READY: the engine lists it
 *   runner.keys(mark)              // the workspaces it served since `mark` (RIVET_LOG_LEVEL=info)
 *   await runner.stop();           // SIGTERM, as a deploy does: its actors move to other runners
 *
 * Its stdin is a pipe from us: if we die, it stops (demo/registry.ts), so no runner outlives its starter.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const REGISTRY_SCRIPT = fileURLToPath(new URL("./registry.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("..", import.meta.url));

export interface RunnerOptions {
  /** For messages: "r1". */
  name: string;
  /** The engine: RIVET_ENDPOINT. */
  endpoint: string;
  sandboxUrl: string;
  sandboxToken?: string;
  /** More environment (WORKSPACE_AGENT, RIVET_TOKEN, RIVET_ENVOY_VERSION, ...). RIVET_LOG_LEVEL is `info` unless set here. */
  env?: Record<string, string>;
  /** How long `ready` waits for READY (default 60 s); 0: forever. */
  readyTimeoutMs?: number;
  /** Each line it prints (stdout and stderr). */
  onLog?: (line: string) => void;
  /** Keep everything it prints for `output()` and `keys()` (default true). */
  keepOutput?: boolean;
}

export interface Runner {
  name: string;
  pid: number;
  child: ChildProcess;
  /** Resolves once it printed READY; rejects if it exits first or the wait runs out. */
  ready: Promise<void>;
  /** Resolves once it has exited. */
  exited: Promise<void>;
  /** What it printed so far. */
  output(): string;
  /** A position in its output, for `keys(from)`. */
  mark(): number;
  /** The actor keys (workspace ids) in its log after `from`: the workspaces it served since. */
  keys(from?: number): Set<string>;
  /** SIGTERM (its actors hand over to other runners), SIGKILL after `killAfterMs` (default 20 s); resolves once it has exited. */
  stop(killAfterMs?: number): Promise<void>;
  /** SIGKILL, as a crash would; resolves once it has exited. */
  kill(): Promise<void>;
}

export function startRunner(options: RunnerOptions): Runner {
  const child = spawn(process.execPath, ["--import", "tsx", REGISTRY_SCRIPT], {
    cwd: ROOT,
    env: {
      ...process.env,
      RIVET_LOG_LEVEL: "info",
      RIVET_RUN_SERVICES: "0",
      WORKSPACE_AGENT: "mock",
      ...options.env,
      RIVET_ENDPOINT: options.endpoint,
      SANDBOX_AGENT_URL: options.sandboxUrl,
      SANDBOX_AGENT_TOKEN: options.sandboxToken ?? "",
    },
    // stdin stays a pipe: its end tells the runner we are gone.
    stdio: ["pipe", "pipe", "pipe"],
  });
  child.stdin!.on("error", () => undefined);
  let output = "";
  let partial = "";
  let printedReady = false;
  let onReady: (() => void) | undefined;
  const keep = options.keepOutput ?? true;
  const onData = (chunk: Buffer) => {
    const text = chunk.toString("utf8");
    if (keep) output += text;
    const lines = (partial + text).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      if (!printedReady && /^READY /.test(line)) {
        printedReady = true;
        onReady?.();
      }
      options.onLog?.(line);
    }
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  let running = true;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  void exited.then(() => (running = false));

  const ready = new Promise<void>((resolve, reject) => {
    const timeoutMs = options.readyTimeoutMs ?? 60_000;
    const timer = timeoutMs > 0 ? setTimeout(() => reject(new Error(`runner ${options.name} printed no READY within ${timeoutMs} ms:\n${tail(output)}`)), timeoutMs) : undefined;
    onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`runner ${options.name} exited (${child.exitCode ?? child.signalCode}) before READY:\n${tail(output)}`));
    });
  });
  // Whoever awaits it sees the failure; nobody awaiting it must not crash the process.
  ready.catch(() => undefined);

  const signal = (name: NodeJS.Signals) => {
    if (running) child.kill(name);
  };
  return {
    name: options.name,
    pid: child.pid!,
    child,
    ready,
    exited,
    output: () => output,
    mark: () => output.length,
    keys: (from = 0) => new Set([...output.slice(from).matchAll(/actor_key=([^\s"]+)/g)].map((match) => match[1])),
    stop: async (killAfterMs = 20_000) => {
      signal("SIGTERM");
      const timer = setTimeout(() => signal("SIGKILL"), killAfterMs);
      await exited;
      clearTimeout(timer);
    },
    kill: async () => {
      signal("SIGKILL");
      await exited;
    },
  };
}

function tail(text: string, lines = 30): string {
  return text.split("\n").slice(-lines).join("\n");
}
