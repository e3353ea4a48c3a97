/**
 * Postgres and NATS, for two or more engine nodes: a multi-node Rivet Engine keeps its data in
 * Postgres and talks between nodes over NATS (both Debian packages: `postgresql`, `nats-server`).
 * Each runs from the host's installed binaries, in a directory of its own, on free ports, as a
 * child process stopped by PID (and SIGKILLed if this process exits first).
 *
 *   const postgres = await startPostgres({ dir: ".demo-data/nodes/pg" });  // postgres.url: …/rivet
 *   const nats = await startNats({ dir: ".demo-data/nodes/nats" });        // nats.address: 127.0.0.1:port
 *   ...startEngine({ dir, storage: { postgres: postgres.url, nats: [nats.address] } }) for each node...
 *   await nats.stop(); await postgres.stop();
 *
 * Postgres refuses to run as root: as root, it runs as the `postgres` user the package created.
 */
import { spawn, spawnSync } from "node:child_process";
import { chownSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, realpathSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { freePort } from "./daemon.js";
import { killWithProcess, signal } from "./engine.js";

export interface Service {
  pid: number;
  logPath: string;
  /** Resolves once the process has exited. */
  exited: Promise<void>;
  /** SIGTERM (Postgres: SIGINT, its fast shutdown), SIGKILL after `killAfterMs` (default 5 s). */
  stop(killAfterMs?: number): Promise<void>;
}

export interface Postgres extends Service {
  /** `postgresql://rivet@127.0.0.1:<port>/rivet?sslmode=disable`: the engine's database. */
  url: string;
  port: number;
}

export interface Nats extends Service {
  /** `127.0.0.1:<port>`: what the engine's `nats.addresses` lists. */
  address: string;
}

/** Postgres's programs: where `initdb` on the PATH is, or the newest /usr/lib/postgresql/<version>/bin. */
export function postgresBinDir(): string | undefined {
  // Where the PATH's `initdb` really is (a link's target): its directory holds `postgres` and `psql` too.
  for (const dir of (process.env.PATH ?? "").split(":")) if (dir && existsSync(join(dir, "initdb"))) return dirname(realpathSync(join(dir, "initdb")));
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, "bin", "initdb"))).sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(root, versions[0], "bin") : undefined;
}

/** `nats-server` on the PATH (or where Debian puts it). */
export function natsServerPath(): string | undefined {
  for (const dir of [...(process.env.PATH ?? "").split(":"), "/usr/bin", "/usr/sbin"]) if (dir && existsSync(join(dir, "nats-server"))) return join(dir, "nats-server");
  return undefined;
}

/** What is missing for a multi-node engine, as a sentence saying how to install it; undefined when nothing is. */
export function missingDatastores(): string | undefined {
  const missing = [!postgresBinDir() && "postgresql", !natsServerPath() && "nats-server"].filter(Boolean);
  return missing.length ? `Two engine nodes need Postgres and NATS: install ${missing.join(" and ")} (Debian: apt-get install ${missing.join(" ")}).` : undefined;
}

/** The command line, run as the `postgres` user when we are root. */
function asPostgresUser(command: string, args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [command, args];
  return ["setpriv", ["--reuid=postgres", "--regid=postgres", "--init-groups", "--", command, ...args]];
}

function postgresUserIds(): { uid: number; gid: number } {
  const line = readFileSync("/etc/passwd", "utf8").split("\n").find((entry) => entry.startsWith("postgres:"));
  if (!line) throw new Error("running as root, and there is no `postgres` user to run Postgres as (install postgresql)");
  const [, , uid, gid] = line.split(":");
  return { uid: Number(uid), gid: Number(gid) };
}

function run(command: string, args: string[], what: string): void {
  const [cmd, argv] = asPostgresUser(command, args);
  const result = spawnSync(cmd, argv, { encoding: "utf8", timeout: 60_000 });
  if (result.status !== 0) throw new Error(`${what} failed (${result.error?.message ?? `exit ${result.status}`}): ${(result.stderr || result.stdout || "").trim().slice(-800)}`);
}

function service(child: ReturnType<typeof spawn>, logPath: string, stopSignal: NodeJS.Signals): Service & { running(): boolean } {
  const pid = child.pid!;
  let running = true;
  const exited = new Promise<void>((resolveExit) => child.once("exit", () => resolveExit()));
  void exited.then(() => (running = false));
  killWithProcess(pid, exited, true);
  return {
    pid,
    logPath,
    exited,
    running: () => running,
    stop: async (killAfterMs = 5_000) => {
      if (!running) return;
      signal(pid, stopSignal);
      const timer = setTimeout(() => signal(pid, "SIGKILL"), killAfterMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function spawned(command: string, args: string[], logPath: string): Promise<ReturnType<typeof spawn>> {
  const log = openSync(logPath, "a");
  // Its own process group, output to a file: it does not depend on our pipes or terminal.
  const child = spawn(command, args, { detached: true, stdio: ["ignore", log, log] });
  closeSync(log);
  await new Promise<void>((resolveSpawn, reject) => {
    child.once("spawn", () => resolveSpawn());
    child.once("error", reject);
  });
  return child;
}

/** A Postgres cluster of its own in `dir` (created if missing), with a `rivet` database, on a free port. */
export async function startPostgres(options: { dir: string; startTimeoutMs?: number }): Promise<Postgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error(missingDatastores());
  const dir = resolve(options.dir);
  const data = join(dir, "data");
  mkdirSync(dir, { recursive: true });
  if (process.getuid?.() === 0) {
    const { uid, gid } = postgresUserIds();
    chownSync(dir, uid, gid);
    const [cmd, args] = asPostgresUser("test", ["-w", dir]);
    if (spawnSync(cmd, args).status !== 0) throw new Error(`Postgres runs as the postgres user here (we are root), and it cannot reach ${dir}: every directory above it must be open to others (chmod o+x).`);
  }
  const fresh = !existsSync(join(data, "PG_VERSION"));
  if (fresh) run(join(bin, "initdb"), ["-D", data, "-U", "rivet", "--auth=trust", "-E", "UTF8", "--no-sync"], "initdb");
  const port = await freePort();
  const logPath = join(dir, "postgres.log");
  const [cmd, args] = asPostgresUser(join(bin, "postgres"), ["-D", data, "-p", String(port), "-k", dir, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"]);
  const child = await spawned(cmd, args, logPath);
  // setpriv execs postgres in its place: the pid is the postmaster's. SIGINT is its fast shutdown.
  const pg = service(child, logPath, "SIGINT");
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  const psql = (sql: string) => spawnSync(join(bin, "psql"), ["-h", "127.0.0.1", "-p", String(port), "-U", "rivet", "-d", "postgres", "-tAc", sql], { encoding: "utf8", timeout: 10_000 });
  for (;;) {
    if (!pg.running()) throw new Error(`postgres exited at start; the end of ${logPath}:\n${readFileSync(logPath, "utf8").split("\n").slice(-15).join("\n")}`);
    const ready = psql("SELECT 1");
    if (ready.status === 0) break;
    if (Date.now() > deadline) {
      await pg.stop(0);
      throw new Error(`postgres did not answer within ${options.startTimeoutMs ?? 30_000} ms: ${ready.stderr}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  if (psql("SELECT 1 FROM pg_database WHERE datname = 'rivet'").stdout.trim() !== "1") {
    const created = psql("CREATE DATABASE rivet");
    if (created.status !== 0) {
      await pg.stop();
      throw new Error(`CREATE DATABASE rivet failed: ${created.stderr}`);
    }
  }
  return { ...pg, port, url: `postgresql://rivet@127.0.0.1:${port}/rivet?sslmode=disable` };
}

/** A NATS server on a free port, logging to `dir/nats.log`. */
export async function startNats(options: { dir: string; startTimeoutMs?: number }): Promise<Nats> {
  const binary = natsServerPath();
  if (!binary) throw new Error(missingDatastores());
  const dir = resolve(options.dir);
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const logPath = join(dir, "nats.log");
  const nats = service(await spawned(binary, ["-a", "127.0.0.1", "-p", String(port)], logPath), logPath, "SIGTERM");
  const deadline = Date.now() + (options.startTimeoutMs ?? 15_000);
  while (!readFileSync(logPath, "utf8").includes("Server is ready")) {
    if (!nats.running() || Date.now() > deadline) {
      await nats.stop(0);
      throw new Error(`nats-server did not start; the end of ${logPath}:\n${readFileSync(logPath, "utf8").split("\n").slice(-10).join("\n")}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { ...nats, address: `127.0.0.1:${port}` };
}
