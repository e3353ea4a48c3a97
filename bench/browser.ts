/**
 * The browser side of the bench: a page that loads the built drop-in file with a script tag (as a
 * host would) plus bench/page.ts, served from here, driven in headless Chromium with puppeteer.
 */
import { readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import puppeteer, { type Browser, type Page } from "puppeteer-core";

const DIST = fileURLToPath(new URL("../dist", import.meta.url));

const PAGE = `<!doctype html><meta charset="utf-8"><title>sandbox-workspace bench</title>
<script type="module" src="/sandbox-workspace.js"></script>
<script type="module" src="/bench.js"></script>
<body style="margin:0"></body>`;

/** A page that only replays a stored transcript: the drop-in and an element given its events. */
const REPLAY_PAGE = `<!doctype html><meta charset="utf-8"><title>replay</title>
<script type="module" src="/sandbox-workspace.js"></script>
<sandbox-workspace></sandbox-workspace>
<script type="module">
  const el = document.querySelector("sandbox-workspace");
  el.events = [{ id: "e1", eventIndex: 1, sessionId: "s", createdAt: 0, connectionId: "c", sender: "agent",
    payload: { jsonrpc: "2.0", method: "session/update", params: { sessionId: "s", update: { sessionUpdate: "agent_message_chunk", content: { type: "text", text: "A stored answer." } } } } }];
  await el.updateComplete;
  document.title = "replayed";
</script>`;

const TYPES: Record<string, string> = { ".js": "text/javascript", ".map": "application/json", ".html": "text/html" };

export interface BenchBrowser {
  browser: Browser;
  url: string;
  /**
   * A fresh page on the bench page, ready to call `window.bench`; records the scripts it loaded.
   * `isolated`: in a browser context of its own (its own storage and connections, as another user's
   * browser would be); closing the page then closes the context.
   */
  open(path?: string, options?: { isolated?: boolean }): Promise<{ page: Page; scripts: string[] }>;
  close(): Promise<void>;
}

export async function openBrowser(): Promise<BenchBrowser> {
  const bundled = await build({
    entryPoints: [fileURLToPath(new URL("./page.ts", import.meta.url))],
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    define: { "process.env.NODE_ENV": JSON.stringify("production") },
    logLevel: "silent",
  });
  const benchJs = bundled.outputFiles[0].text;
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://localhost").pathname;
    const send = (body: string | Buffer, type: string) => {
      response.writeHead(200, { "content-type": type, "cache-control": "no-store" });
      response.end(body);
    };
    if (path === "/") return send(PAGE, TYPES[".html"]);
    if (path === "/replay") return send(REPLAY_PAGE, TYPES[".html"]);
    if (path === "/bench.js") return send(benchJs, TYPES[".js"]);
    const file = join(DIST, normalize(path).replace(/^(\.\.[/\\])+/, ""));
    try {
      if (statSync(file).isFile()) return send(readFileSync(file), TYPES[extname(file)] ?? "application/octet-stream");
    } catch {
      // fall through
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROME_PATH || "/usr/bin/chromium",
    headless: true,
    // Pages not in front (readers in pages of their own) render as the front one does.
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--no-first-run", "--enable-precise-memory-info", "--disable-renderer-backgrounding", "--disable-background-timer-throttling", "--disable-backgrounding-occluded-windows"],
  });
  return {
    browser,
    url,
    async open(path = "/", { isolated = false } = {}) {
      const context = isolated ? await browser.createBrowserContext() : undefined;
      const page = await (context ?? browser).newPage();
      if (context) page.once("close", () => void context.close().catch(() => undefined));
      await page.setViewport({ width: 1100, height: 800 });
      const scripts: string[] = [];
      page.on("response", (response) => {
        const pathname = new URL(response.url()).pathname;
        if (pathname.endsWith(".js") && pathname !== "/bench.js") scripts.push(pathname.slice(1));
      });
      page.on("pageerror", (error) => console.error("bench page error:", error));
      await page.goto(`${url}${path}`);
      if (!isolated) await page.bringToFront();
      if (path === "/") await page.waitForFunction(() => "bench" in window);
      await page.evaluate(() => (window as unknown as { bench?: { ready: Promise<unknown> } }).bench?.ready);
      return { page, scripts };
    },
    async close() {
      await browser.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** JS heap in use after a full garbage collection, in MB. */
export async function heapMB(page: Page): Promise<number> {
  const cdp = await page.createCDPSession();
  for (let i = 0; i < 3; i++) await cdp.send("HeapProfiler.collectGarbage");
  const { usedSize } = await cdp.send("Runtime.getHeapUsage");
  await cdp.detach();
  return usedSize / 1e6;
}
