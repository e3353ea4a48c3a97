/**
 * A long session in one element: 100,000 events (about 10,000 entries) replayed, against the same
 * events folded alone; the JS heap with it open, against an empty page; and frames while the
 * transcript is scrolled a screen each frame, against frames with nothing to do, in the same page.
 */
import { heapMB } from "./browser.js";
import { call, type LiveOptions } from "./live.js";
import { figure, sample, type Figure } from "./stats.js";

const EVENTS = 100_000;
const FRAMES_MS = 2_000;

export async function longFigures(options: Pick<LiveOptions, "browser" | "runs" | "log">): Promise<Figure[]> {
  const opens: number[] = [];
  const folds: number[] = [];
  const heaps: number[] = [];
  const eventHeaps: number[] = [];
  const idle: number[] = [];
  const scrolled: number[] = [];
  const worst: number[] = [];
  let empty = 0;
  let detail = "";
  for (let run = 0; run < options.runs; run++) {
    const { page } = await options.browser.open();
    try {
      empty = await heapMB(page);
      await call(page, "makeLong", EVENTS);
      eventHeaps.push((await heapMB(page)) - empty);
      const opened = await call(page, "openLong", EVENTS);
      opens.push(opened.ms);
      folds.push(opened.foldMs);
      detail = `${EVENTS.toLocaleString("en-US")} events → ${opened.entries.toLocaleString("en-US")} entries, ${opened.inDom} of them in the DOM`;
      heaps.push((await heapMB(page)) - empty);
      const still = await call(page, "frames", FRAMES_MS, false);
      const moving = await call(page, "frames", FRAMES_MS, true);
      idle.push((still.frames / still.ms) * 1000);
      scrolled.push((moving.frames / moving.ms) * 1000);
      worst.push(moving.worstMs);
    } finally {
      await page.close();
    }
  }
  const open = sample(opens);
  const fold = sample(folds);
  const heap = sample(heaps);
  const fps = sample(scrolled);
  const idleFps = sample(idle);
  options.log(`  long session: open ${open.median.toFixed(0)} ms (fold ${fold.median.toFixed(0)} ms), heap +${heap.median.toFixed(1)} MB, ${fps.median.toFixed(0)} fps scrolling`);
  return [
    figure({
      figure: `long session: ${EVENTS.toLocaleString("en-US")}-event replay → rendered, find box usable (ms)`,
      sample: open,
      unit: "ms",
      baseline: fold.median,
      target: "≤ 1,000 ms",
      met: open.median <= 1_000,
      note: `baseline: the same events folded alone in the page; ${detail}`,
    }),
    figure({
      figure: `long session: JS heap with the ${EVENTS.toLocaleString("en-US")}-event session open (MB)`,
      sample: heap,
      unit: "MB",
      baseline: sample(eventHeaps).median,
      target: "≤ 40 MB",
      met: heap.median <= 40,
      note: `the heap after a full collection, less the page's own (${empty.toFixed(1)} MB); baseline: the same events held in the page, parsed, without the element`,
    }),
    figure({
      figure: "long session: frames per second, transcript scrolled a screen each frame",
      sample: fps,
      unit: "fps",
      baseline: idleFps.median,
      target: "≥ 0.95× idle (60 fps on a 60 Hz display)",
      met: fps.median >= 0.95 * idleFps.median,
      note: `baseline: frames with nothing to do, same page, same ${FRAMES_MS / 1000} s; worst frame while scrolling ${sample(worst).median.toFixed(0)} ms (median over runs)`,
    }),
  ];
}
