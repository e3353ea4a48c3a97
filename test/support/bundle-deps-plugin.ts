/**
 * A @web/test-runner plugin that serves `rivetkit/client` pre-bundled as one ES module. The test
 * server serves node_modules as they are, and rivetkit's client pulls in CommonJS packages that a
 * browser cannot import; a real page gets it through a bundler (Vite, as in the demo and the build),
 * so the tests bundle it the same way, with esbuild, once per run.
 */
import { build } from "esbuild";

const BUNDLED: Record<string, string> = { "rivetkit/client": "/__bundled__/rivetkit-client.js" };

export function bundleDepsPlugin() {
  const cache = new Map<string, Promise<string>>();
  const bundle = (specifier: string) => {
    if (!cache.has(specifier)) {
      cache.set(
        specifier,
        build({
          stdin: { contents: `export * from ${JSON.stringify(specifier)};`, resolveDir: process.cwd(), loader: "js" },
          bundle: true,
          write: false,
          format: "esm",
          platform: "browser",
          target: "es2022",
          define: { "process.env.NODE_ENV": JSON.stringify("production") },
          logLevel: "silent",
        }).then((result) => result.outputFiles[0].text),
      );
    }
    return cache.get(specifier)!;
  };
  return {
    name: "bundle-deps",
    resolveImport({ source }: { source: string }) {
      return BUNDLED[source];
    },
    async serve(context: { path: string }) {
      const specifier = Object.keys(BUNDLED).find((key) => BUNDLED[key] === context.path);
      if (!specifier) return undefined;
      return { body: await bundle(specifier), type: "js" };
    },
  };
}
