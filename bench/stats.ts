/**
 * What every bench figure shares: repeated runs reduced to median, min and max, the row written to
 * bench/results.json, and the table printed at the end.
 */

/** One row of bench/results.json. */
export interface Figure {
  figure: string;
  /** Median over the runs. */
  value: number;
  unit: string;
  /** The baseline measured in the same run (median), in the same unit unless `baselineUnit` says. */
  baseline: number;
  baselineUnit?: string;
  /** value / baseline. */
  ratio: number;
  target: string;
  met: boolean;
  min: number;
  max: number;
  runs: number;
  /** What the baseline is, and anything a reader needs to judge the figure. */
  note?: string;
}

export interface Sample {
  median: number;
  min: number;
  max: number;
  runs: number;
}

/**
 * Chunks still missing this long after their turn ended and the last one came are not coming (the
 * daemon drops chunks of a flood when its reader falls behind; an element has read what its link
 * lost by then): a run stops waiting for them.
 */
export const LOST_AFTER_MS = 3_000;

/**
 * Whether a run stops waiting: its turn ended at `endedAt` (undefined while it runs), and nothing has
 * come for `afterMs` (`LOST_AFTER_MS`) since then or since `lastProgress`. Times in ms on one clock; `at` is now.
 */
export function givenUp(endedAt: number | undefined, lastProgress: number, at: number, afterMs = LOST_AFTER_MS): boolean {
  return endedAt !== undefined && at - Math.max(endedAt, lastProgress) > afterMs;
}

export function sample(values: number[]): Sample {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted.at(-1)!, runs: sorted.length };
}

/** The p-th percentile (0..100) of unsorted values, nearest rank. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function figure(row: Omit<Figure, "value" | "min" | "max" | "runs" | "ratio"> & { sample: Sample; ratio?: number }): Figure {
  const { sample: s, ...rest } = row;
  return { ...rest, value: round(s.median), min: round(s.min), max: round(s.max), runs: s.runs, baseline: round(row.baseline), ratio: round(row.ratio ?? s.median / row.baseline) };
}

export function round(value: number): number {
  if (!Number.isFinite(value)) return value;
  const digits = Math.abs(value) >= 100 ? 1 : Math.abs(value) >= 1 ? 2 : 3;
  return Number(value.toFixed(digits));
}

/** Repeats `run` `times` times and returns each result (a warm-up run first when asked). */
export async function repeat<T>(times: number, run: (i: number) => Promise<T> | T, warmup = false): Promise<T[]> {
  if (warmup) await run(-1);
  const out: T[] = [];
  for (let i = 0; i < times; i++) out.push(await run(i));
  return out;
}

export function table(figures: Figure[]): string {
  const rows = figures.map((f) => [
    f.figure,
    `${fmt(f.value)} ${f.unit}`,
    `${fmt(f.min)}–${fmt(f.max)}`,
    `${fmt(f.baseline)} ${f.baselineUnit ?? f.unit}`,
    `${fmt(f.ratio)}×`,
    f.target,
    f.met ? "yes" : "NO",
  ]);
  const head = ["figure", "median", "min–max", "baseline", "ratio", "target", "met"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

function fmt(value: number): string {
  return Number.isFinite(value) ? value.toLocaleString("en-US", { maximumFractionDigits: 3 }) : String(value);
}
