/**
 * The fields of a question's form (ACP `elicitation/create`, `requestedSchema`), read from the
 * agent's untrusted JSON Schema, and the check an answer must pass. The fold, the element's form and
 * the workspace actor all read a schema through here, so the form offers exactly what the workspace
 * accepts.
 */
import { asArray, asNumber, asString, isRecord } from "./parse.js";
import type { QuestionField } from "./types.js";

/** Field types a form can fill; others are shown but cannot be answered. */
const FILLABLE = new Set(["string", "number", "integer", "boolean", "array"]);

/** The schema's properties as fields, in the agent's order; `required` marks those that must be filled. */
export function questionFields(schema: unknown): QuestionField[] {
  if (!isRecord(schema) || !isRecord(schema.properties)) return [];
  const required = new Set((asArray(schema.required) ?? []).filter((name): name is string => typeof name === "string"));
  return Object.entries(schema.properties).map(([name, property]) => fieldOf(name, isRecord(property) ? property : {}, required.has(name)));
}

function fieldOf(name: string, property: Record<string, unknown>, required: boolean): QuestionField {
  const type = asString(property.type) ?? "unknown";
  const field: QuestionField = { name, type, required, fillable: FILLABLE.has(type) };
  const title = asString(property.title);
  if (title) field.title = title;
  const description = asString(property.description);
  if (description) field.description = description;
  // Single choice: `enum` (values) or `oneOf` (values with titles); several: `items.enum` / `items.anyOf`.
  const items = isRecord(property.items) ? property.items : undefined;
  const choices = type === "array" ? (items ? choicesOf(items.enum, items.anyOf) : undefined) : choicesOf(property.enum, property.oneOf);
  if (choices) field.choices = choices;
  if (type === "array" && !choices) field.fillable = false;
  for (const key of ["minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems"] as const) {
    const value = asNumber(property[key]);
    if (value !== undefined) field[key] = value;
  }
  const fallback = property.default;
  if (typeof fallback === "string" || typeof fallback === "number" || typeof fallback === "boolean" || (Array.isArray(fallback) && fallback.every((v) => typeof v === "string"))) {
    field.default = fallback;
  }
  return field;
}

function choicesOf(values: unknown, titled: unknown): QuestionField["choices"] {
  const plain = asArray(values)?.filter((value): value is string => typeof value === "string");
  if (plain?.length) return plain.map((value) => ({ value, title: value }));
  const options = asArray(titled)?.filter((option): option is Record<string, unknown> => isRecord(option) && typeof option.const === "string");
  if (options?.length) return options.map((option) => ({ value: option.const as string, title: asString(option.title) ?? (option.const as string) }));
  return undefined;
}

/** How a field is named to a person: its title, else its name. */
export function fieldName(field: QuestionField): string {
  return `“${field.title ?? field.name}”`;
}

/**
 * Why `content` does not answer a form of `fields`, as a sentence a person can act on; undefined
 * when it does. Required fields must be there (an empty text counts as missing), every value must
 * have its field's type, a choice must be one offered, numbers and texts stay within their bounds,
 * and there are no fields the form does not have. (`pattern` and `format` are not checked: a regular
 * expression from the agent could take forever to run.)
 */
export function checkAnswer(fields: readonly QuestionField[], content: unknown): string | undefined {
  if (!isRecord(content)) return "An answer that accepts the question needs its form's values (content), as an object.";
  const known = new Map(fields.map((field) => [field.name, field]));
  const extra = Object.keys(content).find((name) => !known.has(name));
  if (extra !== undefined) return `The question has no field “${extra}”; it asks for ${fields.map(fieldName).join(", ") || "nothing"}.`;
  for (const field of fields) {
    const value = Object.hasOwn(content, field.name) ? content[field.name] : undefined;
    const missing = value === undefined || value === null || value === "" || (Array.isArray(value) && value.length === 0 && field.required);
    if (missing) {
      if (field.required) return `${fieldName(field)} is required: fill it in, or decline the question.`;
      continue;
    }
    const problem = checkValue(field, value);
    if (problem) return problem;
  }
  return undefined;
}

function checkValue(field: QuestionField, value: unknown): string | undefined {
  const name = fieldName(field);
  const choices = field.choices?.map((choice) => choice.value);
  const offered = () => choices!.map((choice) => `“${choice}”`).join(", ");
  switch (field.type) {
    case "string":
      if (typeof value !== "string") return `${name} must be text.`;
      if (choices && !choices.includes(value)) return `${name} must be one of ${offered()}, not “${value}”.`;
      if (field.minLength !== undefined && value.length < field.minLength) return `${name} must be at least ${field.minLength} characters long.`;
      if (field.maxLength !== undefined && value.length > field.maxLength) return `${name} must be at most ${field.maxLength} characters long.`;
      return undefined;
    case "number":
    case "integer":
      if (typeof value !== "number" || !Number.isFinite(value)) return `${name} must be a number.`;
      if (field.type === "integer" && !Number.isInteger(value)) return `${name} must be a whole number.`;
      if (field.minimum !== undefined && value < field.minimum) return `${name} must be at least ${field.minimum}.`;
      if (field.maximum !== undefined && value > field.maximum) return `${name} must be at most ${field.maximum}.`;
      return undefined;
    case "boolean":
      return typeof value === "boolean" ? undefined : `${name} must be true or false (a yes/no answer).`;
    case "array":
      if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) return `${name} must be a list of choices.`;
      if (choices && value.some((item) => !choices.includes(item))) return `${name} may only hold ${offered()}.`;
      if (field.minItems !== undefined && value.length < field.minItems) return `${name} needs at least ${field.minItems} choices.`;
      if (field.maxItems !== undefined && value.length > field.maxItems) return `${name} takes at most ${field.maxItems} choices.`;
      return undefined;
    default:
      return `${name} is of a type this workspace cannot fill (${field.type}); decline the question instead.`;
  }
}
