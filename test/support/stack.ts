/**
 * The real stack for tests: the sandbox-agent daemon with the demo agent, and the workspace
 * registry (RivetKit's embedded engine) in a child process, each on free ports, each cleaned up.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createClient } from "rivetkit/client";
import { stopEmbeddedEngine, type WorkspaceRegistry } from "../../src/actors/registry.js";
import { freePort, startDaemon, type Daemon, type DaemonOptions } from "../../demo/daemon.js";
import { stopChild } from "../../demo/lifetime.js";

const REGISTRY_SCRIPT = fileURLToPath(new URL("../../demo/registry.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface RegistryOptions {
  sandboxUrl: string;
  sandboxToken?: string;
  env?: Record<string, string>;
}

export interface RegistryProcess {
  endpoint: string;
  storage: string;
  port: number;
  /** The registry process (not its engine), for a test that pauses it. */
  pid: number;
  /** Output of the registry process, for failure messages and leak checks. */
  output: () => string;
  /** Stops the registry and its engine; keeps the storage for a restart. */
  stop(): Promise<void>;
  /** SIGKILLs the registry process, as a crash would; its engine runs on, as RivetKit leaves it. */
  kill(): Promise<void>;
  /** Starts a new registry process on the same storage and port. */
  restart(): Promise<RegistryProcess>;
  /** Stops it and deletes its storage. */
  destroy(): Promise<void>;
}

/**
 * Starts the registry process. A start can fail when another process takes one of the engine's
 * three ports between our check and its bind: clean up the engine it may have left, and try again.
 */
export async function startRegistry(options: RegistryOptions, reuse?: { storage: string; port: number }, attempt = 1): Promise<RegistryProcess> {
  try {
    return await startRegistryOnce(options, reuse);
  } catch (error) {
    if (attempt >= 3) throw error;
    await new Promise((resolve) => setTimeout(resolve, 500));
    return startRegistry(options, reuse, attempt + 1);
  }
}

async function startRegistryOnce(options: RegistryOptions, reuse?: { storage: string; port: number }): Promise<RegistryProcess> {
  const storage = reuse?.storage ?? mkdtempSync(join(tmpdir(), "sandbox-workspace-registry-"));
  const port = reuse?.port ?? (await freeEnginePort());
  const { child, endpoint, output } = await startHost(
    REGISTRY_SCRIPT,
    {
      SANDBOX_AGENT_URL: options.sandboxUrl,
      SANDBOX_AGENT_TOKEN: options.sandboxToken ?? "",
      WORKSPACE_AGENT: "mock",
      RIVETKIT_STORAGE_PATH: storage,
      RIVET_RUN_ENGINE_PORT: String(port),
      RIVET_RUN_SERVICES: "0",
      RIVET_LOG_LEVEL: "error",
      ...options.env,
    },
    { storage, keepStorage: !!reuse },
  );
  const stop = () => stopChild(child, 20_000);
  return {
    endpoint,
    storage,
    port,
    pid: child.pid!,
    output,
    stop,
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGKILL");
      await exited;
    },
    restart: async () => {
      await stop();
      return startRegistry(options, { storage, port });
    },
    destroy: async () => {
      await stop();
      // The host stops its engine; make sure, since a stray engine would serve the next test's port.
      await stopEmbeddedEngine(storage);
      rmSync(storage, { recursive: true, force: true });
    },
  };
}

export interface HostProcess {
  child: ChildProcess;
  /** What it printed after `READY`. */
  endpoint: string;
  output: () => string;
}

/**
 * Runs a RivetKit host script (TypeScript, under tsx) that prints `READY <endpoint>` once clients
 * can connect and stops on a `stop` line. If it exits or stays silent for 60 s, its engine is
 * stopped and its storage deleted (unless `keepStorage`), and the start fails with its output.
 */
export async function startHost(script: string, env: Record<string, string>, options: { storage: string; keepStorage?: boolean }): Promise<HostProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", script], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const endpoint = await new Promise<string>((resolve, reject) => {
    const fail = (message: string) => {
      child.kill("SIGKILL");
      void stopEmbeddedEngine(options.storage).finally(() => {
        if (!options.keepStorage) rmSync(options.storage, { recursive: true, force: true });
        reject(new Error(message));
      });
    };
    const timer = setTimeout(() => fail(`${script} did not start in 60 s:\n${output}`), 60_000);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      fail(`${script} exited with ${code}:\n${output}`);
    };
    child.once("exit", onExit);
    child.stdout!.on("data", () => {
      const ready = /READY (\S+)/.exec(output);
      if (ready) {
        clearTimeout(timer);
        child.off("exit", onExit);
        resolve(ready[1]);
      }
    });
  });
  return { child, endpoint, output: () => output };
}


/** The engine also binds port+1 and port+10: find a port where all three are free. */
export async function freeEnginePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await freePort();
    if (port + 10 > 65535) continue;
    if ((await isFree(port + 1)) && (await isFree(port + 10))) return port;
  }
  throw new Error("no free port triple for the engine");
}

async function isFree(port: number): Promise<boolean> {
  const { createServer } = await import("node:net");
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

export type WorkspaceClient = ReturnType<typeof createClient<WorkspaceRegistry>>;

export function client(endpoint: string): WorkspaceClient {
  return createClient<WorkspaceRegistry>({ endpoint, devtools: false });
}

export interface Stack {
  daemon: Daemon;
  registry: RegistryProcess;
  close(): Promise<void>;
}

export async function startStack(options: { daemon?: DaemonOptions; registryEnv?: Record<string, string> } = {}): Promise<Stack> {
  const daemon = await startDaemon({ ...options.daemon, env: { DEMO_AGENT_DELAY_MS: "1", ...options.daemon?.env } });
  const registry = await startRegistry({ sandboxUrl: daemon.url, sandboxToken: daemon.token, env: options.registryEnv });
  const stack: Stack = {
    daemon,
    registry,
    close: async () => {
      await stack.registry.destroy();
      await daemon.stop();
    },
  };
  return stack;
}
