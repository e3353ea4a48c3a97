/**
 * One animation frame for every element on the page. Each element renders at most once a frame,
 * and what an element does after rendering that reads layout (keeping the transcript scrolled to
 * its end) waits until every element has rendered: the page is laid out once a frame, not once per
 * element.
 */
type Job = () => void;

let renders: Job[] = [];
let afterwards: Job[] = [];
let scheduled: { timer: ReturnType<typeof setTimeout> } | undefined;
let running = false;

/** Runs `render` in the next animation frame, with every other element's. */
export function inNextFrame(render: Job): void {
  renders.push(render);
  if (scheduled) return;
  const mine = {
    // A hidden page gets no animation frames: a timer keeps it current at a slower pace.
    timer: setTimeout(() => run(mine), 50),
  };
  scheduled = mine;
  requestAnimationFrame(() => run(mine));
}

/** Runs `job` once this frame's renders are done; at once outside a frame's renders. */
export function afterRenders(job: Job): void {
  if (running) afterwards.push(job);
  else job();
}

function run(which: typeof scheduled): void {
  if (scheduled !== which || !which) return;
  clearTimeout(which.timer);
  scheduled = undefined;
  const jobs = renders;
  renders = [];
  running = true;
  for (const job of jobs) guarded(job);
  running = false;
  const after = afterwards;
  afterwards = [];
  for (const job of after) guarded(job);
}

/** One element's failure must not keep the others from rendering: report it and go on. */
function guarded(job: Job): void {
  try {
    job();
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}
