/**
 * The form of a pending question from the agent, for an element that can answer it: one labelled
 * control per field of the agent's schema (a text box, a number box, a checkbox, a list of its
 * choices), the schema's required fields required, and Send / Decline. Everything shown is the
 * agent's (untrusted) text, through text bindings only.
 */
import { html, nothing, type TemplateResult } from "lit";
import type { QuestionEntry, QuestionField } from "../../events/index.js";
import type { QuestionContent } from "../../protocol/index.js";
import { reveal } from "../reveal.js";

export interface QuestionFormProps {
  /** An answer from this element is on its way: the form waits. */
  busy: boolean;
  onSubmit: (event: SubmitEvent) => void;
  onDecline: (event: Event) => void;
}

export function questionForm(entry: QuestionEntry, { busy, onSubmit, onDecline }: QuestionFormProps): TemplateResult {
  const prefix = `q-${entry.id}`;
  return html`<form part="question-form" class="question-form" data-question=${entry.questionId} data-entry=${entry.id} aria-label="Answer the agent's question" @submit=${onSubmit}>
    <fieldset ?disabled=${busy}>
      ${entry.fields.map((field, i) => html`<div part="question-field" class="question-field" data-type=${field.type}>${control(field, `${prefix}-${i}`, i)}</div>`)}
      <div class="question-actions">
        <button type="submit" class="tool primary" part="question-submit">Send answer</button>
        <button type="button" class="tool danger" part="question-decline" data-question=${entry.questionId} @click=${onDecline}>Decline</button>
      </div>
    </fieldset>
  </form>`;
}

function control(field: QuestionField, id: string, index: number): TemplateResult {
  const title = reveal(field.title ?? field.name);
  const described = field.description ? `${id}-d` : undefined;
  const description = field.description ? html`<small id=${described} class="field-description">${reveal(field.description)}</small>` : nothing;
  const required = field.required ? html`<span class="required" aria-hidden="true">*</span>` : nothing;
  if (!field.fillable) {
    return html`<span class="field-title">${title}</span> ${description}
      <p class="muted">A field of type <code>${reveal(field.type)}</code>, which this form cannot fill${field.required ? ": decline the question instead" : ""}.</p>`;
  }
  if (field.type === "boolean") {
    return html`<label class="check" for=${id}><input type="checkbox" id=${id} data-field=${index} ?checked=${field.default === true} aria-describedby=${described ?? nothing} /> ${title}</label>
      ${description}`;
  }
  const label = html`<label for=${id}>${title}${required}</label>`;
  if (field.choices) {
    const multiple = field.type === "array";
    const chosen = (value: string) => (Array.isArray(field.default) ? field.default.includes(value) : field.default === value);
    return html`${label} ${description}
      <select id=${id} data-field=${index} ?multiple=${multiple} ?required=${field.required} aria-describedby=${described ?? nothing}>
        ${multiple ? nothing : html`<option value="" ?selected=${field.default === undefined}>Choose…</option>`}
        ${field.choices.map((choice) => html`<option value=${choice.value} ?selected=${chosen(choice.value)}>${reveal(choice.title)}</option>`)}
      </select>`;
  }
  const numeric = field.type === "number" || field.type === "integer";
  const value = typeof field.default === "string" || typeof field.default === "number" ? String(field.default) : nothing;
  return html`${label} ${description}
    <input
      id=${id}
      data-field=${index}
      type=${numeric ? "number" : "text"}
      step=${numeric ? (field.type === "integer" ? "1" : "any") : nothing}
      min=${field.minimum ?? nothing}
      max=${field.maximum ?? nothing}
      minlength=${field.minLength ?? nothing}
      maxlength=${field.maxLength ?? nothing}
      value=${value}
      ?required=${field.required}
      aria-describedby=${described ?? nothing}
    />`;
}

/** The form's values as an answer's content: what was filled in, typed as each field asks (an empty box is left out). */
export function readQuestionForm(form: HTMLFormElement, fields: readonly QuestionField[]): QuestionContent {
  const values: Array<[string, QuestionContent[string]]> = [];
  fields.forEach((field, index) => {
    const input = form.querySelector<HTMLInputElement | HTMLSelectElement>(`[data-field="${index}"]`);
    if (!input || !field.fillable) return;
    if (input instanceof HTMLInputElement && input.type === "checkbox") values.push([field.name, input.checked]);
    else if (input instanceof HTMLSelectElement && input.multiple) {
      const chosen = [...input.selectedOptions].map((option) => option.value);
      if (chosen.length) values.push([field.name, chosen]);
    } else if (input.value !== "") {
      values.push([field.name, field.type === "number" || field.type === "integer" ? Number(input.value) : input.value]);
    }
  });
  // Built from entries: a field the agent named `__proto__` stays a field.
  return Object.fromEntries(values);
}
