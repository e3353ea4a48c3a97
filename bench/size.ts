/**
 * Drop-in size: what a page loads for `<sandbox-workspace>`, min and gzip, against the libraries it
 * is built from bundled alone the same way.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { viteBuild } from "../demo/build.js";
import { figure, sample, type Figure } from "./stats.js";

const DIST = fileURLToPath(new URL("../dist", import.meta.url));
const ROOT = fileURLToPath(new URL("..", import.meta.url));

interface Size {
  min: number;
  gzip: number;
}

function sizeOf(files: string[]): Size {
  let min = 0;
  let gzip = 0;
  for (const file of files) {
    const bytes = readFileSync(file);
    min += bytes.length;
    gzip += gzipSync(bytes, { level: 9 }).length;
  }
  return { min: min / 1000, gzip: gzip / 1000 };
}

/** The baseline bundle: bench/deps-entry.ts through Vite with the drop-in's own build settings. */
async function baselineSize(): Promise<Size> {
  const out = mkdtempSync(join(tmpdir(), "sandbox-workspace-deps-"));
  try {
    await viteBuild({
      configFile: false,
      root: ROOT,
      logLevel: "silent",
      define: { "process.env.NODE_ENV": JSON.stringify("production") },
      build: {
        outDir: out,
        emptyOutDir: true,
        target: "es2022",
        minify: true,
        rolldownOptions: { output: { minify: true } },
        lib: { entry: { deps: fileURLToPath(new URL("./deps-entry.ts", import.meta.url)) }, formats: ["es"] },
      },
    });
    return sizeOf(readdirSync(out).filter((name) => name.endsWith(".js")).map((name) => join(out, name)));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/**
 * `liveScripts` and `replayScripts`: the dist files a live page and a replay-only page loaded
 * (recorded in the browser).
 */
export async function sizeFigures(liveScripts: string[], replayScripts: string[]): Promise<Figure[]> {
  const unique = (names: string[]) => [...new Set(names)].map((name) => join(DIST, name));
  const live = sizeOf(unique(liveScripts));
  const replay = sizeOf(unique(replayScripts));
  const deps = await baselineSize();
  const connectionLoaded = replayScripts.filter((name) => name !== "sandbox-workspace.js");
  const one = (value: number) => sample([value]);
  return [
    figure({
      figure: "drop-in size, live page: gzip (KB)",
      sample: one(live.gzip),
      unit: "KB",
      baseline: deps.gzip,
      target: "≤ 100 KB gzip",
      met: live.gzip <= 100,
      note: `files: ${[...new Set(liveScripts)].join(", ")}; baseline: rivetkit/client + lit + marked + DOMPurify bundled alone`,
    }),
    figure({
      figure: "drop-in size, live page: min (KB)",
      sample: one(live.min),
      unit: "KB",
      baseline: deps.min,
      target: "reported",
      met: true,
    }),
    figure({
      figure: "drop-in size, replay-only page: gzip (KB)",
      sample: one(replay.gzip),
      unit: "KB",
      baseline: deps.gzip,
      target: "no connection code",
      met: connectionLoaded.length === 0,
      note: `files: ${[...new Set(replayScripts)].join(", ")}${connectionLoaded.length ? ` (connection code loaded: ${connectionLoaded.join(", ")})` : ""}`,
    }),
  ];
}
