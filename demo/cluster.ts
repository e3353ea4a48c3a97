/**
 * `npm run start:cluster`: the product as a host runs it at scale, on this machine, with nothing to
 * download and no keys:
 *
 * 1. a standalone Rivet Engine, the `rivet-engine` binary RivetKit installed in node_modules, on
 *    free ports, with its config, storage and log in .demo-data/cluster/engine/ (CLUSTER_DATA_DIR
 *    for another directory; the data stays for the next run) and the runner config created;
 * 2. the sandbox-agent daemon with the demo agent as its `mock` agent;
 * 3. CLUSTER_RUNNERS (default 2) runners: demo/registry.ts processes with RIVET_ENDPOINT set to the
 *    engine, logging (RIVET_LOG_LEVEL=info: `actor_key=` says who serves which workspace) to
 *    .demo-data/cluster/rN.log;
 * 4. the demo page (Vite, PORT or 5173) with the freshly built drop-in file, on the engine.
 *
 * CLUSTER_ENGINES=2 (or more) runs that many engine nodes instead, sharing Postgres and NATS (the
 * Debian packages `postgresql` and `nats-server` must be installed; each runs from .demo-data/
 * cluster/pg and nats/, the nodes from node1/, node2/…): runners are spread over the nodes, and the
 * page may use any node's endpoint.
 *
 * Ctrl-C, SIGTERM or SIGHUP stops all of it by pid: the page, the runners (SIGTERM: they hand their
 * workspaces over and leave), the engines, the daemon, NATS and Postgres. So does the end of whoever ran it
 * (watched, as by `npm start`), and if this process is SIGKILLed, the reaper (demo/lifetime.ts).
 * Try a failover: `kill -9` one runner's pid while a turn streams; its workspaces come back on the
 * other runner within about 12 s.
 */
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createServer, type ViteDevServer } from "vite";
import { buildDropIn } from "./build.js";
import { startDaemon, type Daemon } from "./daemon.js";
import { missingDatastores, startNats, startPostgres, type Nats, type Postgres } from "./datastores.js";
import { ensureRunnerConfig, startEngine, type Engine } from "./engine.js";
import { ignoreBrokenOutput, runUntilStopped, startReaper } from "./lifetime.js";
import { startRunner, type Runner } from "./runner.js";

const data = resolve(process.env.CLUSTER_DATA_DIR || fileURLToPath(new URL("../.demo-data/cluster", import.meta.url)));
const dist = resolve(process.env.DEMO_DIST_DIR || fileURLToPath(new URL("../dist", import.meta.url)));
const runnerCount = Math.max(1, Number(process.env.CLUSTER_RUNNERS) || 2);
const engineCount = Math.max(1, Number(process.env.CLUSTER_ENGINES) || 1);
const shown = (path: string) => relative(process.cwd(), path) || ".";
mkdirSync(data, { recursive: true });

ignoreBrokenOutput();
const reaper = startReaper();
const engines: Engine[] = [];
let postgres: Postgres | undefined;
let nats: Nats | undefined;
let daemon: Daemon | undefined;
const runners: Runner[] = [];
const logs: WriteStream[] = [];
let vite: ViteDevServer | undefined;
let stopping: Promise<void> | undefined;

await runUntilStopped("npm run start:cluster", start, stop, () => stopping !== undefined);

async function start(): Promise<void> {
  await buildDropIn(dist);
  if (stopping) return;

  // Stopped by stop(), after the runners have handed over; by the reaper if we are SIGKILLed.
  let storage: { postgres: string; nats: string[] } | undefined;
  if (engineCount > 1) {
    const missing = missingDatastores();
    if (missing) throw new Error(missing);
    postgres = await startPostgres({ dir: resolve(data, "pg") });
    reaper.process(postgres.pid, 5_000);
    console.log(`postgres           ${postgres.url}  pid ${postgres.pid}  (log ${shown(postgres.logPath)})`);
    nats = await startNats({ dir: resolve(data, "nats") });
    reaper.process(nats.pid, 5_000);
    console.log(`nats-server        ${nats.address}  pid ${nats.pid}  (log ${shown(nats.logPath)})`);
    storage = { postgres: postgres.url, nats: [nats.address] };
    if (stopping) return;
  }
  // One node at a time: on Postgres, the first takes the store's leader lease and creates its tables.
  for (let n = 1; n <= engineCount; n++) {
    const dir = resolve(data, engineCount > 1 ? `node${n}` : "engine");
    const engine = await startEngine({ dir, storage, killOnSignal: false, onSpawn: (pid) => reaper.process(pid, 5_000) });
    engines.push(engine);
    console.log(`rivet engine${engineCount > 1 ? ` ${n}` : "  "}     ${engine.endpoint}  pid ${engine.pid}  (${storage ? "" : `data ${shown(engine.dir)}, `}log ${shown(engine.logPath)})`);
    if (stopping) return;
  }
  // A fresh engine refuses runners until their runner config exists (the nodes share it).
  await ensureRunnerConfig(engines[0].endpoint);
  if (stopping) return;

  daemon = await startDaemon({ onSpawn: (pid, dataDir) => reaper.group(pid, dataDir) });
  console.log(`sandbox-agent      ${daemon.url}  pid ${daemon.pid}  (demo agent as "mock")`);
  if (stopping) return;

  for (let n = 1; n <= runnerCount; n++) {
    const name = `r${n}`;
    const logPath = resolve(data, `${name}.log`);
    const log = createWriteStream(logPath, { flags: "a" });
    log.on("error", () => undefined);
    logs.push(log);
    const engine = engines[(n - 1) % engines.length];
    const runner = startRunner({ name, endpoint: engine.endpoint, sandboxUrl: daemon.url, keepOutput: false, readyTimeoutMs: 0, onLog: (line) => log.write(`${line}\n`) });
    runners.push(runner);
    reaper.process(runner.pid, 20_000);
    void runner.exited.then(() => !stopping && console.log(`runner ${name} (pid ${runner.pid}) exited; the engine moves its workspaces to the others`));
    console.log(`runner ${name}          pid ${runner.pid}  (RIVET_ENDPOINT=${engine.endpoint}, log ${shown(logPath)})`);
  }
  await Promise.all(runners.map((runner) => runner.ready));
  if (stopping) return;

  vite = await createServer({
    configFile: fileURLToPath(new URL("../vite.config.ts", import.meta.url)),
    publicDir: dist,
    server: { port: Number(process.env.PORT) || 5173 },
  });
  await vite.listen();
  const page = vite.resolvedUrls?.local[0] ?? "http://127.0.0.1:5173/";
  console.log(
    [
      "",
      `  Open ${page}?endpoint=${encodeURIComponent(engines[0].endpoint)}`,
      ...engines.slice(1).map((engine, i) => `    or, through node ${i + 2}, ${page}?endpoint=${encodeURIComponent(engine.endpoint)}`),
      "",
      `  Which runner serves a workspace: grep actor_key=<workspace id> ${shown(resolve(data, "r*.log"))}`,
      `  A runner crash: kill -9 ${runners.map((runner) => runner.pid).join(" or ")}; a deploy: kill -TERM one.`,
      "",
      "Ctrl-C stops everything.",
    ].join("\n"),
  );
}

/** Stops what started, the page and the runners first, and exits. Once. */
function stop(why: string, code = 0): Promise<void> {
  stopping ??= (async () => {
    console.log(`\nstopping (${why})…`);
    await Promise.race([vite?.close(), sleep(3_000)]).catch(() => undefined);
    // SIGTERM, as a deploy does; SIGKILL after 20 s.
    await Promise.all(runners.map((runner) => runner.stop(20_000)));
    await Promise.all(engines.map((engine) => engine.stop(5_000)));
    await daemon?.stop();
    await nats?.stop();
    await postgres?.stop();
    for (const log of logs) log.end();
    reaper.done();
    process.exit(code);
  })();
  return stopping;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
