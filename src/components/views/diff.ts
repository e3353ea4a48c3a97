/**
 * An ACP `diff` content item as a readable unified diff: changed lines with a few lines of
 * context, long unchanged runs folded away. jsdiff does the line diff (Myers), which we would
 * otherwise write and test by hand.
 */
import { diffLines } from "diff";
import { html, type TemplateResult } from "lit";
import { reveal } from "../reveal.js";

export interface DiffRow {
  kind: "add" | "del" | "same" | "fold";
  text: string;
  oldLine?: number;
  newLine?: number;
}

const CONTEXT = 3;

/** Rows of a unified diff between two texts. */
export function diffRows(oldText: string, newText: string): DiffRow[] {
  const rows: DiffRow[] = [];
  let oldLine = 1;
  let newLine = 1;
  for (const change of diffLines(oldText, newText)) {
    const lines = change.value.replace(/\n$/, "").split("\n");
    if (change.added) for (const text of lines) rows.push({ kind: "add", text, newLine: newLine++ });
    else if (change.removed) for (const text of lines) rows.push({ kind: "del", text, oldLine: oldLine++ });
    else for (const text of lines) rows.push({ kind: "same", text, oldLine: oldLine++, newLine: newLine++ });
  }
  return foldUnchanged(rows);
}

function foldUnchanged(rows: DiffRow[]): DiffRow[] {
  const keep = rows.map((row) => row.kind !== "same");
  const near = keep.map((_, i) => rows.slice(Math.max(0, i - CONTEXT), i + CONTEXT + 1).some((row) => row.kind !== "same"));
  const out: DiffRow[] = [];
  let hidden = 0;
  rows.forEach((row, i) => {
    if (near[i]) {
      if (hidden) out.push({ kind: "fold", text: `${hidden} unchanged line${hidden === 1 ? "" : "s"}` });
      hidden = 0;
      out.push(row);
    } else hidden++;
  });
  if (hidden) out.push({ kind: "fold", text: `${hidden} unchanged line${hidden === 1 ? "" : "s"}` });
  return out;
}

const SIGN = { add: "+", del: "−", same: " ", fold: "⋯" } as const;
const SPOKEN = { add: "added", del: "removed", same: "", fold: "" } as const;

export function diffView(path: string, oldText: string | null | undefined, newText: string): TemplateResult {
  const rows = diffRows(oldText ?? "", newText);
  const added = rows.filter((row) => row.kind === "add").length;
  const removed = rows.filter((row) => row.kind === "del").length;
  return html`<figure part="diff" class="diff">
    <figcaption part="diff-header"><code class="path">${reveal(path)}</code> <span class="add">+${added}</span> <span class="del">−${removed}</span>${oldText == null ? " (new file)" : ""}</figcaption>
    <pre class="diff-lines" tabindex="0">${rows.map(
      (row) => html`<span class="row ${row.kind}" part="diff-${row.kind}"><span class="ln" aria-hidden="true">${row.oldLine ?? ""}</span><span class="ln" aria-hidden="true">${row.newLine ?? ""}</span><span class="sign" aria-hidden="true">${SIGN[row.kind]}</span>${SPOKEN[row.kind] ? html`<span class="visually-hidden">${SPOKEN[row.kind]}: </span>` : ""}${reveal(row.text)}
</span>`,
    )}</pre>
  </figure>`;
}
