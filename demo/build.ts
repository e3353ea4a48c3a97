/**
 * Vite builds run inside a process that goes on to start servers (npm start, npm run bench).
 */
import { fileURLToPath } from "node:url";
import { build, type InlineConfig } from "vite";

/**
 * Vite's build, leaving the process's NODE_ENV as it found it: the build sets it to `production`
 * for the whole process, and RivetKit then refuses to start its embedded engine.
 */
export async function viteBuild(config: InlineConfig): Promise<void> {
  const nodeEnv = process.env.NODE_ENV;
  try {
    await build(config);
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
}

/**
 * Builds the drop-in file (and its chunks) with the project's vite.config.ts into `outDir`
 * (default dist/), emptying it first.
 */
export function buildDropIn(outDir?: string): Promise<void> {
  return viteBuild({
    configFile: fileURLToPath(new URL("../vite.config.ts", import.meta.url)),
    logLevel: "warn",
    ...(outDir ? { build: { outDir, emptyOutDir: true } } : {}),
  });
}
