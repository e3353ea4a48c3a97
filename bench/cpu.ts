/**
 * The machine's CPU time: what every process together has used, in core-milliseconds (from
 * `os.cpus()`, so at the operating system's tick, 10 ms on Linux). Over a run, it tells how much
 * work a path costs the whole machine, and how many cores were busy doing it.
 */
import { cpus } from "node:os";

export function cpuBusyMs(): number {
  let busy = 0;
  for (const { times } of cpus()) busy += times.user + times.nice + times.sys + times.irq;
  return busy;
}

export const CORES = cpus().length;
