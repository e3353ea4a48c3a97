/**
 * Importing `sandbox-workspace/actors` has no side effects: it adds no process listener (the SDK
 * rejection guard waits for the first workspace to wake), starts no engine or child process, and
 * holds nothing open, so a process that only imports it ends by itself. Each check runs in a fresh
 * child process; RivetKit's storage points at an empty directory that must stay empty.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const moduleUrl = (path: string) => pathToFileURL(join(ROOT, path)).href;

/** What the import changed, once anything it scheduled has had its turn. */
const IMPORT = `
import { existsSync, readdirSync, readFileSync } from "node:fs";
const watched = ["unhandledRejection", "uncaughtException", "warning", "exit", "beforeExit", "SIGINT", "SIGTERM", "SIGHUP"];
const count = () => Object.fromEntries(watched.map((name) => [name, process.listenerCount(name)]));
const read = (path) => {
  try { return readFileSync(path, "utf8"); } catch { return ""; }
};
const parentOf = (pid) => Number(read("/proc/" + pid + "/stat").split(") ")[1]?.split(" ")[1]);
const children = () =>
  existsSync("/proc")
    ? readdirSync("/proc")
        .filter((pid) => /^\\d+$/.test(pid) && parentOf(pid) === process.pid)
        .map((pid) => read("/proc/" + pid + "/cmdline").split("\\0").join(" ").trim())
    : [];
const before = count();
const exported = Object.keys(await import(process.env.TARGET));
await new Promise((resolve) => setTimeout(resolve, 300));
console.log(JSON.stringify({ before, after: count(), children: children(), resources: process.getActiveResourcesInfo(), exported }));
`;

/** The guard, installed twice, then an SDK-like rejection and a foreign one. */
const GUARD = `
const { guardSdkRejections } = await import(process.env.TARGET);
guardSdkRejections();
guardSdkRejections();
console.log("listeners " + process.listenerCount("unhandledRejection"));
Promise.reject(new TypeError("fetch failed"));
await new Promise((resolve) => setTimeout(resolve, 100));
console.log("survived");
Promise.reject(new Error("not the SDK's"));
await new Promise((resolve) => setTimeout(resolve, 1000));
console.log("still running");
`;

/** Runs `code` as an ES module under tsx; `quietMs` is how long it lived after its last output. */
function run(code: string, env: Record<string, string>): Promise<{ out: string; err: string; status: number | null; quietMs: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let lastOutputAt = performance.now();
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk;
      lastOutputAt = performance.now();
    });
    child.stderr.on("data", (chunk: Buffer) => (err += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("exit", (status) => {
      clearTimeout(timer);
      resolve({ out, err, status, quietMs: performance.now() - lastOutputAt });
    });
  });
}

describe("importing src/actors", () => {
  it("adds no process listener, starts nothing, and lets the process end", { timeout: 90_000 }, async () => {
    const storage = mkdtempSync(join(tmpdir(), "sandbox-workspace-import-"));
    try {
      const { out, err, status, quietMs } = await run(IMPORT, { TARGET: moduleUrl("src/actors/index.ts"), RIVETKIT_STORAGE_PATH: storage, RIVET_RUN_ENGINE_PORT: "1" });
      assert.equal(status, 0, `the importing process ended with ${status}: ${err}`);
      const report = JSON.parse(out) as { before: object; after: object; children: string[]; resources: string[]; exported: string[] };
      assert.ok(report.exported.includes("registry") && report.exported.includes("createWorkspaceRegistry"), "the import loaded the actors' entry");
      assert.deepEqual(report.after, report.before, "process listeners changed");
      // tsx's loader starts esbuild's service to compile what its cache lacks.
      assert.deepEqual(report.children.filter((command) => !/\/esbuild --service/.test(command)), [], "child processes were started");
      // Its stdio pipes and the loader's fs requests (tsx's cache) are not the import's doing.
      assert.deepEqual(report.resources.filter((kind) => !/^(FSReq|PipeWrap$|TTYWrap$)/.test(kind)), [], "handles are held open");
      assert.ok(quietMs < 5_000, `the process lived ${quietMs.toFixed(0)} ms after its last work`);
      assert.deepEqual(readdirSync(storage), [], "RivetKit wrote to its storage");
    } finally {
      rmSync(storage, { recursive: true, force: true });
    }
  });

  it("installs the SDK rejection guard once, when asked; it logs the SDK's failures and lets others end the process", { timeout: 60_000 }, async () => {
    const { out, err, status } = await run(GUARD, { TARGET: moduleUrl("src/actors/sdk-rejections.ts") });
    assert.equal(out, "listeners 1\nsurvived\n");
    assert.match(err, /sandbox-agent transport failure \(reported to clients\): TypeError fetch failed/);
    assert.match(err, /not the SDK's/);
    assert.equal(status, 1);
  });
});
