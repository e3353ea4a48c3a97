import { defineConfig } from "vite";

/**
 * `vite` (npm start) serves the demo from demo/; `vite build` builds the drop-in file
 * `dist/sandbox-workspace.js`, which registers the element when loaded by a script tag. Everything
 * is bundled in; the connection code (rivetkit/client) is a chunk beside it, loaded only when an
 * element joins a live workspace, and so is the virtualizer, loaded when a transcript grows long.
 */
export default defineConfig(({ command }) =>
  command === "serve"
    ? {
        root: "demo",
        // The built drop-in file (and its chunks) is served at the root, as a CDN would.
        publicDir: "../dist",
        server: { host: "127.0.0.1", port: Number(process.env.PORT ?? 5173), fs: { allow: [".."] } },
      }
    : {
        // Libraries read process.env.NODE_ENV; a script tag has no `process`.
        define: { "process.env.NODE_ENV": JSON.stringify("production") },
        build: {
          outDir: "dist",
          emptyOutDir: true,
          target: "es2022",
          sourcemap: true,
          minify: true,
          rolldownOptions: {
            // Lit stays in the drop-in file, which a lazy chunk that renders with Lit (the
            // virtualizer) then imports it from: the file may export more than its own API for that.
            preserveEntrySignatures: "allow-extension",
            // Library mode keeps ES output readable unless the bundler itself is told to minify.
            output: { minify: true },
          },
          lib: {
            entry: { "sandbox-workspace": "src/components/index.ts" },
            formats: ["es"],
          },
        },
      },
);
