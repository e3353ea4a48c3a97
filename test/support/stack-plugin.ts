/**
 * A @web/test-runner plugin that gives browser tests the real stack (daemon + demo agent + registry)
 * through server commands: `executeServerCommand("stack", { name, action, ... })`.
 * Stacks are started on first use, one per name, and all stopped when the run ends.
 *
 * A stack's first command may say how to build it (`spec`): daemon and registry environment, a
 * sandbox token (made up here, never sent to the page), and a TCP proxy in front of the registry
 * whose link a test can cut. Nothing a command answers carries the sandbox's URL, port or token.
 *
 * A `cluster` stack is a standalone Rivet Engine with two runners and one daemon (cluster-stack.ts):
 * its runners are killed (`kill-runner`: SIGKILL of the one hosting `workspaceId`), stopped as a
 * deploy does (`term-runner`: SIGTERM), added (`start-runner`), and its engine restarted
 * (`restart-engine`); `history`, `info` and `prompt` go through the engine.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runPrompt } from "../../src/protocol/index.js";
import { startDaemon, type Daemon } from "../../demo/daemon.js";
import { WORK_FILES, fakeBackend, prepareAgentSlot, scenario, startFakeModel, type FakeModel, type ScenarioName } from "../agents/index.js";
import { startCluster, type ClusterStack } from "./cluster-stack.js";
import { startLinkProxy, type LinkProxy } from "./link-proxy.js";
import { client, startStack, type Stack } from "./stack.js";

type Action =
  | "start"
  | "stop-registry"
  | "start-registry"
  | "restart-registry"
  | "kill-registry"
  | "prompt"
  | "kill-daemon"
  | "start-daemon"
  | "kill-agent"
  | "drop-link"
  | "lose-messages"
  | "history"
  | "actor"
  | "info"
  | "kill-runner"
  | "term-runner"
  | "start-runner"
  | "restart-engine"
  | "host"
  | "close";

type Payload = { name?: string; action: Action; workspaceId?: string; text?: string; ms?: number; spec?: StackSpec };

/** How a named stack is built, on its first use. */
export interface StackSpec {
  daemonEnv?: Record<string, string>;
  registryEnv?: Record<string, string>;
  /** Run the daemon with a random bearer token, which the registry is given. */
  daemonToken?: boolean;
  /** Put a link proxy in front of the registry; `start` then answers its endpoint as `endpoint`. */
  proxy?: boolean;
  /**
   * Run a real agent (its ACP adapter from node_modules) in place of the demo agent, against the
   * fake model API playing one of the recorded scenarios, in a work folder of its own.
   */
  realAgent?: { agent: "claude"; scenario: ScenarioName };
  /** A standalone Rivet Engine with two runners in place of the one registry process (no real agent; a proxy goes in front of the engine). */
  cluster?: boolean;
}

interface Running {
  /** One registry process, or a cluster. */
  stack?: Stack;
  cluster?: ClusterStack;
  spec: StackSpec;
  proxy?: LinkProxy;
  /** A real agent's fake model and the folder holding its daemon data and work folder. */
  model?: FakeModel;
  scratch?: string;
  /** Daemons killed and replaced: stopped (and their files removed) when the stack closes. */
  retired: Daemon[];
}

/** Every sandbox secret of every stack started in this run: the wire checks look for them. */
const secrets = new Map<string, { kind: string; pattern: RegExp }>();

function remember(daemon: Daemon): void {
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  secrets.set(daemon.url, { kind: "sandbox URL", pattern: new RegExp(escape(daemon.url.replace(/^http:\/\//, ""))) });
  // host:port in any spelling (JSON numbers like "used":40123 are not addresses).
  secrets.set(`port ${daemon.port}`, { kind: "sandbox port", pattern: new RegExp(`(?:[A-Za-z0-9\\]]:|%3A)${daemon.port}(?!\\d)`, "i") });
  if (daemon.token) secrets.set(daemon.token, { kind: "sandbox token", pattern: new RegExp(escape(daemon.token)) });
}

/** What must never reach a browser: each running or past stack's sandbox URL, port and token. */
export function sandboxSecrets(): Array<{ kind: string; pattern: RegExp }> {
  return [...secrets.values()];
}

async function build(spec: StackSpec): Promise<Running> {
  const token = spec.daemonToken ? `sbx-${randomBytes(18).toString("hex")}` : undefined;
  if (spec.realAgent) return buildRealAgent(spec, spec.realAgent, token);
  if (spec.cluster) {
    const cluster = await startCluster({ daemonEnv: spec.daemonEnv, registryEnv: spec.registryEnv, daemonToken: token });
    remember(cluster.daemon);
    // In front of the engine, which serves the clients' links on a cluster.
    const proxy = spec.proxy ? await startLinkProxy(() => cluster.engine.ports.guard) : undefined;
    return { cluster, spec, proxy, retired: [] };
  }
  const stack = await startStack({ daemon: { token, env: spec.daemonEnv }, registryEnv: spec.registryEnv });
  remember(stack.daemon);
  const proxy = spec.proxy ? await startLinkProxy(() => stack.registry.port) : undefined;
  return { stack, spec, proxy, retired: [] };
}

async function buildRealAgent(spec: StackSpec, real: NonNullable<StackSpec["realAgent"]>, token: string | undefined): Promise<Running> {
  const scratch = mkdtempSync(join(tmpdir(), "sandbox-workspace-agent-"));
  const dataDir = join(scratch, "daemon");
  const workDir = join(scratch, "work");
  let model: FakeModel | undefined;
  try {
    await mkdir(workDir, { recursive: true });
    for (const [name, text] of Object.entries(WORK_FILES)) await writeFile(join(workDir, name), text, { mode: name.endsWith(".sh") ? 0o755 : 0o644 });
    model = await startFakeModel({ script: scenario(real.scenario).script(workDir) });
    await prepareAgentSlot({ dataDir, agent: real.agent, fakeModel: fakeBackend(model) });
    const stack = await startStack({
      daemon: { token, dataDir, env: spec.daemonEnv },
      registryEnv: { WORKSPACE_AGENT: real.agent, WORKSPACE_CWD: workDir, ...spec.registryEnv },
    });
    remember(stack.daemon);
    return { stack, spec, retired: [], model, scratch };
  } catch (error) {
    await model?.close();
    rmSync(scratch, { recursive: true, force: true });
    throw error;
  }
}

async function close(running: Running): Promise<void> {
  await running.proxy?.close();
  await running.stack?.close();
  await running.cluster?.close();
  for (const daemon of running.retired) await daemon.stop();
  await running.model?.close();
  // A daemon given its data dir keeps it: this stack made it, so it goes.
  if (running.scratch) rmSync(running.scratch, { recursive: true, force: true });
}

/** The demo agents the daemon started: processes of its group running the agent script. */
function agentPids(daemon: Daemon): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const [, , group] = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // state, ppid, pgrp
      if (Number(group) !== daemon.pid) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes("agent/agent.ts")) pids.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

export function stackPlugin() {
  const stacks = new Map<string, Promise<Running>>();
  const get = (name: string, spec: StackSpec = {}) => {
    if (!stacks.has(name)) stacks.set(name, build(spec));
    return stacks.get(name)!;
  };
  return {
    name: "workspace-stack",
    async executeCommand({ command, payload }: { command: string; payload?: unknown }) {
      if (command !== "stack") return undefined;
      const { name = "shared", action, workspaceId, text, ms, spec } = payload as Payload;
      if (action === "close") {
        const running = stacks.get(name);
        stacks.delete(name);
        if (running) await close(await running);
        return { ok: true };
      }
      const running = await get(name, spec);
      // Node's own client: the workspace token, if the registry wants one, is the test's to know.
      const params = { userId: "u-node", userName: "Node", token: running.spec.registryEnv?.WORKSPACE_TOKEN };
      const { cluster } = running;
      if (cluster) {
        const answer = await clusterCommand(cluster, action, workspaceId, running.proxy);
        if (answer !== undefined) return answer;
      }
      const endpoint = cluster ? cluster.engine.endpoint : running.stack!.registry.endpoint;
      switch (action) {
        case "history":
          return history(endpoint, workspaceId!, params);
        case "info":
          return info(endpoint, workspaceId!, params);
        case "prompt":
          return prompt(endpoint, workspaceId!, text!, params);
      }
      // What holds the daemon: the one registry process's stack, or the cluster.
      const host = (running.stack ?? running.cluster)!;
      switch (action) {
        case "kill-daemon": {
          const daemon = host.daemon;
          daemon.kill("SIGKILL");
          await daemon.exited;
          running.retired.push(daemon);
          return { ok: true };
        }
        case "start-daemon": {
          // Same port, data and token: the registry's sandbox URL is right again.
          const { port, dataDir, token } = running.retired.at(-1) ?? host.daemon;
          host.daemon = await startDaemon({ port, dataDir, token, env: { DEMO_AGENT_DELAY_MS: "1", ...running.spec.daemonEnv } });
          remember(host.daemon);
          return { ok: true };
        }
        case "kill-agent": {
          const pids = agentPids(host.daemon);
          for (const pid of pids) process.kill(pid, "SIGKILL");
          return { killed: pids.length };
        }
        case "drop-link": {
          if (!running.proxy) throw new Error(`stack ${name} has no link proxy`);
          return running.proxy.drop(ms ?? 5000);
        }
        case "lose-messages": {
          if (!running.proxy) throw new Error(`stack ${name} has no link proxy`);
          return running.proxy.loseMessages(text!, ms ?? 1000);
        }
        case "actor": {
          // The engine's own record of the actor: is it asleep?
          const query = new URLSearchParams({ namespace: "default", name: "workspace", key: workspaceId! });
          const response = await fetch(`${endpoint}/actors?${query}`);
          const [actor] = ((await response.json()) as { actors?: Array<{ start_ts?: number | null; sleep_ts?: number | null }> }).actors ?? [];
          return actor ? { exists: true, asleep: actor.sleep_ts != null, startedAt: actor.start_ts ?? null } : { exists: false, asleep: false, startedAt: null };
        }
      }
      if (!running.stack) throw new Error(`stack ${name} is a cluster: no ${action}`);
      const { stack } = running;
      switch (action) {
        case "start":
          return { endpoint: running.proxy?.endpoint ?? stack.registry.endpoint, direct: stack.registry.endpoint };
        case "stop-registry":
          await stack.registry.stop();
          return { ok: true };
        case "start-registry":
        case "restart-registry":
          // Same storage, port, sandbox and environment; stops it first if it still runs.
          stack.registry = await stack.registry.restart();
          return { endpoint: running.proxy?.endpoint ?? stack.registry.endpoint };
        case "kill-registry":
          await stack.registry.kill();
          return { ok: true };
      }
      throw new Error(`unknown stack action ${action}`);
    },
    async serverStop() {
      await Promise.all([...stacks.values()].map(async (running) => close(await running)));
    },
  };
}

type Params = { userId: string; userName: string; token?: string };

/** Every stored event, paged as any client would, over a connection of Node's own. */
async function history(endpoint: string, workspaceId: string, params: Params) {
  const c = client(endpoint);
  try {
    const handle = c.workspace.getOrCreate([workspaceId], { params });
    const events: unknown[] = [];
    for (let after = 0; ; ) {
      const page = await handle.getHistory({ after, limit: 500 });
      events.push(...page.events);
      if (page.nextAfter === undefined) return { events, permissions: page.permissions, lost: page.lost };
      after = page.nextAfter;
    }
  } finally {
    await c.dispose();
  }
}

/** What the workspace reports: its newest event and whether a turn runs. */
async function info(endpoint: string, workspaceId: string, params: Params) {
  const c = client(endpoint);
  try {
    const { lastEventIndex, running, queued } = await c.workspace.getOrCreate([workspaceId], { params }).getSessionInfo();
    return { lastEventIndex, running, queued };
  } finally {
    await c.dispose();
  }
}

/** Someone else, from Node, while the browser may be away. */
async function prompt(endpoint: string, workspaceId: string, text: string, params: Params) {
  const c = client(endpoint);
  const conn = c.workspace.getOrCreate([workspaceId], { params }).connect();
  try {
    return await runPrompt(conn, text);
  } finally {
    await conn.dispose();
    await c.dispose();
  }
}

/** A cluster's own actions; undefined for the ones every stack has. */
async function clusterCommand(cluster: ClusterStack, action: Action, workspaceId: string | undefined, proxy: LinkProxy | undefined): Promise<object | undefined> {
  const hostOf = () => {
    const runner = cluster.host(workspaceId!);
    if (!runner) throw new Error(`no running runner logged ${workspaceId} (up: ${cluster.up().map((r) => r.name).join(", ")})`);
    return runner;
  };
  switch (action) {
    case "start":
      return { endpoint: proxy?.endpoint ?? cluster.engine.endpoint, direct: cluster.engine.endpoint };
    case "host":
      return { runner: cluster.host(workspaceId!)?.name ?? null, up: cluster.up().map((r) => r.name) };
    case "kill-runner": {
      const runner = hostOf();
      await runner.kill();
      return { runner: runner.name, up: cluster.up().map((r) => r.name) };
    }
    case "term-runner": {
      // Answers once it has exited: its workspaces were stopped and handed over.
      const runner = hostOf();
      const started = performance.now();
      await runner.stop();
      return { runner: runner.name, exitedMs: Math.round(performance.now() - started), up: cluster.up().map((r) => r.name) };
    }
    case "start-runner": {
      const runner = await cluster.addRunner();
      return { runner: runner.name, up: cluster.up().map((r) => r.name) };
    }
    case "restart-engine": {
      const started = performance.now();
      await cluster.restartEngine();
      return { healthyMs: Math.round(performance.now() - started) };
    }
    case "history":
    case "info":
    case "prompt":
    case "close":
    case "kill-daemon":
    case "start-daemon":
    case "kill-agent":
    case "drop-link":
    case "lose-messages":
    case "actor":
      return undefined;
    default:
      throw new Error(`a cluster stack has no ${action}`);
  }
}
