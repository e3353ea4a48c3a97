/**
 * The cluster behind live elements, for the stack plugin's `cluster` stacks: a standalone Rivet
 * Engine (demo/engine.ts: the binary from node_modules, file-system storage in a temp dir, the
 * 7000/5000 thresholds), two runners of demo/registry.ts (demo/runner.ts) and one sandbox-agent
 * daemon with the demo agent, each on free ports, each stopped by pid when the stack closes.
 *
 * Which runner hosts a workspace is read from the runners' logs (`actor_key=` on every action and
 * lifecycle line at RIVET_LOG_LEVEL=info): the runner that logged the key last.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDaemon, type Daemon } from "../../demo/daemon.js";
import { ensureRunnerConfig, startEngine, type Engine } from "../../demo/engine.js";
import { startRunner, type Runner } from "../../demo/runner.js";

export interface ClusterOptions {
  daemonEnv?: Record<string, string>;
  /** More environment for every runner (RIVET_LOG_LEVEL stays `info`: the hosts are read from it). */
  registryEnv?: Record<string, string>;
  daemonToken?: string;
}

export interface ClusterStack {
  engine: Engine;
  daemon: Daemon;
  /** Every runner started, the stopped and killed ones included. */
  runners: Runner[];
  /** The runners running now. */
  up(): Runner[];
  /** The running runner that last logged `workspaceId`'s key, if any. */
  host(workspaceId: string): Runner | undefined;
  /** Starts one more runner and waits until it is ready. */
  addRunner(): Promise<Runner>;
  /** Stops the engine (SIGTERM, SIGKILL after 5 s) and starts it again on the same storage and ports. */
  restartEngine(): Promise<void>;
  close(): Promise<void>;
}

export async function startCluster(options: ClusterOptions = {}): Promise<ClusterStack> {
  const dir = mkdtempSync(join(tmpdir(), "sandbox-workspace-cluster-"));
  const runners: Runner[] = [];
  /** Each workspace's last host, as the runners' logs tell. */
  const hosts = new Map<string, Runner>();
  let engine: Engine | undefined;
  let daemon: Daemon | undefined;
  const running = (runner: Runner) => runner.child.exitCode === null && runner.child.signalCode === null;

  const addRunner = async (): Promise<Runner> => {
    const name = `r${runners.length + 1}`;
    const runner: Runner = startRunner({
      name,
      endpoint: engine!.endpoint,
      sandboxUrl: daemon!.url,
      sandboxToken: daemon!.token,
      env: { ...options.registryEnv, RIVET_LOG_LEVEL: "info" },
      onLog: (line) => {
        for (const match of line.matchAll(/actor_key=([^\s"]+)/g)) hosts.set(match[1], runner);
      },
    });
    runners.push(runner);
    await runner.ready;
    return runner;
  };

  const close = async () => {
    await Promise.all(runners.map((runner) => runner.kill()));
    await engine?.kill();
    await daemon?.stop();
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    engine = await startEngine({ dir: join(dir, "engine") });
    await ensureRunnerConfig(engine.endpoint);
    daemon = await startDaemon({ token: options.daemonToken, env: { DEMO_AGENT_DELAY_MS: "1", ...options.daemonEnv } });
    await Promise.all([addRunner(), addRunner()]);
  } catch (error) {
    await close();
    throw error;
  }

  return {
    get engine() {
      return engine!;
    },
    get daemon() {
      return daemon!;
    },
    /** A daemon started again in place of a killed one (same URL): the one `close` stops. */
    set daemon(next: Daemon) {
      daemon = next;
    },
    runners,
    up: () => runners.filter(running),
    host: (workspaceId) => {
      const runner = hosts.get(workspaceId);
      return runner && running(runner) ? runner : undefined;
    },
    addRunner,
    restartEngine: async () => {
      const { dir: engineDir, ports } = engine!;
      await engine!.stop();
      engine = await startEngine({ dir: engineDir, ports });
    },
    close,
  };
}
