/**
 * Replays the fixture session into the element with its recorded timing (gaps capped, sped up),
 * the way a live session would stream in. The live, multiplayer demo replaces this once the
 * workspace actor is wired in.
 */
import "../src/components/index.js";
import { fixtureSession } from "../test/fixtures/session.js";

const workspace = document.querySelector("sandbox-workspace")!;
const speed = document.querySelector<HTMLSelectElement>("#speed")!;
const events = fixtureSession();
let run = 0;

async function replay(): Promise<void> {
  const current = ++run;
  workspace.events = [];
  for (let i = 0; i < events.length && current === run; i++) {
    const gap = i === 0 ? 0 : Math.min(events[i].createdAt - events[i - 1].createdAt, 1500);
    if (gap > 0) await new Promise((resolve) => setTimeout(resolve, gap / Number(speed.value)));
    if (current === run) workspace.appendEvents([events[i]]);
  }
}

document.querySelector("#replay")!.addEventListener("click", () => void replay());
document.querySelector("#all")!.addEventListener("click", () => {
  run++;
  workspace.events = events;
});
document.querySelector<HTMLInputElement>("#dark")!.addEventListener("change", (event) => {
  workspace.theme = (event.target as HTMLInputElement).checked ? "dark" : undefined;
});
workspace.addEventListener("sandbox-workspace-error", (event) => console.warn(event.detail.code, event.detail.message));

// ?all shows the whole session at once; ?theme=dark forces the dark theme.
const params = new URLSearchParams(location.search);
if (params.get("theme") === "dark") workspace.theme = "dark";
if (params.has("all")) workspace.events = events;
else void replay();
