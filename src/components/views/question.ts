/** A question from the agent (`elicitation/create`): its message, its form, and how it was answered. */
import { html, nothing, type TemplateResult } from "lit";
import type { QuestionEntry, QuestionField } from "../../events/index.js";
import { reveal } from "../reveal.js";
import { preview, staticMarkdown } from "./common.js";
import type { EntryView } from "./context.js";

/** "Answered by Grace", "Declined by Ada", "Cancelled": how the question went, and who answered. */
export function questionOutcome(entry: QuestionEntry): string {
  const who = entry.resolution?.by?.name ?? entry.resolution?.by?.id;
  const by = who ? ` by ${who}` : "";
  switch (entry.status) {
    case "pending":
      return "Waiting for an answer";
    case "answered":
      return `Answered${by}`;
    case "declined":
      return `Declined${by}`;
    case "cancelled":
      return `Cancelled${by}`;
    case "unanswered":
      return "Not answered: its turn ended first";
  }
}


export const question: EntryView<"question"> = {
  label: () => "Question",
  summary: (entry) => html`${preview(entry.message, 120) || "The agent asks a question"} <span class="outcome">— ${reveal(questionOutcome(entry))}</span>`,
  status: (entry) => entry.status,
  open: (entry) => entry.status === "pending",
  body: (entry, ctx) => {
    const form = ctx.questionForm(entry);
    return html`
      ${entry.message ? html`<div part="markdown" class="markdown">${staticMarkdown(entry, entry.message)}</div>` : nothing}
      ${entry.title || entry.description
        ? html`<p class="muted">${entry.title ? html`<strong>${reveal(entry.title)}</strong>` : nothing}${entry.title && entry.description ? " — " : ""}${entry.description ? reveal(entry.description) : nothing}</p>`
        : nothing}
      ${entry.mode !== "form"
        ? html`<p class="muted">The agent asks ${entry.url ? html`to open <code>${reveal(entry.url)}</code>` : html`a question of a kind (<code>${reveal(entry.mode)}</code>)`} that this workspace does not put to the room; links an agent sends are not opened.</p>`
        : form !== nothing
          ? form
          : answers(entry)}
      <p class="outcome" part="question-outcome" role="status">${reveal(questionOutcome(entry))}</p>
    `;
  },
};

/** The fields, read-only: what was answered in each, once known. */
function answers(entry: QuestionEntry): TemplateResult | typeof nothing {
  if (!entry.fields.length) return nothing;
  const content = entry.status === "answered" ? entry.resolution?.content : undefined;
  return html`<dl class="facts question-answers" aria-label="Form">
    ${entry.fields.map(
      (field) => html`<dt part="question-field">${reveal(field.title ?? field.name)}${field.required ? html`<span class="required" aria-hidden="true">*</span>` : nothing}</dt>
        <dd>${content ? shown(field, content[field.name]) : html`<span class="muted">${reveal(describe(field))}</span>`}</dd>`,
    )}
  </dl>`;
}

/** An answered value as the reader should see it: a choice by its title, yes/no for a boolean. */
function shown(field: QuestionField, value: unknown): TemplateResult | string {
  if (value === undefined || value === null || value === "") return html`<span class="muted">(left empty)</span>`;
  const title = (v: unknown) => field.choices?.find((choice) => choice.value === v)?.title ?? String(v);
  if (typeof value === "boolean") return value ? "Yes" : "No";
  if (Array.isArray(value)) return reveal(value.map(title).join(", "));
  return reveal(title(value));
}

/** What a field asks for, before it is answered. */
function describe(field: QuestionField): string {
  if (field.choices) return `one of ${field.choices.map((choice) => choice.title).join(", ")}`;
  return field.type === "boolean" ? "yes or no" : field.type === "integer" ? "a whole number" : field.type === "number" ? "a number" : field.type === "string" ? "text" : field.type;
}
