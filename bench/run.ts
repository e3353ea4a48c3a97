/**
 * `npm run bench`: how fast it is, against baselines measured in the same run, on this machine.
 * Builds the drop-in, starts the real stack (daemon + demo agent + registry) and headless
 * Chromium, and for the cluster figures a standalone Rivet Engine with two runners; prints one
 * table, and writes the same rows to bench/results.json.
 *
 *   BENCH_RUNS=5 npm run bench      more runs per figure (default 3; the fold takes 7)
 *   BENCH_ONLY=fold,size npm run bench   some figure groups only
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { buildDropIn } from "../demo/build.js";
import { startStack, type Stack } from "../test/support/stack.js";
import { openBrowser, type BenchBrowser } from "./browser.js";
import { clusterFigures } from "./cluster.js";
import { cpuBusyMs } from "./cpu.js";
import { floodFigures } from "./flood.js";
import { foldFigures } from "./fold.js";
import { fanOutFigures, fanOutPagesFigures, historyFigures, liveScripts, renderFigures, throughputFigures, type LiveOptions } from "./live.js";
import { longFigures } from "./long.js";
import { persistFigures } from "./persist.js";
import { roundTripFigures } from "./roundtrip.js";
import { sizeFigures } from "./size.js";
import { table, type Figure } from "./stats.js";

const runs = Math.max(1, Number(process.env.BENCH_RUNS) || 3);
const only = process.env.BENCH_ONLY?.split(",").map((name) => name.trim());
const wanted = (group: string) => !only || only.includes(group);
const log = (line: string) => console.log(line);
const figures: Figure[] = [];

/**
 * Each group starts on a quiet machine: a group's last work (actors winding down, pages closing)
 * must not be measured as the next one's. Waits for half a second with less than a quarter of a
 * core busy, at most 5 s.
 */
async function quiet(): Promise<void> {
  const deadline = performance.now() + 5_000;
  while (performance.now() < deadline) {
    const before = cpuBusyMs();
    await new Promise((resolve) => setTimeout(resolve, 500));
    if (cpuBusyMs() - before < 0.25 * 500) return;
  }
}

async function group(name: string, run: () => Promise<Figure[]>): Promise<void> {
  if (!wanted(name)) return;
  await quiet();
  const started = performance.now();
  log(`${name}…`);
  try {
    figures.push(...(await run()));
  } catch (error) {
    console.error(`${name} failed:`, error);
    process.exitCode = 1;
  }
  log(`${name}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

// The fold first, while the process is quiet.
await group("fold", () => foldFigures());
await group("persistence", () => persistFigures(runs));

await buildDropIn();

let stack: Stack | undefined;
let browser: BenchBrowser | undefined;
try {
  browser = await openBrowser();
  if (["roundtrip", "throughput", "flood", "fanout", "pages", "history", "size", "cluster"].some(wanted)) {
    stack = await startStack({ daemon: { env: { DEMO_AGENT_DELAY_MS: "0" } } });
  }
  const options: LiveOptions = { stack: stack!, browser, runs, log };
  await group("render", () => renderFigures(options));
  await group("long", () => longFigures(options));
  await group("roundtrip", () => roundTripFigures(stack!, runs, log));
  await group("throughput", () => throughputFigures(options));
  await group("flood", () => floodFigures(options));
  await group("fanout", () => fanOutFigures(options));
  await group("pages", () => fanOutPagesFigures(options));
  await group("history", () => historyFigures(options));
  await group("cluster", () => clusterFigures(options));
  await group("size", async () => {
    if (liveScripts.length === 0) {
      const { page, scripts } = await browser!.open();
      await page.evaluate(async (endpoint) => {
        const el = document.createElement("sandbox-workspace") as HTMLElement & { connectionStatus: string };
        el.setAttribute("endpoint", endpoint);
        el.setAttribute("workspace-id", `bench-size-${Date.now()}`);
        document.body.append(el);
        while (el.connectionStatus !== "live") await new Promise((resolve) => setTimeout(resolve, 20));
      }, stack!.registry.endpoint);
      liveScripts.push(...scripts);
      await page.close();
    }
    const { page, scripts } = await browser!.open("/replay");
    await page.waitForFunction(() => document.title === "replayed");
    await page.close();
    return sizeFigures(liveScripts, scripts);
  });
} finally {
  await browser?.close();
  await stack?.close();
}

const out = fileURLToPath(new URL("./results.json", import.meta.url));
mkdirSync(fileURLToPath(new URL(".", import.meta.url)), { recursive: true });
writeFileSync(out, `${JSON.stringify(figures, null, 2)}\n`);
log(`\n${table(figures)}\n`);
for (const f of figures) if (f.note) log(`- ${f.figure}: ${f.note}`);
log(`\nwritten: bench/results.json (${figures.length} figures, median of ${runs} runs unless noted)`);
process.exit();
