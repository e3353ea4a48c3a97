/** The newer updates: notices, compactions, several plans, subagents and the messages between sessions. */
import { html, nothing } from "lit";
import { LOST_METHOD, type SessionMessageState, type SubagentEntry } from "../../events/index.js";
import type { EntryView, ViewContext } from "./context.js";
import { reveal } from "../reveal.js";
import { jsonBlock, messageParts, preview, staticMarkdown, textOf } from "./common.js";
import { lookup, plural } from "../format.js";
import { planItems, planStatus } from "./session-state.js";

const SEVERITY_LABELS: Record<string, string> = { info: "Notice", warning: "Warning", error: "Error notice" };

export const notice: EntryView<"notice"> = {
  label: (entry) => lookup(SEVERITY_LABELS, entry.severity) ?? "Notice",
  summary: (entry) => entry.title || "(untitled)",
  status: (entry) => (entry.severity === "info" ? undefined : entry.severity),
  open: (entry) => entry.severity !== "info",
  body: (entry) => html`
    <p class="notice-title" role=${entry.severity === "error" ? "alert" : "status"}><strong>${reveal(entry.title || "(untitled)")}</strong></p>
    ${entry.description ? html`<div part="markdown" class="markdown">${staticMarkdown(entry, entry.description)}</div>` : nothing}
    <dl class="facts">
      <dt>Severity</dt><dd><code>${reveal(entry.severity)}</code></dd>
      ${entry.method ? html`<dt>From</dt><dd><code>${entry.method}</code> (${entry.method === LOST_METHOD ? "the workspace" : "the client"})</dd>` : nothing}
      ${entry.by ? html`<dt>By</dt><dd>${reveal(entry.by.name ?? entry.by.id ?? "")}</dd>` : nothing}
    </dl>
    ${entry.meta ? jsonBlock(entry.meta, "Agent extras (_meta)") : nothing}
  `,
};

const COMPACTION_WORDS: Record<string, string> = { in_progress: "compacting…", completed: "compacted", failed: "failed", cancelled: "cancelled" };

export const compaction: EntryView<"compaction"> = {
  label: () => "Compaction",
  summary: (entry) => {
    const word = lookup(COMPACTION_WORDS, entry.status) ?? entry.status;
    const summary = preview(textOf(entry.parts));
    return summary ? `${word} · ${summary}` : `context ${word}`;
  },
  status: (entry) => entry.status,
  open: () => false,
  body: (entry, ctx) => html`
    <p class="muted">The agent compacted the conversation's context: what came before is summarised for it.</p>
    <dl class="facts">
      <dt>Status</dt><dd>${lookup(COMPACTION_WORDS, entry.status) ?? reveal(entry.status)} <code class="muted">${reveal(entry.status)}</code></dd>
      <dt>Id</dt><dd><code>${reveal(entry.compactionId)}</code></dd>
    </dl>
    ${entry.error ? html`<p role="alert" class="error-message">${reveal(entry.error)}</p>` : nothing}
    ${entry.parts.length ? html`<figure class="field"><figcaption part="field-label">Summary</figcaption>${messageParts(entry.parts, ctx)}</figure>` : nothing}
  `,
};

export const planUpdate: EntryView<"plan-update"> = {
  label: () => "Plan",
  summary: (entry) =>
    entry.removed
      ? html`<code>${reveal(entry.planId)}</code> · removed`
      : entry.kind === "items"
        ? html`<code>${reveal(entry.planId)}</code> · <span class="progress">${entry.completed}/${entry.entries.length}</span>`
        : html`<code>${reveal(entry.planId)}</code> · ${entry.kind === "file" ? reveal(entry.uri ?? "file") : preview(entry.markdown ?? "") || reveal(entry.kind)}`,
  status: (entry) => (entry.removed ? "removed" : entry.kind === "items" ? planStatus(entry) : undefined),
  open: (entry) => !entry.removed,
  body: (entry) => html`
    <dl class="facts">
      <dt>Plan</dt><dd><code>${reveal(entry.planId)}</code> (${reveal(entry.kind)})</dd>
      ${entry.removed ? html`<dt>State</dt><dd>removed by the agent</dd>` : nothing}
      ${entry.uri ? html`<dt>File</dt><dd><code class="path">${reveal(entry.uri)}</code></dd>` : nothing}
    </dl>
    ${entry.kind === "items" ? planItems(entry) : nothing}
    ${entry.markdown !== undefined ? html`<div part="markdown" class="markdown">${staticMarkdown(entry, entry.markdown)}</div>` : nothing}
    ${entry.versions > 1 ? html`<p class="muted">Updated ${plural(entry.versions - 1, "time")}.</p>` : nothing}
  `,
};

const SUBAGENT_STATUS: Record<string, string> = { running: "in_progress", requires_action: "pending", unknown: "unknown" };

function subagentStatus(entry: SubagentEntry): string | undefined {
  if (entry.state === "idle") return entry.stopReason === "cancelled" ? "cancelled" : entry.stopReason === "error" ? "failed" : "idle";
  return entry.state === undefined ? undefined : (lookup(SUBAGENT_STATUS, entry.state) ?? entry.state);
}

/** One message between sessions; `self` is the session it is shown under, so the other one is named. */
function sessionMessage(message: SessionMessageState, ctx: ViewContext, self?: string): ReturnType<typeof html> {
  const from = message.senderSessionId === self && self ? "this subagent" : message.senderSessionId;
  const to = message.recipientSessionId === self && self ? "this subagent" : message.recipientSessionId;
  return html`<article part="session-message" class="session-message">
    <p class="byline" part="byline">${from ? html`from <code>${reveal(from)}</code>` : "from an unnamed session"} ${to ? html`to <code>${reveal(to)}</code>` : nothing}
      ${message.at ? html` · <time>${ctx.time(message.at)}</time>` : nothing}</p>
    ${message.parts.length ? messageParts(message.parts, ctx) : html`<p class="muted">(no content yet)</p>`}
  </article>`;
}

export const subagent: EntryView<"subagent"> = {
  label: () => "Subagent",
  summary: (entry) => `${entry.title ?? entry.sessionId}${entry.messages.length ? ` · ${plural(entry.messages.length, "message")}` : ""}`,
  status: subagentStatus,
  open: () => false,
  body: (entry, ctx) => html`
    ${entry.description ? html`<p>${reveal(entry.description)}</p>` : nothing}
    <dl class="facts">
      <dt>Session</dt><dd><code>${reveal(entry.sessionId)}</code></dd>
      <dt>State</dt><dd>${entry.state ? reveal(entry.state.replace("_", " ")) : "not reported"}${entry.stopReason ? html` (<code>${reveal(entry.stopReason)}</code>)` : nothing}</dd>
      ${entry.cwd ? html`<dt>Directory</dt><dd><code class="path">${reveal(entry.cwd)}</code></dd>` : nothing}
      ${entry.additionalDirectories?.length ? html`<dt>Also in</dt><dd>${entry.additionalDirectories.map((dir) => html`<code class="path">${reveal(dir)}</code> `)}</dd>` : nothing}
      <dt>Can be stopped</dt><dd>${entry.canCancel ? "yes" : "no"}</dd>
    </dl>
    ${entry.messages.length
      ? html`<section class="nested" aria-label="Messages">${entry.messages.map((message) => sessionMessage(message, ctx, entry.sessionId))}</section>`
      : nothing}
  `,
};

export const sessionMessageView: EntryView<"session-message"> = {
  label: () => "Message",
  summary: (entry) => preview(textOf(entry.message.parts)) || entry.message.messageId,
  open: () => true,
  body: (entry, ctx) => sessionMessage(entry.message, ctx),
};
