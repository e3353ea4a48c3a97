/**
 * One sandbox per workspace: the registry with sandbox-agent's `local` provider
 * (`WORKSPACE_SANDBOX=local`), which starts a daemon from `@sandbox-agent/cli` for each workspace,
 * with the demo agent in its `mock` slot. The daemons are found from here by reading /proc (each
 * carries this test's XDG_DATA_HOME), and whatever is left at the end is killed by pid.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join as joinPath } from "node:path";
import { after, before, describe, it } from "node:test";
import { runPrompt, type SessionInfo, type WorkspaceBroadcasts } from "../../../src/actors/index.js";
import { daemonBinaryPath, installDaemonLauncher, installDemoAgent } from "../../../demo/daemon.js";
import { until } from "../../shared/until.js";
import { client, startRegistry, type RegistryProcess, type WorkspaceClient } from "../../support/stack.js";

interface Proc {
  pid: number;
  ppid: number;
  args: string[];
  environ: string[];
}

/** Every live process this user may read (zombies are gone already). */
function processes(): Proc[] {
  const found: Proc[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (state === "Z" || state === "X") continue;
      const args = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0").filter(Boolean);
      const environ = readFileSync(`/proc/${name}/environ`, "utf8").split("\0");
      found.push({ pid: Number(name), ppid: Number(ppid), args, environ });
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}

function alive(pid: number): boolean {
  return processes().some((proc) => proc.pid === pid);
}

/** Short, for the sleep test; long enough that the other tests' actors do not sleep between two of their actions. */
const SLEEP_TIMEOUT_MS = 3000;

interface LocalDaemon {
  pid: number;
  port: number;
  token: string;
  /** The `ref` getSessionInfo gives for the sandbox this daemon is: a digest of `local/<host>:<port>`. */
  ref: string;
  /** The demo agents it runs. */
  agents: number[];
}

describe("one sandbox per workspace, with sandbox-agent's local provider", { timeout: 120_000 }, () => {
  const dataDir = mkdtempSync(joinPath(tmpdir(), "sandbox-workspace-sandboxes-"));
  const ours = (proc: Proc) => proc.environ.includes(`XDG_DATA_HOME=${dataDir}`);
  let registry: RegistryProcess | undefined;
  let c: WorkspaceClient;
  /** Every daemon seen, and everything clients were told: no address or token of one may be in it. */
  const seenDaemons = new Map<number, LocalDaemon>();
  const told: unknown[] = [];

  /** The daemons this test's registry started, as running now. */
  function daemons(): LocalDaemon[] {
    const all = processes();
    const list = all
      .filter((proc) => ours(proc) && proc.args[1] === "server" && proc.args[0].endsWith("sandbox-agent"))
      .map((proc) => {
        const port = Number(proc.args[proc.args.indexOf("--port") + 1]);
        const token = proc.args[proc.args.indexOf("--token") + 1];
        const ref = createHash("sha256").update(`local/127.0.0.1:${port}`).digest("hex").slice(0, 12);
        const agents = all.filter((child) => child.ppid === proc.pid && child.args.some((arg) => arg.endsWith("demo/agent/agent.ts"))).map((child) => child.pid);
        return { pid: proc.pid, port, token, ref, agents };
      });
    for (const daemon of list) seenDaemons.set(daemon.pid, daemon);
    return list;
  }

  function daemonOf(info: SessionInfo): LocalDaemon {
    assert.equal(info.sandbox?.provider, "local", `${info.workspaceId} owns a local sandbox`);
    const daemon = daemons().find((candidate) => candidate.ref === info.sandbox!.ref);
    assert.ok(daemon, `a running daemon is ${info.workspaceId}'s sandbox ${info.sandbox!.ref}`);
    return daemon;
  }

  /** Connects as `userName`, recording the errors broadcast to it. */
  async function join(workspaceId: string, userName: string) {
    const conn = c.workspace.getOrCreate([workspaceId], { params: { userId: `u-${userName.toLowerCase()}`, userName } }).connect();
    const errors: WorkspaceBroadcasts["error"][] = [];
    conn.on("error", (error: WorkspaceBroadcasts["error"]) => {
      errors.push(error);
      told.push(error);
    });
    for (const name of ["session.event", "session.events", "turn", "chat.user"] as const) conn.on(name, (payload: unknown) => told.push(payload));
    await until(() => conn.isConnected, `${userName} connects to ${workspaceId}`);
    const info = async () => {
      const result = await conn.getSessionInfo();
      told.push(result);
      return result;
    };
    await info();
    const run = async (text: string) => {
      const result = await runPrompt(conn, text);
      told.push(result);
      return result;
    };
    return { conn, errors, info, run };
  }

  before(async () => {
    await installDemoAgent(dataDir);
    const launcher = await installDaemonLauncher(dataDir);
    registry = await startRegistry({
      sandboxUrl: "",
      env: {
        WORKSPACE_SANDBOX: "local",
        SANDBOX_AGENT_BIN: launcher,
        XDG_DATA_HOME: dataDir,
        DEMO_AGENT_DELAY_MS: "1",
        WORKSPACE_SLEEP_TIMEOUT_MS: String(SLEEP_TIMEOUT_MS),
      },
    });
    c = client(registry.endpoint);
  });

  after(async () => {
    await c?.dispose();
    await registry?.destroy();
    // Whatever a failed test left behind, by pid: daemons, agents, the registry and its engine.
    for (const proc of processes().filter(ours)) {
      try {
        process.kill(proc.pid, "SIGKILL");
      } catch {
        // Gone meanwhile.
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("gives two workspaces two daemons of their own, from @sandbox-agent/cli, running the demo agent", async () => {
    const ada = await join("w-ada", "Ada");
    const grace = await join("w-grace", "Grace");
    assert.equal((await ada.info()).sandbox, undefined, "no sandbox before its first use");
    assert.deepEqual(daemons(), [], "no daemon before a workspace needs one");

    assert.equal((await ada.run("/long 5 for Ada")).stopReason, "end_turn");
    assert.equal((await grace.run("/long 5 for Grace")).stopReason, "end_turn");
    const adas = daemonOf(await ada.info());
    const graces = daemonOf(await grace.info());
    assert.equal(daemons().length, 2);
    assert.notEqual(adas.pid, graces.pid);
    assert.notEqual(adas.port, graces.port);
    assert.notEqual(adas.token, graces.token, "each daemon has its own token");
    for (const daemon of [adas, graces]) {
      assert.equal(realpathSync(`/proc/${daemon.pid}/exe`), realpathSync(daemonBinaryPath()), "the binary from node_modules");
      assert.ok(readFileSync(`/proc/${daemon.pid}/cmdline`, "utf8").split("\0").includes("--no-telemetry"));
      assert.equal(daemon.agents.length, 1, "its own demo agent");
    }
    assert.deepEqual([...ada.errors, ...grace.errors], []);
    await ada.conn.dispose();
    await grace.conn.dispose();
  });

  it("when one workspace's daemon is killed, only that workspace notices; it gets a new sandbox and says so", async () => {
    const ada = await join("w-ada", "Ada");
    const grace = await join("w-grace", "Grace");
    const adas = daemonOf(await ada.info());
    const graces = daemonOf(await grace.info());
    const before = (await ada.info()).lastEventIndex;
    const turn = ada.run("/slow 100");
    await until(async () => (await ada.info()).lastEventIndex > before + 10, "Ada's turn is under way");
    process.kill(adas.pid, "SIGKILL");
    await assert.rejects(turn, (error: { code?: string }) => error.code === "sandbox-unreachable");
    // Grace's workspace, on its own daemon, goes on as if nothing happened.
    assert.equal((await grace.run("/long 5 meanwhile")).stopReason, "end_turn");
    assert.equal(daemonOf(await grace.info()).pid, graces.pid);
    assert.deepEqual(grace.errors, []);
    // The killed daemon's agent ends with it (its stdin closes).
    await until(() => adas.agents.every((pid) => !alive(pid)), "the killed daemon's agent exits");

    // Ada's next prompt gets a new sandbox, and everyone there is told.
    assert.equal((await ada.run("/long 5 after the kill")).stopReason, "end_turn");
    const renewed = daemonOf(await ada.info());
    assert.notEqual(renewed.pid, adas.pid);
    assert.notEqual(renewed.ref, adas.ref);
    await until(() => ada.errors.some((error) => error.code === "sandbox-recreated"), "Ada hears that her sandbox was replaced");
    const notice = ada.errors.find((error) => error.code === "sandbox-recreated")!;
    assert.match(notice.message, /new one/);
    assert.deepEqual([...new Set(ada.errors.map((error) => error.code))].sort(), ["sandbox-recreated", "sandbox-unreachable"]);
    assert.equal(daemons().length, 2, "one daemon per workspace, the dead one replaced");
    await ada.conn.dispose();
    await grace.conn.dispose();
  });

  it("finds its sandbox again when it wakes from sleep", async () => {
    const ada = await join("w-ada", "Ada");
    const asleep = await ada.info();
    const daemon = daemonOf(asleep);
    await ada.conn.dispose();
    await new Promise((resolve) => setTimeout(resolve, SLEEP_TIMEOUT_MS + 3000));
    const woken = await join("w-ada", "Ada");
    const info = await woken.info();
    assert.notEqual(info.bootId, asleep.bootId, "the workspace slept and woke");
    assert.deepEqual(info.sandbox, asleep.sandbox, "the same sandbox");
    assert.equal((await woken.run("/long 5 after waking")).stopReason, "end_turn");
    assert.equal(daemonOf(await woken.info()).pid, daemon.pid, "the same daemon");
    assert.deepEqual(woken.errors, []);
    await woken.conn.dispose();
  });

  it("destroy deletes the workspace's daemon, history and state, and no other workspace's", async () => {
    const grace = await join("w-grace", "Grace");
    const graces = daemonOf(await grace.info());
    // Ada's actions follow one another closely: an actor idle past its sleep timeout may go to sleep
    // with its links open, and RivetKit can hand an action to an instance that is stopping.
    const ada = await join("w-ada", "Ada");
    const before = await ada.info();
    const daemon = daemonOf(before);
    assert.deepEqual(await ada.conn.destroy(), { destroyed: true });
    assert.ok(!alive(daemon.pid), "its daemon is gone once destroy answers");
    await until(() => daemon.agents.every((pid) => !alive(pid)), "its agent is gone");
    assert.ok(alive(graces.pid), "Grace's daemon runs on");
    await ada.conn.dispose();

    // The workspace starts afresh: no history, no sandbox until it is used. The old events'
    // indices are reported lost, never given to new events.
    const handle = c.workspace.getOrCreate(["w-ada"]);
    let info: SessionInfo | undefined;
    await until(async () => (info = await handle.getSessionInfo().catch(() => undefined))?.bootId !== before.bootId && info !== undefined, "the workspace starts again");
    assert.equal(info!.sandbox, undefined);
    const page = await handle.getHistory({ after: 0 });
    assert.deepEqual(page.events, []);
    // (A sleep RivetKit did not finish cleanly may have left a lost range of its own, inside this one.)
    assert.ok(page.lost.some((range) => range.after === 0 && range.through >= before.lastEventIndex), `the old indices are lost: ${JSON.stringify(page.lost)}`);
    const again = await join("w-ada", "Ada");
    assert.equal((await again.run("/long 5 afresh")).stopReason, "end_turn");
    const fresh = await again.conn.getHistory({ after: 0 });
    assert.ok(fresh.events.length > 0 && fresh.events.every((event) => event.eventIndex > before.lastEventIndex), "new events are numbered after the old ones");
    assert.notEqual(daemonOf(await again.info()).pid, daemon.pid, "a new sandbox");
    assert.equal(daemons().length, 2);
    await again.conn.dispose();
    await grace.conn.dispose();
  });

  it("never tells a client a sandbox's address or token", () => {
    const everything = JSON.stringify(told);
    assert.ok(everything.length > 5000, "a real amount of traffic was checked");
    assert.ok(seenDaemons.size >= 3);
    for (const daemon of seenDaemons.values()) {
      assert.ok(!everything.includes(daemon.token), "no daemon's token");
      assert.ok(!everything.includes(`:${daemon.port}`), "no daemon's port");
    }
  });

  it("stops every daemon it started when the registry stops", async () => {
    assert.ok(daemons().length > 0);
    await c.dispose();
    await registry!.stop();
    await until(() => !processes().some(ours), () => `left running: ${JSON.stringify(processes().filter(ours).map((proc) => proc.args.slice(0, 3)))}`, 15_000);
  });
});
