// @ts-check
import { chromeLauncher } from "@web/test-runner-chrome";
import { esbuildPlugin } from "@web/dev-server-esbuild";
// The runner is started under tsx (package.json), so the stack helpers load as TypeScript.
import { bundleDepsPlugin } from "./test/support/bundle-deps-plugin.ts";
import { stackPlugin } from "./test/support/stack-plugin.ts";
import { wirePlugin } from "./test/support/wire-plugin.ts";
import { pagePlugin } from "./test/support/page-plugin.ts";

/**
 * One group per folder of test/browser, and no top-level `files` (they would run again as the
 * "default" group). `npm run test:browser` runs every group; one alone:
 *   npm run test:browser -- --group element   # replays only: no daemon, no registry
 *   npm run test:browser -- --group stack     # live against the real stack (minutes)
 *   npm run test:browser -- --group package   # the built drop-in file: `npm run build` first
 * Files named on the command line run alone, without the groups:
 *   npm run test:browser -- test/browser/element/markdown.test.ts
 */
const groups = ["element", "stack", "package"].map((name) => ({ name, files: `test/browser/${name}/**/*.test.ts` }));
const args = process.argv.slice(2);
const valued = new Set(["--group", "--groups", "--config", "--port", "--concurrency", "--concurrent-browsers", "--root-dir", "--browsers", "--esbuild-target"]);
const group = args[args.indexOf("--group") + 1];
const onlyReplays = args.includes("--group") && group === "element";
const namesFiles = args.some((arg, i) => arg === "--files" || arg.startsWith("--files=") || (!arg.startsWith("-") && !valued.has(args[i - 1])));

/** @type {import("@web/test-runner").TestRunnerConfig} */
export default {
  groups: namesFiles ? undefined : groups,
  nodeResolve: true,
  filterBrowserLogs: ({ args }) => !String(args[0]).includes("Lit is in dev mode"),
  // One Chromium. Replays run two files at a time; a run with stack files runs one at a time: each
  // stack file starts its own daemon, registry and engine, and two of those on 2 cores (with another
  // run beside them) starved the engine until new workspaces failed with route-resolve timeouts.
  concurrency: onlyReplays ? 2 : 1,
  concurrentBrowsers: 1,
  // A file that restarts servers and waits out outages (faults, load) runs longer than the default 2 minutes.
  testsFinishTimeout: 300_000,
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath: process.env.CHROME_PATH || "/usr/bin/chromium",
        headless: true,
        args: [
          "--no-sandbox",
          "--headless=new",
          "--disable-gpu",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--no-first-run",
          "--disable-dev-shm-usage",
        ],
      },
      // Open each test page in its own window, not a tab. With tabs, every page
      // except the front one is "hidden", so requestAnimationFrame never fires
      // there. fixture() on a non-Lit element, nextFrame(), and some focus tests
      // then hang until the mocha timeout when concurrency > 1 (modernweb-dev/web#2403).
      createPage: ({ context }) => context.newPage({ type: "window" }),
    }),
  ],
  plugins: [bundleDepsPlugin(), esbuildPlugin({ ts: true, tsconfig: "tsconfig.json" }), stackPlugin(), pagePlugin(), wirePlugin()],
  testFramework: {
    config: {
      ui: "bdd",
      timeout: 30000,
    },
  },
};
