/**
 * Keeping the demo's processes from outliving whoever started them (demo/start.ts, demo/registry.ts).
 *
 * - `watchParent(onGone)`: calls `onGone` once the process that ran us is gone. `npm start` runs
 *   start.ts as `npm → sh -c → node`, and npm passes SIGINT and SIGTERM on to the shell only: the
 *   shell dies of SIGTERM without passing it on, defers SIGINT until its child exits, and npm itself
 *   dies of SIGHUP. So under a package manager the whole chain up to the process that ran it is
 *   watched (each link must stay alive and keep its parent), not just our parent.
 * - `startReaper()`: a small watcher process (plain `node -e`, in its own session, so neither a
 *   terminal's signals nor a SIGKILL of our process group reach it) that stops what it was told
 *   about if our process dies without saying `done` first, e.g. when start.ts is SIGKILLed.
 *
 * Processes are named by pid and their start time (Linux: /proc/<pid>/stat), so a pid the kernel
 * has handed to another process since is never signalled. Elsewhere, only the parent is watched and
 * pids are taken at their word.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fstatSync, readFileSync } from "node:fs";

const PROC = process.platform === "linux";

export interface ProcessInfo {
  pid: number;
  /** One of /proc's states: R, S, D, Z (zombie), T, X (dead)... */
  state: string;
  ppid: number;
  /** Clock ticks after boot at which it started: with the pid, names one process for good. */
  start: string;
}

/** What /proc says about `pid`; undefined when there is no such process (or no /proc). */
export function processInfo(pid: number): ProcessInfo | undefined {
  if (!PROC) return undefined;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses; fields resume after the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { pid, state: fields[0], ppid: Number(fields[1]), start: fields[19] };
}

/** Whether `pid` runs (a zombie does not), and is still the process that started at `start`. */
export function isAlive(pid: number, start?: string): boolean {
  if (!PROC) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === "EPERM";
    }
  }
  const info = processInfo(pid);
  return !!info && info.state !== "Z" && info.state !== "X" && (start === undefined || info.start === start);
}

interface Link {
  pid: number;
  ppid: number;
  start?: string;
  what: string;
}

/** Us, and under a package manager's `run` every process up to it (whose parent ran it). */
function chain(packageManager: boolean): Link[] {
  const links: Link[] = [{ pid: process.pid, ppid: process.ppid, what: "this process" }];
  if (!packageManager || !PROC || !process.env.npm_lifecycle_event) return links;
  // The script's shell (and any outer `npm run`) carry npm_lifecycle_event; the package manager
  // that ran us is the first one up that does not.
  for (let pid = process.ppid; pid > 1 && links.length < 16; ) {
    const info = processInfo(pid);
    if (!info) break;
    const wrapper = environ(pid).includes("npm_lifecycle_event=");
    links.push({ pid, ppid: info.ppid, start: info.start, what: wrapper ? "the script's shell" : "the package manager" });
    if (!wrapper) break;
    pid = info.ppid;
  }
  return links;
}

function environ(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/environ`, "latin1");
  } catch {
    return "";
  }
}

export interface WatchOptions {
  /** Under a package manager's `run`, watch up to the process that ran the package manager. */
  packageManager?: boolean;
  intervalMs?: number;
}

/**
 * Calls `onGone(why)` once, when the process that ran us (with `packageManager`, the one that ran
 * the package manager) has exited: checked every `intervalMs` (500). Returns a function that stops
 * watching.
 */
export function watchParent(onGone: (why: string) => void, options: WatchOptions = {}): () => void {
  // Started by init (a container's entry point, a daemonizer): there is no parent to lose.
  if (process.ppid <= 1) return () => undefined;
  const links = chain(options.packageManager ?? false);
  const timer = setInterval(() => {
    for (const link of links) {
      let why: string | undefined;
      if (link.pid === process.pid) {
        if (process.ppid !== link.ppid) why = `its parent, ${link.ppid}, exited`;
      } else if (!isAlive(link.pid, link.start)) why = `${link.what}, ${link.pid}, exited`;
      else if (processInfo(link.pid)?.ppid !== link.ppid) why = `the parent of ${link.what}, ${link.ppid}, exited`;
      if (why) {
        clearInterval(timer);
        onGone(why);
        return;
      }
    }
  }, options.intervalMs ?? 500);
  timer.unref();
  return () => clearInterval(timer);
}

/** Whether stdin is a pipe or a socket (what a parent that spawned us holds the other end of). */
export function stdinIsPipe(): boolean {
  try {
    const stat = fstatSync(0);
    return stat.isFIFO() || stat.isSocket();
  } catch {
    return false;
  }
}

/** Output to a parent that has gone must not crash the clean-up with EPIPE. */
/**
 * A demo's lifetime: runs `start`, and calls `stop` (which must stop what started, once, and exit)
 * on SIGINT, SIGTERM or SIGHUP, when whoever ran us is gone, or when `start` fails, saying so under
 * `name` unless a stop was under way already (`stopping`).
 */
export async function runUntilStopped(name: string, start: () => Promise<void>, stop: (why: string, code?: number) => Promise<void>, stopping: () => boolean): Promise<void> {
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => void stop(signal));
  watchParent((why) => void stop(why), { packageManager: true });
  try {
    await start();
  } catch (error) {
    if (!stopping()) {
      console.error(`${name} failed: ${(error as Error).message}`);
      await stop("start-up failed", 1);
    }
  }
}

export function ignoreBrokenOutput(): void {
  for (const stream of [process.stdout, process.stderr]) stream.on("error", () => undefined);
}

export interface Reaper {
  pid: number;
  /** A process to SIGTERM (SIGKILL after `graceMs`) first: it stops what it runs itself. */
  process(pid: number, graceMs: number): void;
  /** Then the RivetKit engine named in `<storage>/.rivetkit/var/engine/runtime.json`. */
  engine(storage: string): void;
  /** Then a process group (SIGTERM, SIGKILL after 3 s), and a directory to remove after it. */
  group(pid: number, dir?: string): void;
  /** Everything stopped: the reaper exits without touching anything. */
  done(): void;
}

/**
 * The reaper: reads JSON lines on stdin; when stdin closes without a `done` line, it stops what it
 * was told about, in order (processes, engines, groups), and exits. Plain JavaScript, so it starts
 * without tsx.
 */
const REAPER = String.raw`
const { readFileSync, rmSync } = require("node:fs");
const targets = [];
let input = "";
let done = false;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
function info(pid) {
  try {
    const stat = readFileSync("/proc/" + pid + "/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { state: fields[0], start: fields[19] };
  } catch {
    return undefined;
  }
}
function alive(pid, start) {
  if (process.platform !== "linux") {
    try { process.kill(pid, 0); return true; } catch (error) { return error.code === "EPERM"; }
  }
  const i = info(pid);
  return !!i && i.state !== "Z" && i.state !== "X" && (start === undefined || i.start === start);
}
function signal(pid, group, name) {
  try { process.kill(group ? -pid : pid, name); } catch {}
}
async function stop(pid, start, group, graceMs) {
  if (!alive(pid, start)) return;
  signal(pid, group, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (alive(pid, start) && Date.now() < deadline) await sleep(50);
  if (alive(pid, start)) signal(pid, group, "SIGKILL");
  // What the group's leader started can outlive it for a moment.
  if (group) signal(pid, true, "SIGKILL");
}
function enginePid(storage) {
  try {
    const pid = Number(JSON.parse(readFileSync(storage + "/.rivetkit/var/engine/runtime.json", "utf8")).pid);
    if (!Number.isInteger(pid) || pid <= 1) return undefined;
    if (process.platform === "linux" && !readFileSync("/proc/" + pid + "/cmdline", "latin1").includes("rivet-engine")) return undefined;
    return pid;
  } catch {
    return undefined;
  }
}
async function reap() {
  if (done) process.exit(0);
  for (const t of targets.filter((t) => t.kind === "process")) await stop(t.pid, t.start, false, t.graceMs);
  for (const t of targets.filter((t) => t.kind === "engine")) {
    const pid = enginePid(t.storage);
    if (pid) await stop(pid, undefined, false, 5000);
  }
  for (const t of targets.filter((t) => t.kind === "group")) {
    await stop(t.pid, t.start, true, 3000);
    if (t.dir) rmSync(t.dir, { recursive: true, force: true });
  }
  process.exit(0);
}
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  input += chunk;
  for (let end; (end = input.indexOf("\n")) >= 0; input = input.slice(end + 1)) {
    const line = input.slice(0, end);
    if (line === "done") done = true;
    else if (line) {
      const target = JSON.parse(line);
      if (target.pid) target.start = info(target.pid)?.start;
      targets.push(target);
    }
  }
});
process.stdin.on("end", reap);
process.stdin.on("error", reap);
`;

export function startReaper(): Reaper {
  const child = spawn(process.execPath, ["-e", REAPER], { detached: true, stdio: ["pipe", "ignore", "ignore"] });
  child.unref();
  const stdin = child.stdin!;
  // A reaper that died (or a pipe that broke) must not take this process down.
  stdin.on("error", () => undefined);
  (stdin as unknown as { unref?: () => void }).unref?.();
  const send = (message: object | string) => {
    if (!stdin.writable) return;
    stdin.write(`${typeof message === "string" ? message : JSON.stringify(message)}\n`);
  };
  return {
    pid: child.pid!,
    process: (pid, graceMs) => send({ kind: "process", pid, graceMs }),
    engine: (storage) => send({ kind: "engine", storage }),
    group: (pid, dir) => send({ kind: "group", pid, dir }),
    done: () => {
      send("done");
      stdin.end();
    },
  };
}

/** Asks a registry process to stop (a `stop` line on its stdin), SIGKILL after `killAfterMs`; resolves once it has exited. */
export async function stopChild(child: ChildProcess, killAfterMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.stdin!.write("stop\n");
  const timer = setTimeout(() => child.kill("SIGKILL"), killAfterMs);
  await exited;
  clearTimeout(timer);
}
