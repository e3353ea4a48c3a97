/**
 * Persistence: the cost of storing event #20,000 against event #100, through the workspace's
 * persistence driver on a real RivetKit actor's SQLite (bench/persist-host.ts).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createClient } from "rivetkit/client";
import { stopEmbeddedEngine } from "../src/actors/registry.js";
import { stopChild } from "../demo/lifetime.js";
import { freeEnginePort, startHost } from "../test/support/stack.js";
import type { PersistBenchRegistry } from "./persist-host.js";
import { figure, percentile, sample, type Figure } from "./stats.js";

const HOST = fileURLToPath(new URL("./persist-host.ts", import.meta.url));


export async function persistFigures(runs = 3, window = 30): Promise<Figure[]> {
  const storage = mkdtempSync(join(tmpdir(), "sandbox-workspace-bench-"));
  const port = await freeEnginePort();
  const host = await startHost(HOST, { RIVETKIT_STORAGE_PATH: storage, RIVET_RUN_ENGINE_PORT: String(port) }, { storage });
  try {
    const client = createClient<PersistBenchRegistry>({ endpoint: host.endpoint, devtools: false });
    const early: number[] = [];
    const late: number[] = [];
    const earlyInsert: number[] = [];
    const lateInsert: number[] = [];
    for (let run = 0; run < runs; run++) {
      const store = client.store.getOrCreate([`run-${run}-${Date.now()}`]);
      // Events #100.. at a table of 99, then #20,000.. at a table of 19,999.
      await store.fill(99);
      const at100 = await store.measure(window);
      await store.fill(19_999);
      const at20k = await store.measure(window);
      early.push(percentile(at100.stored, 50));
      late.push(percentile(at20k.stored, 50));
      earlyInsert.push(percentile(at100.insert, 50));
      lateInsert.push(percentile(at20k.insert, 50));
    }
    await client.dispose();
    const lateSample = sample(late);
    const earlySample = sample(early);
    return [
      figure({
        figure: "persistence: store event #20,000 (ms)",
        sample: lateSample,
        unit: "ms",
        baseline: earlySample.median,
        target: "≤ 1.5× baseline",
        met: lateSample.median <= 1.5 * earlySample.median,
        note: `baseline: event #100; each event inserted and written to the actor's SQLite alone (median of ${window} consecutive events per run). The insert the SDK waits on: ${sample(lateInsert).median.toFixed(3)} ms at #20,000 vs ${sample(earlyInsert).median.toFixed(3)} ms at #100.`,
      }),
    ];
  } finally {
    await stopChild(host.child, 20_000);
    await stopEmbeddedEngine(storage);
    rmSync(storage, { recursive: true, force: true });
  }
}
