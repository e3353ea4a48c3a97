/**
 * An action's round trip through the workspace actor: what every request/answer of the element
 * (a prompt's acceptance, a permission's answer, each history page) waits for before any work is
 * done. A Node client calls a cheap action (`getTurn`, which reads memory only) once after another
 * on an open link; the baseline is a request the engine answers by itself, from the same process.
 */
import { client, type Stack } from "../test/support/stack.js";
import { figure, percentile, sample, type Figure } from "./stats.js";

const CALLS = 200;
/** A round trip this long is a stall, not work: the actor answers `getTurn` in well under 1 ms. */
const STALL_MS = 20;

interface RoundTrips {
  action: number[];
  engine: number[];
}

async function measure(endpoint: string, workspaceId: string): Promise<RoundTrips> {
  const c = client(endpoint);
  const conn = c.workspace.getOrCreate([workspaceId], { params: { userName: "Bench" } }).connect();
  try {
    for (let i = 0; i < 20; i++) await conn.getTurn({ promptId: "bench-round-trip" });
    const action: number[] = [];
    for (let i = 0; i < CALLS; i++) {
      const start = performance.now();
      await conn.getTurn({ promptId: "bench-round-trip" });
      action.push(performance.now() - start);
    }
    const engine: number[] = [];
    for (let i = 0; i < CALLS; i++) {
      const start = performance.now();
      const response = await fetch(`${endpoint}/health`);
      await response.arrayBuffer();
      engine.push(performance.now() - start);
    }
    return { action, engine };
  } finally {
    await conn.dispose();
    await c.dispose();
  }
}

export async function roundTripFigures(stack: Stack, runs: number, log: (line: string) => void): Promise<Figure[]> {
  const workspaceId = `bench-round-trip-${Date.now().toString(36)}`;
  const results: RoundTrips[] = [];
  for (let run = 0; run < runs; run++) results.push(await measure(stack.registry.endpoint, workspaceId));
  const of = (p: number, which: keyof RoundTrips) => sample(results.map((r) => percentile(r[which], p)));
  const p50 = of(50, "action");
  const p90 = of(90, "action");
  const engine50 = of(50, "engine");
  const engine90 = of(90, "engine");
  const stalls = results.map((r) => r.action.filter((ms) => ms > STALL_MS).length);
  const share = `${stalls.join(", ")} of ${CALLS} round trips over ${STALL_MS} ms in the ${runs} runs`;
  log(`  round trip: p50 ${p50.median.toFixed(1)} ms, p90 ${p90.median.toFixed(1)} ms; ${share}`);
  const note =
    `baseline: GET /health, answered by the engine alone, from the same process; ${share}. ` +
    "A round trip of about 45 ms is a stall on the link between the actor's process and the engine, not work (README, Performance)";
  return [
    figure({ figure: "action round trip p50: Node client → actor → back (ms)", sample: p50, unit: "ms", baseline: engine50.median, target: "reported", met: true, note }),
    figure({ figure: "action round trip p90: Node client → actor → back (ms)", sample: p90, unit: "ms", baseline: engine90.median, target: "reported", met: true }),
  ];
}
