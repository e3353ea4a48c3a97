/**
 * The element's public surface is documented where hosts look: every CSS part any template or view
 * renders is in the class's JSDoc and so in custom-elements.json (which `npm run build` writes, before
 * these tests run), and every error code the element or the workspace emits is in the README.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { ENTRY_TYPES } from "../../src/events/index.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const read = (path: string) => readFileSync(join(root, path), "utf8");

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** A part name written with a `${…}` placeholder, and the names it stands for. */
const EXPANSIONS: Record<string, readonly string[]> = {
  "entry-${entry.type}": ENTRY_TYPES.map((type) => `entry-${type}`),
  // The entry's type, then ` entry-linked` on the entry the page's link points to, ` entry-found` on the find box's match.
  "entry-${entry.type}${linkedPart}${foundPart}": [...ENTRY_TYPES.map((type) => `entry-${type}`), "entry-linked", "entry-found"],
  "permission-${reply}": ["permission-once", "permission-always", "permission-reject"],
  "diff-${row.kind}": ["diff-add", "diff-del", "diff-same", "diff-fold"],
};

/** Every part name the components render, placeholders expanded; `status-${status}` stands as the documented pattern `status-<status>`. */
function renderedParts(): Set<string> {
  const parts = new Set<string>();
  for (const file of sources("src/components")) {
    for (const [, value] of readFileSync(file, "utf8").matchAll(/part="([^"]+)"/g)) {
      for (const name of value.split(/\s+/)) {
        if (Object.hasOwn(EXPANSIONS, name)) EXPANSIONS[name].forEach((expanded) => parts.add(expanded));
        else if (name === "status-${status}") parts.add("status-<status>");
        else if (name.includes("${")) parts.add(`unexpanded ${name} in ${file}`);
        else parts.add(name);
      }
    }
  }
  return parts;
}

describe("the documented surface", () => {
  it("lists every rendered CSS part in custom-elements.json", () => {
    const manifest = JSON.parse(read("custom-elements.json")) as { modules: Array<{ declarations?: Array<{ name: string; cssParts?: Array<{ name: string }> }> }> };
    const element = manifest.modules.flatMap((module) => module.declarations ?? []).find((declaration) => declaration.name === "SandboxWorkspace");
    const documented = new Set((element?.cssParts ?? []).map((part) => part.name));
    const jsdoc = read("src/components/sandbox-workspace.ts");
    if (/`status-<status>`/.test(jsdoc)) documented.add("status-<status>");
    const rendered = renderedParts();
    assert.ok(rendered.size > 40, `found ${rendered.size} parts: the scan reads the templates`);
    assert.deepEqual([...rendered].filter((part) => !documented.has(part)).sort(), []);
  });

  it("names every error code the element or the workspace emits in the README", () => {
    const readme = read("README.md");
    const codes = new Set<string>();
    // The unions that type the codes: the element's own and the workspace's.
    for (const file of ["src/components/sandbox-workspace.events.ts", "src/protocol/contract.ts"]) {
      const text = read(file);
      const union = /export type (?:SandboxWorkspaceErrorCode|WorkspaceErrorCode) =([\s\S]*?);\n/.exec(text);
      assert.ok(union, `${file} declares its error codes`);
      for (const [, code] of union[1].matchAll(/\|\s*"([a-z_-]+)"/g)) codes.add(code);
    }
    assert.ok(codes.size > 15, `found ${codes.size} codes`);
    assert.deepEqual([...codes].filter((code) => !readme.includes(`\`${code}\``)).sort(), []);
  });

  it("spells every error code one way: lowercase words joined by hyphens", () => {
    const codes: string[] = [];
    for (const file of ["src/components/sandbox-workspace.events.ts", "src/protocol/contract.ts"]) {
      const union = /export type (?:SandboxWorkspaceErrorCode|WorkspaceErrorCode) =([\s\S]*?);\n/.exec(read(file))!;
      for (const [, code] of union[1].matchAll(/\|\s*"([^"]+)"/g)) codes.push(code);
    }
    assert.deepEqual(codes.filter((code) => !/^[a-z]+(-[a-z]+)*$/.test(code)), []);
  });
});
