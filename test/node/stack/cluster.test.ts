/**
 * The registry as a host runs it at scale: a standalone Rivet Engine (the `rivet-engine` binary from
 * node_modules, file-system storage, the 7000/5000 thresholds) with two runner processes of
 * demo/registry.ts (`RIVET_ENDPOINT`), one sandbox-agent daemon with the demo agent; free ports,
 * every process stopped by pid whatever happens (demo/engine.ts, demo/runner.ts, npm run start:cluster).
 *
 * The cases run in order on one cluster, each leaving two runners up for the next: runners are
 * killed, stopped and started, the engine restarted. Times measured are printed (`cluster: …`).
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join as path } from "node:path";
import { after, before, describe, it } from "node:test";
import type { SessionEvent } from "sandbox-agent";
import { newPromptId, runPrompt, type WorkspaceBroadcasts } from "../../../src/actors/index.js";
import { startDaemon, type Daemon } from "../../../demo/daemon.js";
import { ensureRunnerConfig, startEngine, type Engine } from "../../../demo/engine.js";
import { processInfo } from "../../../demo/lifetime.js";
import { startRunner, type Runner } from "../../../demo/runner.js";
import { until, within } from "../../shared/until.js";
import { answersAgain, storedHistory } from "../../support/handles.js";
import { client, freeEnginePort, type WorkspaceClient } from "../../support/stack.js";

// The clients' reconnect warnings while runners and the engine go away are expected.
process.env.RIVET_LOG_LEVEL ??= "error";

const dir = mkdtempSync(path(tmpdir(), "sandbox-workspace-cluster-"));
let engine: Engine | undefined;
let daemon: Daemon | undefined;
const runners: Runner[] = [];
const clients: WorkspaceClient[] = [];

/** Every runner started, by pid, SIGKILLed if the process exits first (a failure, --test-force-exit). */
process.on("exit", () => {
  for (const runner of runners) if (runner.child.exitCode === null && runner.child.signalCode === null) runner.child.kill("SIGKILL");
});

function runner(name: string, env: Record<string, string> = {}): Runner {
  const started = startRunner({ name, endpoint: engine!.endpoint, sandboxUrl: daemon!.url, env });
  runners.push(started);
  return started;
}

/** The runners running now. */
const up = () => runners.filter((r) => r.child.exitCode === null && r.child.signalCode === null);

/** Starts runners until two run. */
async function twoRunners(): Promise<void> {
  while (up().length < 2) await runner(`r${runners.length + 1}`).ready;
}

function newClient(): WorkspaceClient {
  const c = client(engine!.endpoint);
  clients.push(c);
  return c;
}

type Conn = ReturnType<ReturnType<WorkspaceClient["workspace"]["getOrCreate"]>["connect"]>;

/** Connects and records every session event it is sent, in order. */
async function join(c: WorkspaceClient, workspaceId: string) {
  const conn: Conn = c.workspace.getOrCreate([workspaceId], { params: { userId: "u-ada", userName: "Ada" } }).connect();
  const events: SessionEvent[] = [];
  conn.on("session.event", (event: SessionEvent) => events.push(event));
  conn.on("session.events", (batch: SessionEvent[]) => events.push(...batch));
  const turns: Array<WorkspaceBroadcasts["turn"]> = [];
  conn.on("turn", (turn: WorkspaceBroadcasts["turn"]) => turns.push(turn));
  await until(() => conn.isConnected, `connected to ${workspaceId}`, 30_000);
  // Subscriptions hold once an action sent after them is answered.
  await conn.getSessionInfo();
  return { conn, events, turns };
}

/** A workspace through a handle of a client of its own: what a page opened now would see. */
const fresh = (c: WorkspaceClient, workspaceId: string) => c.workspace.getOrCreate([workspaceId], { params: { userId: "u-grace", userName: "Grace" } });

/** A lost range without the time it was found. */
const span = ({ after, through }: { after: number; through: number }) => [after, through];

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Each index once, rising; each event id once. */
function assertWellFormed(events: SessionEvent[], what: string): void {
  const indices = events.map((e) => e.eventIndex);
  assert.ok(
    indices.every((index, i) => i === 0 || index > indices[i - 1]),
    `${what}: indices rise, none twice`,
  );
  assert.equal(new Set(events.map((e) => e.id)).size, events.length, `${what}: no event stored twice`);
}

/** Runners' pids and whatever rivet-engine process one of them (or anything given `marker` in its environment) started. */
function enginesStartedBy(pids: number[], marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    let cmdline = "";
    let environ = "";
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, "latin1");
      environ = readFileSync(`/proc/${pid}/environ`, "latin1");
    } catch {
      continue;
    }
    if (!cmdline.includes("rivet-engine")) continue;
    if (pids.includes(processInfo(pid)?.ppid ?? -1) || environ.includes(marker)) found.push(pid);
  }
  return found;
}

/** The runners (envoys) the engine lists. */
async function envoys(endpoint: string): Promise<Array<{ envoy_key: string }>> {
  return ((await (await fetch(`${endpoint}/envoys?namespace=default`)).json()) as { envoys: Array<{ envoy_key: string }> }).envoys;
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });
}

describe("the registry on a standalone Rivet Engine with two runners", { timeout: 300_000 }, () => {
  // Every workspace is made before the first fault, and kept open (a connection keeps it awake, so
  // it stays where it runs). Brand-new workspaces created right after a runner crash and a new
  // runner joining sometimes never start (route_resolve_query_timeout after 15 s; the README's
  // cluster section): that is the engine's, and not what these cases measure.
  const ids = Array.from({ length: 8 }, (_, i) => `w-cluster-${i}`);
  let open: Array<Awaited<ReturnType<typeof join>>> = [];

  before(async () => {
    const started = performance.now();
    engine = await startEngine({ dir: path(dir, "engine") });
    await ensureRunnerConfig(engine.endpoint);
    daemon = await startDaemon({ env: { DEMO_AGENT_DELAY_MS: "1" } });
    await Promise.all([runner("r1"), runner("r2")].map((r) => r.ready));
    // A runner prints READY once it has started; the engine places actors only on the runners it
    // lists: both are, before any workspace is made.
    await until(async () => (await envoys(engine!.endpoint)).length >= 2, "the engine lists both runners", 30_000);
    console.log(`cluster: engine ${engine.endpoint} and two runners up in ${seconds(performance.now() - started)}`);
  });

  after(async () => {
    await Promise.all(clients.map((c) => within(c.dispose(), 5000, "client dispose").catch(() => undefined)));
    await Promise.all(runners.map((r) => r.kill()));
    await engine?.kill();
    await daemon?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The other workspaces the SIGKILLed runner served, open too, and when it died. */
  let crashed: { at: number; ids: string[] } = { at: 0, ids: [] };

  /** The runner that served `id` last, as far as the runners' logs tell. */
  const host = (id: string) => up().find((r) => r.keys().has(id));

  it("spreads workspaces over both runners", async () => {
    const c = newClient();
    // One after another: made all at once, the engine put all 8 on one runner in 1 run of 3 (both
    // runners listed), and once in CI; made one after another, they were spread in 3 runs of 3.
    for (const id of ids) {
      const ada = await join(c, id);
      open.push(ada);
      await within(runPrompt(ada.conn, "/long 20"), 60_000, "a first turn");
    }
    const where = up().map((r) => ids.filter((id) => r.keys().has(id)));
    console.log(`cluster: ${ids.length} workspaces over two runners: ${where.map((keys) => keys.length).join(" + ")}`);
    assert.ok(
      where.every((keys) => keys.length > 0),
      `each runner serves some: ${JSON.stringify(where)}`,
    );
    assert.equal(new Set(where.flat()).size, ids.length, "each workspace is served");
  });

  it("after a runner is SIGKILLed mid-turn, its workspaces answer on the other runner with their history intact and what was lost reported", async () => {
    const id = ids.find((key) => up().filter((r) => r.keys().has(key)).length === 1)!;
    const victim = host(id)!;
    const survivor = up().find((r) => r !== victim)!;
    const ada = open[ids.indexOf(id)];
    const { bootId } = await ada.conn.getSessionInfo();
    // What is stored for sure: the workspace writes streamed chunks behind the stream (within
    // 0.5 s), and serves what it has not written yet from memory; idle, it has written everything.
    const stored = await storedHistory(ada.conn);
    const promptId = newPromptId();
    const streamed = ada.events.length;
    // 3000 chunks, one every 2 ms: a turn of 6 s or more, at a pace that does not depend on the machine.
    await ada.conn.prompt({ text: "/firehose 3000 20 2", promptId });
    await until(() => ada.events.length >= streamed + 200, "the turn streams", 30_000);
    // Long enough for a first write of the turn's events behind the stream.
    await new Promise((resolve) => setTimeout(resolve, 800));
    assert.equal((await ada.conn.getSessionInfo()).running, true, "the turn still runs when the runner dies");
    const killedAt = performance.now();
    crashed = { at: killedAt, ids: ids.filter((key) => key !== id && host(key) === victim) };
    await victim.kill();
    const held = new Map(ada.events.map((event) => [event.eventIndex, event.id]));
    assert.ok(ada.events.length - streamed < 3000, `the client had not received the whole turn (${ada.events.length - streamed} events)`);

    const c2 = newClient();
    const recoveredMs = await answersAgain(() => fresh(c2, id), id, killedAt, 60_000, (info) => info.bootId !== bootId);
    console.log(`cluster: runner SIGKILL mid-turn: a fresh handle answered again after ${seconds(recoveredMs)} (on ${survivor.name})`);
    assert.ok(recoveredMs < 40_000, `recovered within 40 s (${recoveredMs} ms)`);
    // The open connection, left to RivetKit's own reconnection (an element starts over after its 10 s check).
    const oldConn = until(
      async () => (await within(ada.conn.getSessionInfo(), 3000, "getSessionInfo").catch(() => ({ bootId }))).bootId !== bootId,
      "the open connection reaches the new start",
      45_000,
      250,
    ).then(
      () => `answered again after ${seconds(performance.now() - killedAt)}`,
      () => "did not answer again within 45 s",
    );

    const after = await storedHistory(fresh(c2, id));
    assertWellFormed(after.events, "after the crash");
    const storedIds = new Map(after.events.map((event) => [event.eventIndex, event.id]));
    for (const event of stored.events) assert.equal(storedIds.get(event.eventIndex), event.id, `event ${event.eventIndex}, stored before the turn, is still there`);
    const newLost = after.lost.slice(stored.lost.length);
    assert.ok(newLost.length > 0, `the crash is reported as a lost range: ${JSON.stringify(after.lost)}`);
    const inLost = (index: number) => after.lost.some((range) => index > range.after && index <= range.through);
    const unaccounted = [...held].filter(([index, eventId]) => storedIds.get(index) !== eventId && !inLost(index));
    assert.deepEqual(unaccounted, [], "every event the client was sent is stored as it was, or in a lost range");
    assert.ok(after.events.every((event) => !inLost(event.eventIndex)), "nothing is stored inside a lost range");
    const ofTurn = [...held.keys()].filter((index) => index > (stored.events.at(-1)?.eventIndex ?? 0));
    const kept = ofTurn.filter((index) => storedIds.has(index)).length;
    console.log(`cluster: the client held ${ofTurn.length} events of the turn; ${kept} were stored, ${ofTurn.length - kept} not (reported lost: ${JSON.stringify(newLost.map(({ after: a, through }) => [a, through]))})`);

    // The interrupted prompt: forgotten by the new start (the element says `connection-lost`, as the
    // boot changed), or ended with what became of it; never running forever.
    let outcome = await fresh(c2, id).getTurn({ promptId });
    await until(
      async () => (outcome = await fresh(c2, id).getTurn({ promptId })) === null || outcome.state === "ended",
      () => `the interrupted turn is over: ${JSON.stringify(outcome)}`,
      60_000,
      500,
    );
    console.log(`cluster: getTurn of the interrupted prompt: ${JSON.stringify(outcome)}`);

    const grace = await join(c2, id);
    assert.equal((await within(runPrompt(grace.conn, "/long 20"), 60_000, "the next turn"))?.stopReason, "end_turn", "the next turn works");
    assertWellFormed((await storedHistory(grace.conn)).events, "after the next turn");
    console.log(`cluster: the old connection ${await oldConn}`);
    await grace.conn.dispose();
  });

  it("hands a SIGTERMed runner's workspaces (a deploy) over to the other runner with nothing lost", async () => {
    await twoRunners();
    // After the crash, the survivor serves every workspace; the new runner none yet.
    const leaving = up().reduce((most, r) => (ids.filter((id) => r.keys().has(id)).length > ids.filter((id) => most.keys().has(id)).length ? r : most));
    const staying = up().find((r) => r !== leaving)!;
    // Not the crashed runner's other open workspaces: see the engine restart case.
    const moving = ids.filter((id) => leaving.keys().has(id) && !crashed.ids.includes(id));
    assert.ok(moving.length > 0, `${leaving.name} serves some`);
    const c = newClient();
    const before = new Map(await Promise.all(moving.map(async (id) => [id, { ...(await storedHistory(fresh(c, id))), bootId: (await fresh(c, id).getSessionInfo()).bootId }] as const)));

    const stoppedAt = performance.now();
    const stopping = leaving.stop();
    const times = await Promise.all(moving.map((id) => answersAgain(() => fresh(c, id), id, stoppedAt, 60_000, (info) => info.bootId !== before.get(id)!.bootId)));
    // The open connections: answered by the new start, without the page doing anything.
    const openTimes = await Promise.all(
      moving.map(async (id) => {
        const conn = open[ids.indexOf(id)].conn;
        await until(async () => (await within(conn.getSessionInfo(), 3000, "getSessionInfo").catch(() => before.get(id)!)).bootId !== before.get(id)!.bootId, `${id}'s open connection reaches the new start`, 60_000, 100);
        return Math.round(performance.now() - stoppedAt);
      }),
    );
    await stopping;
    console.log(
      `cluster: runner SIGTERM: ${moving.length} workspaces answered fresh handles on ${staying.name} after ${seconds(Math.min(...times))}–${seconds(Math.max(...times))}, their open connections after ${seconds(Math.max(...openTimes))} at most; the runner exited after ${seconds(performance.now() - stoppedAt)}`,
    );
    for (const id of moving) {
      const after = await storedHistory(fresh(c, id));
      // Compared without `at`: a range left by the earlier crash is found again (and stamped anew) at each start.
      assert.deepEqual(after.lost.map(span), before.get(id)!.lost.map(span), `${id}: no lost range added`);
      assert.deepEqual(
        after.events.map((e) => e.id),
        before.get(id)!.events.map((e) => e.id),
        `${id}: the same events`,
      );
    }
    await Promise.all(open.map((ada) => within(ada.conn.dispose(), 5000, "dispose").catch(() => undefined)));
  });

  it("keeps everything stored through an engine restart; clients that start over reach it", async () => {
    // One runner serves them all now (the other was stopped): no runner joins just before. The
    // crashed runner's other open workspaces are left out: some of them stay unreachable for over
    // 90 s after the crash (a known limit, in the README), which is not what this case is about.
    const reachable = ids.filter((id) => !crashed.ids.includes(id));
    const readAll = async (since: number) => {
      // A client that starts over: a new client, asking until it has the whole history (each try bounded).
      const c = newClient();
      const read = new Map<string, Awaited<ReturnType<typeof storedHistory>>>();
      const times = await Promise.all(
        reachable.map(async (id) => {
          let last = "no answer yet";
          await until(
            async () => {
              try {
                read.set(id, await within(storedHistory(fresh(c, id)), 10_000, `${id}'s history`));
                return true;
              } catch (error) {
                last = (error as Error).message;
                return false;
              }
            },
            () => `${id}'s history is read (last: ${last})`,
            90_000,
            250,
          );
          return performance.now() - since;
        }),
      );
      return { read, times };
    };
    const first = performance.now();
    const { read: before, times: beforeTimes } = await readAll(first);
    console.log(`cluster: before the engine restart, ${reachable.length} workspaces' histories read by a new client after ${seconds(Math.min(...beforeTimes))}–${seconds(Math.max(...beforeTimes))}`);
    const killedAt = performance.now();
    await engine!.kill();
    engine = await startEngine({ dir: engine!.dir, ports: engine!.ports });
    const healthyMs = performance.now() - killedAt;
    const { read: after, times } = await readAll(killedAt);
    console.log(`cluster: engine SIGKILL and restart: healthy after ${seconds(healthyMs)}; ${reachable.length} workspaces' histories read by a new client after ${seconds(Math.min(...times))}–${seconds(Math.max(...times))}`);
    const c2 = newClient();
    for (const id of reachable) {
      const { events, lost } = after.get(id)!;
      assert.deepEqual(events.map((e) => e.id), before.get(id)!.events.map((e) => e.id), `${id}: the same events`);
      // Ranges stay; the engine's death stops the workspaces without a clean stop, so the indices
      // they had promised may be recorded lost again (the same range, found again), never over a stored event.
      assert.deepEqual(lost.slice(0, before.get(id)!.lost.length).map(span), before.get(id)!.lost.map(span), `${id}: the lost ranges it had`);
      assert.ok(events.every((e) => !lost.some((r) => e.eventIndex > r.after && e.eventIndex <= r.through)), `${id}: no stored event in a lost range`);
    }
    const grace = await join(c2, reachable[0]);
    assert.equal((await within(runPrompt(grace.conn, "/long 20"), 60_000, "a turn after the restart"))?.stopReason, "end_turn");
    await grace.conn.dispose();
  });

  it("a runner started while no engine answers spawns none, waits saying so, and connects once the engine is back", async () => {
    const storage = mkdtempSync(path(dir, "late-runner-"));
    const wouldBe = await freeEnginePort();
    await engine!.stop();
    // Where RivetKit would put a private engine: a port of ours and a storage dir of ours, so a spawn would show.
    const late = runner(`r${runners.length + 1}`, { RIVET_RUN_ENGINE_PORT: String(wouldBe), RIVETKIT_STORAGE_PATH: storage });
    const startedAt = performance.now();
    await until(() => (late.output().match(/waiting for the Rivet Engine at /g) ?? []).length >= 3, () => `${late.name} says it waits:\n${late.output()}`, 30_000);
    assert.match(late.output(), new RegExp(`waiting for the Rivet Engine at ${engine!.endpoint} \\(not answering: [^)]*ECONNREFUSED[^)]*\\); retrying in \\d+ s`));
    assert.equal(late.child.exitCode, null, "it still runs");
    assert.deepEqual(enginesStartedBy([late.pid], storage), [], "no rivet-engine process of its own");
    for (const port of [wouldBe, wouldBe + 1, wouldBe + 10]) assert.equal(await listening(port), false, `nothing listens on ${port}`);
    assert.deepEqual(readdirSync(storage), [], "nothing written where a private engine would store its data");
    console.log(`cluster: a runner started with no engine waited ${seconds(performance.now() - startedAt)} without spawning one`);

    const back = performance.now();
    engine = await startEngine({ dir: engine!.dir, ports: engine!.ports });
    await within(late.ready, 30_000, "the late runner is ready once the engine is back");
    console.log(`cluster: it connected ${seconds(performance.now() - back)} after the engine was started again`);
    // Its envoy keys, as it logs them, against the runners the engine lists.
    const keys = new Set([...late.output().matchAll(/envoy_key=([0-9a-f-]{36})/g)].map((match) => match[1]));
    const listed = await envoys(engine!.endpoint);
    assert.ok(
      listed.some((e) => keys.has(e.envoy_key)),
      `the engine lists it: ${JSON.stringify(listed.map((e) => e.envoy_key))}, its keys ${JSON.stringify([...keys])}`,
    );
    assert.deepEqual(enginesStartedBy([late.pid], storage), [], "still none of its own");
  });
});
