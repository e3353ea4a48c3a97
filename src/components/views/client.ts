/** What the agent asked the client to do: read a file, write one, run a terminal. */
import { html, nothing, type TemplateResult } from "lit";
import type { ClientCallStatus, TerminalState } from "../../events/index.js";
import type { EntryView } from "./context.js";
import { reveal } from "../reveal.js";
import { diffView } from "./diff.js";
import { count, lookup, plural } from "../format.js";

/** A call's status as a badge word (`data-status`). */
const CALL_STATUS: Record<ClientCallStatus, string> = { pending: "pending", done: "completed", failed: "failed", unanswered: "unanswered" };

const CALL_WORDS: Record<ClientCallStatus, string> = {
  pending: "waiting for the client's answer",
  done: "answered",
  failed: "failed",
  unanswered: "no answer in the log (the turn ended)",
};

function lines(line: number | undefined, limit: number | undefined): string {
  if (line === undefined && limit === undefined) return "the whole file";
  const from = line ?? 1;
  return limit === undefined ? `from line ${count(from)}` : limit === 1 ? `line ${count(from)}` : `lines ${count(from)}–${count(from + limit - 1)}`;
}

export const fileRead: EntryView<"file-read"> = {
  label: () => "Read file",
  summary: (entry) => html`<code class="path">${reveal(entry.path)}</code> · ${lines(entry.line, entry.limit)}`,
  status: (entry) => CALL_STATUS[entry.status],
  open: () => false,
  body: (entry) => html`
    <dl class="facts">
      <dt>Path</dt><dd><code class="path">${reveal(entry.path)}</code></dd>
      <dt>Lines</dt><dd>${lines(entry.line, entry.limit)}</dd>
      <dt>Answer</dt><dd>${CALL_WORDS[entry.status]}</dd>
    </dl>
    ${entry.error ? html`<p role="alert" class="error-message">${reveal(entry.error)}</p>` : nothing}
    ${entry.content !== undefined
      ? html`<figure class="field"><figcaption part="field-label">Content (${plural(entry.content.split("\n").length, "line")})</figcaption><pre part="file-content" class="text" tabindex="0">${reveal(entry.content)}</pre></figure>`
      : nothing}
  `,
};

const BEFORE_FROM: Record<string, string> = {
  read: "an earlier read of the file",
  write: "the previous write to the file",
  "tool-call": "the tool call's diff",
};

export const fileWrite: EntryView<"file-write"> = {
  label: () => "Write file",
  summary: (entry) => html`<code class="path">${reveal(entry.path)}</code> · ${plural(entry.content.split("\n").length, "line")}`,
  status: (entry) => CALL_STATUS[entry.status],
  open: () => false,
  body: (entry, ctx) => {
    const tool = entry.toolCallEntryId ? ctx.entry(entry.toolCallEntryId) : undefined;
    return html`
      <dl class="facts">
        <dt>Path</dt><dd><code class="path">${reveal(entry.path)}</code></dd>
        ${tool?.type === "tool-call" ? html`<dt>For</dt><dd>${reveal(tool.title)}</dd>` : nothing}
        <dt>Answer</dt><dd>${CALL_WORDS[entry.status]}</dd>
      </dl>
      ${entry.error ? html`<p role="alert" class="error-message">${reveal(entry.error)}</p>` : nothing}
      ${entry.before !== undefined
        ? html`<p class="muted">Compared with ${lookup(BEFORE_FROM, entry.beforeFrom) ?? "what the log shows of the file"}.</p>${diffView(entry.path, entry.before, entry.content)}`
        : html`<figure class="field"><figcaption part="field-label">Content (the log shows nothing of the file before)</figcaption><pre part="file-content" class="text" tabindex="0">${reveal(entry.content)}</pre></figure>`}
    `;
  },
};

/** The terminal's state in one word: the badge of its entry. */
export function terminalStatus(terminal: TerminalState): string {
  const exit = terminal.exitStatus;
  if (exit) return exit.exitCode === 0 && !exit.signal ? "completed" : "failed";
  if (terminal.killed) return "cancelled";
  if (terminal.calls.some((call) => call.status === "pending")) return "in_progress";
  if (terminal.calls.some((call) => call.status === "unanswered")) return "unanswered";
  return terminal.released ? "completed" : "pending";
}

export function commandLine(terminal: TerminalState): string {
  return [terminal.command, ...terminal.args].join(" ").trim();
}

/** A terminal as far as the client methods tell: command, output, exit, and each call. */
export function terminalView(terminal: TerminalState): TemplateResult {
  const exit = terminal.exitStatus;
  return html`<figure part="terminal" class="terminal">
    <figcaption part="field-label">⌨ Terminal ${terminal.terminalId ? html`<code>${reveal(terminal.terminalId)}</code>` : "(id not in the log)"}</figcaption>
    <pre class="text command" tabindex="0">$ ${reveal(commandLine(terminal) || "(command not in the log)")}</pre>
    <dl class="facts">
      ${terminal.cwd ? html`<dt>Directory</dt><dd><code class="path">${reveal(terminal.cwd)}</code></dd>` : nothing}
      ${terminal.env.length ? html`<dt>Environment</dt><dd>${terminal.env.map((v) => html`<code>${reveal(`${v.name}=${v.value}`)}</code> `)}</dd>` : nothing}
      ${terminal.outputByteLimit !== undefined ? html`<dt>Output limit</dt><dd>${count(terminal.outputByteLimit)} bytes</dd>` : nothing}
      <dt>Exit</dt><dd>${exit ? (exit.signal ? `signal ${reveal(exit.signal)}` : `code ${exit.exitCode ?? "unknown"}`) : terminal.killed ? "killed" : "not reported"}</dd>
      ${terminal.released ? html`<dt>Released</dt><dd>yes</dd>` : nothing}
    </dl>
    ${terminal.output !== undefined
      ? html`<pre part="terminal-output" class="text" tabindex="0">${reveal(terminal.output)}</pre>${terminal.truncated ? html`<p class="muted">Output truncated by the client.</p>` : nothing}`
      : nothing}
    <ol class="calls" aria-label="Client calls">
      ${terminal.calls.map(
        (call) => html`<li><code>${call.method}</code> — ${CALL_WORDS[call.status]}${call.error ? html`: <span class="error-message">${reveal(call.error)}</span>` : nothing}</li>`,
      )}
    </ol>
  </figure>`;
}

export const terminal: EntryView<"terminal"> = {
  label: () => "Terminal",
  summary: (entry) => html`<code>${reveal(commandLine(entry.terminal) || entry.terminal.terminalId || "terminal")}</code>`,
  status: (entry) => terminalStatus(entry.terminal),
  open: () => false,
  body: (entry) => terminalView(entry.terminal),
};
