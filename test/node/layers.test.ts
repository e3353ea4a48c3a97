/**
 * The layers of src/ as DESIGN.md draws them, checked on the source itself:
 *
 *   events     the pure fold: its own files, and types from the ACP and sandbox-agent SDKs
 *   protocol   what client and actor say to each other: events, and the same SDK types
 *   components the DOM: events, protocol, lit and the browser libraries; actors as types only
 *   actors     Node: events, protocol, rivetkit, sandbox-agent; never the DOM or Lit
 *
 * Imports are read with TypeScript's parser (so `import type` is told apart from a runtime import,
 * and `import()` counts), and the pure layers are compiled without the DOM's or Node's globals, so a
 * stray `document` or `process` fails here too, not only an import.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const src = join(root, "src");
type Layer = "events" | "protocol" | "components" | "actors";

interface Import {
  file: string;
  line: number;
  specifier: string;
  typeOnly: boolean;
  /** The layer a relative specifier lands in, if it lands in src/. */
  target?: Layer;
}

function filesOf(layer: Layer): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".ts")) out.push(path);
    }
  };
  walk(join(src, layer));
  return out;
}

function importsOf(file: string, text = readFileSync(file, "utf8")): Import[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: Import[] = [];
  const add = (node: ts.Node, specifier: string, typeOnly: boolean) => {
    let target: Layer | undefined;
    if (specifier.startsWith(".")) {
      const path = relative(src, resolve(dirname(file), specifier));
      target = path.split(/[\\/]/)[0] as Layer;
    }
    out.push({ file: relative(root, file), line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1, specifier, typeOnly, target });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const typeOnly =
        !!clause &&
        (clause.isTypeOnly ||
          (!clause.name && !!clause.namedBindings && ts.isNamedImports(clause.namedBindings) && clause.namedBindings.elements.every((element) => element.isTypeOnly)));
      add(node, node.moduleSpecifier.text, typeOnly);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const typeOnly = node.isTypeOnly || (!!node.exportClause && ts.isNamedExports(node.exportClause) && node.exportClause.elements.every((element) => element.isTypeOnly));
      add(node, node.moduleSpecifier.text, typeOnly);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && ts.isStringLiteral(node.arguments[0])) {
      add(node, node.arguments[0].text, false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node, node.argument.literal.text, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

const where = (imports: Import[]) => imports.map((i) => `${i.file}:${i.line} imports ${i.typeOnly ? "type " : ""}"${i.specifier}"`);

/** Packages a layer may import at runtime (types from the SDKs are allowed to the pure layers too). */
const RUNTIME: Record<Layer, (specifier: string) => boolean> = {
  events: () => false,
  protocol: () => false,
  components: (s) => /^(lit|lit\/.+|@lit-labs\/virtualizer\/.+|marked|dompurify|diff|rivetkit\/client)$/.test(s),
  actors: (s) => /^(node:.+|rivetkit|rivetkit\/.+|sandbox-agent|sandbox-agent\/.+)$/.test(s) && s !== "rivetkit/client",
};
const TYPES: Record<Layer, (specifier: string) => boolean> = {
  events: (s) => s === "@agentclientprotocol/sdk" || s === "sandbox-agent",
  protocol: (s) => s === "@agentclientprotocol/sdk" || s === "sandbox-agent",
  components: (s) => RUNTIME.components(s) || s === "@agentclientprotocol/sdk" || s === "sandbox-agent" || s === "rivetkit",
  actors: (s) => RUNTIME.actors(s) || s === "@agentclientprotocol/sdk",
};
/** The layers each layer may reach with a relative import, at runtime and as types. */
const REACH: Record<Layer, { runtime: Layer[]; types: Layer[] }> = {
  events: { runtime: ["events"], types: ["events"] },
  protocol: { runtime: ["protocol"], types: ["protocol", "events"] },
  components: { runtime: ["components", "events", "protocol"], types: ["components", "events", "protocol", "actors"] },
  actors: { runtime: ["actors", "events", "protocol"], types: ["actors", "events", "protocol"] },
};

function crossings(layer: Layer, imports = filesOf(layer).flatMap((file) => importsOf(file))): Import[] {
  return imports.filter((i) => {
    if (i.target) return !(i.typeOnly ? REACH[layer].types : REACH[layer].runtime).includes(i.target);
    return !(i.typeOnly ? TYPES[layer](i.specifier) : RUNTIME[layer](i.specifier));
  });
}

/** The few globals browsers and Node share, which the protocol's prompt helpers use. */
const UNIVERSAL = `
declare class TextEncoder { encode(input?: string): Uint8Array; }
declare const crypto: { getRandomValues<T extends ArrayBufferView>(array: T): T };
declare function setTimeout(callback: () => void, ms?: number): unknown;
declare function clearTimeout(id: unknown): void;
declare function setInterval(callback: () => void, ms?: number): unknown;
declare function clearInterval(id: unknown): void;
`;

/** Type errors of a layer's files compiled with only the given globals (`lib`, `types`, and `extra` declarations). */
function compileAlone(layers: Layer[], lib: string[], types: string[], extra?: string): string[] {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib,
    types,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    experimentalDecorators: true,
    useDefineForClassFields: false,
    isolatedModules: true,
    verbatimModuleSyntax: true,
  };
  const host = ts.createCompilerHost(options);
  const globals = join(root, "universal-globals.d.ts");
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version, ...rest) => (name === globals && extra !== undefined ? ts.createSourceFile(name, extra, version) : read(name, version, ...rest));
  const roots = layers.flatMap(filesOf);
  const program = ts.createProgram(extra === undefined ? roots : [...roots, globals], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const at = d.file && d.start !== undefined ? `${relative(root, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1} ` : "";
    return at + ts.flattenDiagnosticMessageText(d.messageText, "\n");
  });
}

describe("the layers of src/", () => {
  it("events import nothing but their own files and SDK types", () => {
    assert.deepEqual(where(crossings("events")), []);
  });

  it("protocol imports nothing at runtime, and only events and SDK types as types", () => {
    assert.deepEqual(where(crossings("protocol")), []);
  });

  it("components import the actors as types only, and no Node module", () => {
    assert.deepEqual(where(crossings("components")), []);
  });

  it("actors never import components, Lit or the browser client", () => {
    assert.deepEqual(where(crossings("actors")), []);
  });

  it("events compile without the DOM's or Node's globals", () => {
    assert.deepEqual(compileAlone(["events"], ["lib.es2023.d.ts"], []), []);
  });

  it("protocol compiles with only the globals browsers and Node share", () => {
    assert.deepEqual(compileAlone(["protocol"], ["lib.es2023.d.ts"], [], UNIVERSAL), []);
  });

  it("actors compile without the DOM's globals", () => {
    assert.deepEqual(compileAlone(["actors"], ["lib.es2023.d.ts"], ["node"]), []);
  });

  it("tells a crossing from an allowed import, on lines written as a component and an event file would", () => {
    const component = join(src, "components", "probe.ts");
    const probe = [
      'import { runPrompt } from "../actors/index.js";',
      'import type { WorkspaceRegistry } from "../actors/index.js";',
      'import { type SessionInfo } from "../actors/index.js";',
      'const later = () => import("../actors/workspace.js");',
      'import { readFileSync } from "node:fs";',
      'import { Timeline } from "../events/index.js";',
    ].join("\n");
    assert.deepEqual(
      crossings("components", importsOf(component, probe)).map((i) => i.line),
      [1, 4, 5],
    );
    const event = join(src, "events", "probe.ts");
    assert.deepEqual(
      crossings("events", importsOf(event, 'import { html } from "lit";\nimport type { SessionEvent } from "sandbox-agent";\nimport { x } from "../protocol/index.js";')).map((i) => i.line),
      [1, 3],
    );
  });
});
