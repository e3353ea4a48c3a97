/**
 * Fold throughput (Node): 100,000 mixed events of a realistic session into a `Timeline`, against a
 * loop that only reads each event's type; and 100k against 10k, to show the fold is linear.
 */
import { Timeline } from "../src/events/index.js";
import type { SessionEvent } from "../src/events/index.js";
import { fixtureSession } from "../test/fixtures/session.js";
import { figure, repeat, sample, type Figure } from "./stats.js";

/** The recorded fixture session (prompts, thoughts, messages, tools, permissions, plans...) tiled to `count` events, re-indexed. */
export function mixedEvents(count: number): SessionEvent[] {
  const tile = fixtureSession();
  const out: SessionEvent[] = [];
  for (let t = 0; out.length < count; t++) {
    const copy = JSON.parse(JSON.stringify(tile)) as SessionEvent[];
    for (const event of copy) {
      if (out.length === count) break;
      out.push({ ...event, id: `${t}-${event.id}`, eventIndex: out.length + 1 });
    }
  }
  return out;
}

/** The baseline: read each event's type (the update kind or the JSON-RPC method) and count it. */
function readTypes(events: SessionEvent[]): number {
  const counts: Record<string, number> = {};
  for (const event of events) {
    const payload = event.payload as { method?: string; params?: { update?: { sessionUpdate?: string } } };
    const type = payload.params?.update?.sessionUpdate ?? payload.method ?? "response";
    counts[type] = (counts[type] ?? 0) + 1;
  }
  return Object.keys(counts).length;
}

/** Folds the events one by one, as they stream in. */
function fold(events: SessionEvent[]): Timeline {
  const timeline = new Timeline();
  for (const event of events) timeline.add(event);
  return timeline;
}

function time(run: () => unknown): number {
  const start = performance.now();
  run();
  return performance.now() - start;
}

export async function foldFigures(runs = 7): Promise<Figure[]> {
  const big = mixedEvents(100_000);
  const small = big.slice(0, 10_000);
  // Warm the JIT on both paths.
  fold(small);
  readTypes(small);
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
  const measure = (run: () => unknown) => repeat(runs, () => (gc(), time(run)));
  const folded = sample(await measure(() => fold(big)));
  const read = sample(await measure(() => readTypes(big)));
  const folded10k = sample(await measure(() => fold(small)));
  const perSecond = (ms: number) => (big.length / ms) * 1000;
  return [
    figure({
      figure: "fold: 100,000 mixed events (ms)",
      sample: folded,
      unit: "ms",
      baseline: read.median,
      target: "≤ 3× baseline",
      met: folded.median <= 3 * read.median,
      note: `baseline: a loop that reads each event's type (${read.min.toFixed(1)}–${read.max.toFixed(1)} ms); ${Math.round(perSecond(folded.median)).toLocaleString("en-US")} events/s`,
    }),
    figure({
      figure: "fold: 100,000 vs 10,000 events (ms)",
      sample: folded,
      unit: "ms",
      baseline: folded10k.median,
      target: "≤ 11× (linear)",
      met: folded.median <= 11 * folded10k.median,
      note: "baseline: the first 10,000 of the same events",
    }),
  ];
}
