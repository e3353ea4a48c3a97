/**
 * Two engine nodes: two standalone Rivet Engines sharing Postgres and NATS (demo/datastores.ts, from
 * the host's Debian packages `postgresql` and `nats-server`), runner A on node 1 and runner B on
 * node 2, one sandbox-agent daemon with the demo agent; free ports, every process stopped by pid.
 *
 * Workspaces spread over both runners and answer through either node; a turn runs through the node
 * its runner is not on; a runner SIGKILL, and then an engine node stopped (SIGTERM), move workspaces
 * to the runner that is left, with their history intact as either node tells it. Times are printed
 * (`multinode: …`). (An engine node SIGKILLed is not here: see the README's cluster limits.)
 */
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { SessionEvent } from "sandbox-agent";
import { runPrompt } from "../../../src/actors/index.js";
import { startDaemon, type Daemon } from "../../../demo/daemon.js";
import { missingDatastores, startNats, startPostgres, type Nats, type Postgres } from "../../../demo/datastores.js";
import { ensureRunnerConfig, startEngine, type Engine } from "../../../demo/engine.js";
import { startRunner, type Runner } from "../../../demo/runner.js";
import { until, within } from "../../shared/until.js";
import { answersAgain, storedHistory } from "../../support/handles.js";
import { client, type WorkspaceClient } from "../../support/stack.js";

// The clients' reconnect warnings while runners and nodes go away are expected.
process.env.RIVET_LOG_LEVEL ??= "error";

const dir = mkdtempSync(join(tmpdir(), "sandbox-workspace-multinode-"));
// Run as root, Postgres runs as the postgres user, which must reach its directory inside this one.
chmodSync(dir, 0o755);
let postgres: Postgres | undefined;
let nats: Nats | undefined;
const engines: Engine[] = [];
let daemon: Daemon | undefined;
const runners: Runner[] = [];
const clients: WorkspaceClient[] = [];
/** Each workspace's last host, as the runners' logs tell (`actor_key=` at RIVET_LOG_LEVEL=info). */
const hosts = new Map<string, Runner>();

process.on("exit", () => {
  for (const runner of runners) if (runner.child.exitCode === null && runner.child.signalCode === null) runner.child.kill("SIGKILL");
});

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const running = (runner: Runner) => runner.child.exitCode === null && runner.child.signalCode === null;

function runner(name: string, engine: Engine): Runner {
  const started: Runner = startRunner({
    name,
    endpoint: engine.endpoint,
    sandboxUrl: daemon!.url,
    env: { RIVET_LOG_LEVEL: "info" },
    onLog: (line) => {
      for (const match of line.matchAll(/actor_key=([^\s"]+)/g)) hosts.set(match[1], started);
    },
  });
  runners.push(started);
  return started;
}

function clientOf(engine: Engine): WorkspaceClient {
  const c = client(engine.endpoint);
  clients.push(c);
  return c;
}

const handle = (c: WorkspaceClient, workspaceId: string) => c.workspace.getOrCreate([workspaceId], { params: { userId: "u-ada", userName: "Ada" } });

/** Every stored event of `workspaceId` through `c`, each page bounded. */
const history = (c: WorkspaceClient, workspaceId: string) => storedHistory(handle(c, workspaceId), 10_000);

const ids = (events: SessionEvent[]) => events.map((event) => `${event.eventIndex}:${event.id}`);

describe("two engine nodes on Postgres and NATS", { timeout: 300_000 }, () => {
  /** Workspaces created through node 1, with their start and history before the faults. */
  const workspaces: Array<{ id: string; bootId: string; events: string[] }> = [];

  before(async () => {
    const missing = missingDatastores();
    if (missing) throw new Error(missing);
    const started = performance.now();
    [postgres, nats] = await Promise.all([startPostgres({ dir: join(dir, "pg") }), startNats({ dir: join(dir, "nats") })]);
    const storage = { postgres: postgres.url, nats: [nats.address] };
    // One at a time: the first takes the store's leader lease and creates its tables.
    engines.push(await startEngine({ dir: join(dir, "node1"), storage }));
    engines.push(await startEngine({ dir: join(dir, "node2"), storage }));
    await ensureRunnerConfig(engines[0].endpoint);
    daemon = await startDaemon({ env: { DEMO_AGENT_DELAY_MS: "1" } });
    await Promise.all([runner("A", engines[0]).ready, runner("B", engines[1]).ready]);
    console.log(`multinode: Postgres, NATS, two engine nodes, two runners and the daemon up in ${seconds(performance.now() - started)}`);
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.dispose().catch(() => undefined)));
    await Promise.all(runners.map((r) => r.kill()));
    await Promise.all(engines.map((e) => e.stop()));
    await daemon?.stop();
    await nats?.stop();
    await postgres?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("spreads workspaces over both runners; each answers through either node, and a turn runs through the node its runner is not on", async () => {
    const one = clientOf(engines[0]);
    const two = clientOf(engines[1]);
    const stamp = Date.now().toString(36);
    // Twelve: all on one runner by chance once in 2,048 clusters.
    for (let i = 0; i < 12; i++) {
      const id = `mn-${stamp}-${i}`;
      const info = await within(handle(one, id).getSessionInfo(), 30_000, `create ${id}`);
      workspaces.push({ id, bootId: info.bootId, events: [] });
    }
    await until(() => workspaces.every((w) => hosts.has(w.id)), "every workspace's runner is known", 10_000);
    const onA = workspaces.filter((w) => hosts.get(w.id)!.name === "A");
    const onB = workspaces.filter((w) => hosts.get(w.id)!.name === "B");
    console.log(`multinode: 12 workspaces created through node 1: ${onA.length} on runner A (node 1), ${onB.length} on runner B (node 2)`);
    assert.ok(onA.length > 0 && onB.length > 0, `both runners host workspaces (A ${onA.length}, B ${onB.length})`);

    // A turn on a workspace of runner A, through node 2; and one of runner B's, through node 1.
    for (const [c, target, via] of [[two, onA[0], "node 2"], [one, onB[0], "node 1"]] as const) {
      const conn = handle(c, target.id).connect();
      try {
        const started = performance.now();
        const result = await within(runPrompt(conn, "/long 30 across nodes"), 60_000, `a turn through ${via}`);
        assert.equal(result?.stopReason, "end_turn");
        console.log(`multinode: a turn on runner ${hosts.get(target.id)!.name}'s workspace through ${via}: ${seconds(performance.now() - started)}`);
      } finally {
        await conn.dispose();
      }
    }
    // Either node tells the same history.
    for (const w of workspaces) {
      const [viaOne, viaTwo] = await Promise.all([history(one, w.id), history(two, w.id)]);
      assert.deepEqual(ids(viaTwo.events), ids(viaOne.events), `${w.id}: the same history through both nodes`);
      w.events = ids(viaOne.events);
    }
    assert.ok(workspaces.some((w) => w.events.length > 30), "the turns were stored");
  });

  it("runner A SIGKILLed: its workspaces start again on runner B, answer through both nodes, history intact", async () => {
    const victims = workspaces.filter((w) => hosts.get(w.id)?.name === "A");
    const one = clientOf(engines[0]);
    const two = clientOf(engines[1]);
    const killedAt = performance.now();
    await runners.find((r) => r.name === "A")!.kill();
    const times = await Promise.all(victims.map((w) => answersAgain(() => handle(two, w.id), w.id, killedAt, 60_000, (info) => info.bootId !== w.bootId)));
    console.log(`multinode: runner A SIGKILLed: its ${victims.length} workspaces answered through node 2 from a new start after ${times.map(seconds).join(", ")}`);
    for (const w of victims) {
      const [viaOne, viaTwo] = await Promise.all([history(one, w.id), history(two, w.id)]);
      assert.deepEqual(viaOne.events.length ? ids(viaOne.events) : [], w.events, `${w.id}: every stored event, through node 1`);
      assert.deepEqual(ids(viaTwo.events), w.events, `${w.id}: every stored event, through node 2`);
      w.bootId = (await handle(two, w.id).getSessionInfo()).bootId;
    }
    // Runner A again, on node 1, for the next case.
    await runner("A2", engines[0]).ready;
  });

  it("engine node 1 stopped (SIGTERM, as a deploy of the engine does): its runner's workspaces start again on runner B, answer through node 2 with their history, and a turn runs", async () => {
    const two = clientOf(engines[1]);
    // Ten more workspaces, through node 2: some land on runner A2, on node 1 (all ten on B once in 1,024 runs).
    const stamp = Date.now().toString(36);
    for (let i = 0; i < 10; i++) {
      const id = `mn-${stamp}-late-${i}`;
      const info = await within(handle(two, id).getSessionInfo(), 30_000, `create ${id}`);
      workspaces.push({ id, bootId: info.bootId, events: [] });
    }
    await until(() => workspaces.every((w) => hosts.has(w.id)), "every workspace's runner is known", 10_000);
    const onNode1 = workspaces.filter((w) => hosts.get(w.id)?.name === "A2");
    assert.ok(onNode1.length > 0, "runner A2, on node 1, hosts some of the new workspaces");
    const conn = handle(two, onNode1[0].id).connect();
    try {
      assert.equal((await within(runPrompt(conn, "/long 20 on node 1's runner"), 60_000, "a turn on A2"))?.stopReason, "end_turn");
    } finally {
      await conn.dispose();
    }
    for (const w of onNode1) w.events = ids((await history(two, w.id)).events);

    const stoppedAt = performance.now();
    await engines[0].stop();
    const times = await Promise.all(workspaces.map((w) => answersAgain(() => handle(two, w.id), w.id, stoppedAt, 90_000, (info) => info.bootId !== (onNode1.includes(w) ? w.bootId : ""))));
    const of = (moved: boolean) => times.filter((_, i) => onNode1.includes(workspaces[i]) === moved).map(seconds).join(", ");
    console.log(`multinode: engine node 1 stopped: the ${onNode1.length} workspaces of its runner answered through node 2 from a new start after ${of(true)}; the other ${workspaces.length - onNode1.length} after ${of(false)}`);
    for (const w of workspaces) assert.deepEqual(ids((await history(two, w.id)).events), w.events, `${w.id}: every stored event, through node 2`);
    const again = handle(two, onNode1[0].id).connect();
    try {
      assert.equal((await within(runPrompt(again, "/long 10 after node 1 stopped"), 60_000, "a turn through node 2"))?.stopReason, "end_turn");
    } finally {
      await again.dispose();
    }
    assert.ok(running(runners.find((r) => r.name === "B")!), "runner B, on node 2, ran through it all");
  });
});
