/** Messages: the agent's text, its thinking, and the user's prompt. */
import { html, nothing } from "lit";
import type { StopRequest } from "../../events/index.js";
import type { EntryView } from "./context.js";
import { reveal } from "../reveal.js";
import { messageParts, preview, textOf } from "./common.js";
import { count, isTime, lookup, plural } from "../format.js";

export const agentMessage: EntryView<"agent-message"> = {
  label: () => "Agent",
  summary: (entry) => preview(textOf(entry.parts)) || "…",
  body: (entry, ctx) => html`${messageParts(entry.parts, ctx)}`,
  open: () => true,
};

export const agentThought: EntryView<"agent-thought"> = {
  label: (entry) => (entry.streaming ? "Thinking" : "Thought"),
  summary: (entry) => {
    const words = textOf(entry.parts).trim().split(/\s+/).filter(Boolean).length;
    return entry.streaming ? `${plural(words, "word")} so far…` : plural(words, "word");
  },
  body: (entry, ctx) => html`<div class="thought">${messageParts(entry.parts, ctx)}</div>`,
  open: () => false,
  status: (entry) => (entry.streaming ? "in_progress" : undefined),
};

const STOP_WORDS: Record<string, string> = {
  end_turn: "done",
  max_tokens: "hit the token limit",
  max_turn_requests: "hit the request limit",
  refusal: "refused",
  cancelled: "cancelled",
  error: "failed",
};

export const userMessage: EntryView<"user-message"> = {
  label: (entry) => entry.author?.name ?? entry.author?.id ?? "User",
  summary: (entry) => preview(textOf(entry.parts)) || "(empty prompt)",
  body: (entry, ctx) => html`
    <p class="byline" part="byline">
      ${reveal(entry.author?.name ?? entry.author?.id ?? "Someone")}${entry.author?.id && entry.author.name && !entry.author.id.startsWith("guest-") ? html` <span class="muted">(${reveal(entry.author.id)})</span>` : nothing}
      ${entry.createdAt && isTime(entry.createdAt) ? html` · <time datetime=${new Date(entry.createdAt).toISOString()}>${ctx.time(entry.createdAt)}</time>` : nothing}
      ${entry.source === "chunk" ? html` · <span class="muted">as echoed by the agent</span>` : nothing}
      ${entry.stop ? html` · <span class="stopped">${stopWords(entry.stop)}</span>${entry.stop.at && isTime(entry.stop.at) ? html` at <time datetime=${new Date(entry.stop.at).toISOString()}>${ctx.time(entry.stop.at)}</time>` : nothing}` : nothing}
      ${entry.stopReason ? html` · turn ${lookup(STOP_WORDS, entry.stopReason) ?? entry.stopReason}` : nothing}
      ${entry.replayed ? html` · <span class="muted">sent with the session's history (${count(entry.replayed)} characters) to a restarted agent</span>` : nothing}
    </p>
    ${messageParts(entry.parts, ctx)}
  `,
  open: () => true,
};

/** "Stopped", or "Stopped by Ada" once the host records who pressed Stop. */
export function stopWords(stop: StopRequest): string {
  const by = stop.by?.name ?? stop.by?.id;
  return reveal(by ? `Stopped by ${by}` : "Stopped");
}

export { STOP_WORDS };
