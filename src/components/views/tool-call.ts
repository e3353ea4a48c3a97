/** A tool call with everything its updates said: title, kind, status, locations, input, output. */
import type { ToolCallContent } from "@agentclientprotocol/sdk";
import { html, nothing, type TemplateResult } from "lit";
import type { ToolCallEntry } from "../../events/index.js";
import type { EntryView } from "./context.js";
import { terminalView } from "./client.js";
import { reveal } from "../reveal.js";
import { contentBlock, inlineCode, jsonBlock, staticMarkdown } from "./common.js";
import { diffView } from "./diff.js";
import { lookup } from "../format.js";

/** A tool call's kind in a word, as its entry's label says it. */
export const KIND_LABELS: Record<string, string> = {
  read: "Read",
  edit: "Edit",
  delete: "Delete",
  move: "Move",
  search: "Search",
  execute: "Run",
  think: "Think",
  fetch: "Fetch",
  switch_mode: "Switch mode",
  other: "Tool",
};

const STATUS_WORDS: Record<string, string> = {
  pending: "pending",
  in_progress: "running",
  completed: "completed",
  failed: "failed",
};

/** The status a reader sees: once its turn ended, a call the agent left open shows how the turn left it. */
export function toolStatus(entry: ToolCallEntry): string {
  return entry.endedAs && (entry.status === "pending" || entry.status === "in_progress") ? entry.endedAs : entry.status;
}

const ENDED_WORDS: Record<string, string> = {
  cancelled: "cancelled: the turn was stopped before it finished",
  interrupted: "interrupted: the turn ended before it finished",
};

export const toolCall: EntryView<"tool-call"> = {
  label: (entry) => lookup(KIND_LABELS, entry.kind ?? "other") ?? "Tool",
  summary: (entry) => inlineCode(entry.title),
  status: toolStatus,
  open: () => false,
  body: (entry) => html`
    <dl class="facts">
      <dt>Status</dt><dd>${toolStatus(entry) !== entry.status
        ? html`${lookup(ENDED_WORDS, toolStatus(entry))} <span class="muted">(the agent last reported <code>${entry.status}</code>)</span>`
        : (lookup(STATUS_WORDS, entry.status) ?? entry.status)}</dd>
      <dt>Kind</dt><dd>${entry.kind ?? "unspecified"}</dd>
      ${entry.name ? html`<dt>Tool</dt><dd><code>${entry.name}</code></dd>` : nothing}
      <dt>Id</dt><dd><code>${entry.toolCallId}</code></dd>
    </dl>
    ${entry.locations.length
      ? html`<ul part="locations" class="locations" aria-label="Locations">
          ${entry.locations.map((location) => html`<li><code class="path">${reveal(String(location.path))}${location.line != null ? `:${location.line}` : ""}</code></li>`)}
        </ul>`
      : nothing}
    ${entry.rawInput !== undefined ? jsonBlock(entry.rawInput, "Input") : nothing}
    ${entry.content.map((item) => toolContent(item, entry))}
    ${entry.terminals.filter((terminal) => !entry.content.some((item) => item.type === "terminal" && item.terminalId === terminal.terminalId)).map(terminalView)}
    ${entry.rawOutput !== undefined ? jsonBlock(entry.rawOutput, "Output") : nothing}
    ${entry.meta ? jsonBlock(entry.meta, "Agent extras (_meta)") : nothing}
  `,
};

function toolContent(item: ToolCallContent, entry: ToolCallEntry): TemplateResult {
  switch (item.type) {
    case "content": {
      const block = item.content as { type: string; text?: unknown };
      return block?.type === "text" && typeof block.text === "string"
        ? html`<div part="markdown" class="markdown tool-content">${staticMarkdown(block, block.text)}</div>`
        : contentBlock(item.content as never);
    }
    case "diff":
      return diffView(String(item.path), typeof item.oldText === "string" ? item.oldText : null, String(item.newText ?? ""));
    case "terminal": {
      // The client methods' record of this terminal, when the log has it.
      const terminal = entry.terminals.find((candidate) => candidate.terminalId === item.terminalId);
      return terminal ? terminalView(terminal) : html`<p part="terminal" class="terminal">⌨ Terminal <code>${String(item.terminalId)}</code></p>`;
    }
    default:
      return jsonBlock(item, `${String((item as { type: unknown }).type)} content`);
  }
}
