/** Permission requests, turn ends, errors and everything we have no view for. */
import { html, nothing } from "lit";
import type { PermissionRequestEntry } from "../../events/index.js";
import type { EntryView } from "./context.js";
import { replyFor } from "../../events/index.js";
import { reveal } from "../reveal.js";
import { inlineCode, jsonBlock } from "./common.js";
import { lookup } from "../format.js";
import { STOP_WORDS, stopWords } from "./messages.js";

const OPTION_ICONS: Record<string, string> = { allow_once: "✓", allow_always: "✓✓", reject_once: "✕", reject_always: "✕✕" };

/** The answer in one word: the badge and `data-status`. */
export function permissionStatus(entry: PermissionRequestEntry): string {
  if (entry.status !== "resolved") return entry.status;
  const reply = entry.resolution?.reply ?? replyFor(entry.options.find((option) => option.optionId === entry.resolution?.optionId)?.kind);
  return reply === "reject" ? "rejected" : reply === "once" || reply === "always" ? "allowed" : "answered";
}

/** "Allowed: Yes, proceed, by Grace": the answer, the option chosen, and who chose it. */
export function permissionOutcome(entry: PermissionRequestEntry): string {
  const option = entry.options.find((candidate) => candidate.optionId === entry.resolution?.optionId);
  const by = entry.resolution?.by?.name ?? entry.resolution?.by?.id;
  switch (entry.status) {
    case "pending":
      return "Waiting for an answer";
    case "cancelled":
      return "Cancelled";
    case "failed":
      return "Answer failed";
    case "resolved": {
      const status = permissionStatus(entry);
      const verb = status.charAt(0).toUpperCase() + status.slice(1);
      const reply = entry.resolution?.reply;
      const what = option ? `${verb}: ${option.name}` : reply ? `${verb} (${reply})` : "Answered (the answer was not recorded)";
      return by ? `${what}, by ${by}` : what;
    }
  }
}

export const permissionRequest: EntryView<"permission-request"> = {
  label: () => "Permission",
  summary: (entry, ctx) => {
    const tool = entry.toolCallEntryId ? ctx.entry(entry.toolCallEntryId) : undefined;
    const title = entry.toolCall.title ?? (tool?.type === "tool-call" ? tool.title : undefined) ?? entry.toolCall.toolCallId;
    return html`${inlineCode(title)} <span class="outcome">— ${reveal(permissionOutcome(entry))}</span>`;
  },
  status: permissionStatus,
  open: (entry) => entry.status === "pending",
  body: (entry, ctx) => {
    // Answerable here: the agent's options are the buttons. Otherwise they are listed, the chosen one marked.
    const actions = ctx.permissionActions(entry);
    return html`
    <p>The agent asks to run <strong>${inlineCode(entry.toolCall.title ?? "a tool")}</strong>${entry.toolCall.kind ? html` (${entry.toolCall.kind})` : nothing}.</p>
    ${actions !== nothing ? actions : html`<ul part="permission-options" class="choices" aria-label="Options">
      ${entry.options.map((option) => {
        const chosen = entry.resolution?.optionId === option.optionId;
        return html`<li data-kind=${option.kind} ?data-current=${chosen} aria-current=${chosen ? "true" : "false"}>
          <span class="option" part="permission-option">${lookup(OPTION_ICONS, option.kind) ?? "•"} ${reveal(String(option.name))}</span>
          ${chosen ? html`<span class="badge" part="badge">chosen</span>` : nothing}
        </li>`;
      })}
    </ul>`}
    <p class="outcome" part="permission-outcome" role="status">${reveal(permissionOutcome(entry))}</p>
    ${entry.toolCall.rawInput !== undefined ? jsonBlock(entry.toolCall.rawInput, "Input") : nothing}
  `;
  },
};

export const turnEnd: EntryView<"turn-end"> = {
  label: () => "Turn ended",
  summary: (entry) => `${entry.stop ? stopWords(entry.stop) : (lookup(STOP_WORDS, entry.stopReason) ?? entry.stopReason)} (${entry.stopReason})`,
  status: (entry) => (entry.stopReason === "end_turn" && !entry.stop ? "completed" : entry.stopReason === "cancelled" || entry.stop ? "cancelled" : "failed"),
  open: () => false,
  body: (entry, ctx) => html`
    <dl class="facts">
      <dt>Stop reason</dt><dd><code>${entry.stopReason}</code></dd>
      ${entry.stop
        ? html`<dt>Stop</dt><dd>${stopWords(entry.stop)}${entry.stop.at ? html` at ${ctx.time(entry.stop.at)}` : nothing} <span class="muted">(<code>session/cancel</code> from the client)</span></dd>`
        : nothing}
    </dl>
    ${entry.usage ? jsonBlock(entry.usage, "Tokens") : nothing}
  `,
};

export const error: EntryView<"error"> = {
  label: (entry) => (entry.reason === "malformed" ? "Malformed event" : "Error"),
  summary: (entry) => `${entry.method ? `${entry.method}: ` : ""}${entry.message}`,
  status: () => "failed",
  open: () => true,
  body: (entry) => html`
    <p role="alert" class="error-message">${reveal(String(entry.message))}</p>
    <dl class="facts">
      ${entry.method ? html`<dt>Request</dt><dd><code>${entry.method}</code></dd>` : nothing}
      ${entry.code !== undefined ? html`<dt>Code</dt><dd><code>${entry.code}</code></dd>` : nothing}
    </dl>
    ${entry.data !== undefined ? jsonBlock(entry.data, "Details") : nothing}
    ${entry.reason === "malformed" ? jsonBlock(entry.events[0], "The event as received") : nothing}
  `,
};

export const unknown: EntryView<"unknown"> = {
  label: () => "Other",
  summary: (entry) => entry.label,
  open: () => false,
  body: (entry) => html`
    <p class="muted">No dedicated view for <code>${entry.label}</code>; here is its payload as sent by the ${senderOf(entry.events[0])}.</p>
    ${jsonBlock(entry.value, "Payload")}
    ${entry.response !== undefined ? jsonBlock(entry.response, "Response") : nothing}
  `,
};

function senderOf(event: unknown): string {
  const sender = (event as { sender?: unknown } | undefined)?.sender;
  return sender === "client" ? "client" : sender === "agent" ? "agent" : "sender";
}
