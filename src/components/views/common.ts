/** Small pieces several views share: JSON, markdown, content blocks. */
import { html, nothing, type TemplateResult } from "lit";
import { repeat } from "lit/directives/repeat.js";
import { unsafeHTML } from "lit/directives/unsafe-html.js";
import type { MessagePart } from "../../events/index.js";
import { renderMarkdown } from "../markdown.js";
import { escapeControls, reveal } from "../reveal.js";
import type { ViewContext } from "./context.js";
import { count } from "../format.js";

/** Pretty JSON, cut at `limit` characters so a 5 MB field cannot freeze the page. */
export function json(value: unknown, limit = 20_000): string {
  let text: string;
  try {
    text = JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    text = String(value);
  }
  text = escapeControls(text);
  return text.length > limit ? `${text.slice(0, limit)}\n… ${count(text.length - limit)} more characters` : text;
}

export function jsonBlock(value: unknown, label?: string): TemplateResult {
  return html`<figure class="field">
    ${label ? html`<figcaption part="field-label">${label}</figcaption>` : nothing}
    <pre part="json" class="json" tabindex="0">${json(value)}</pre>
  </figure>`;
}

/** A message's parts: markdown text, rendered incrementally, and other content blocks. */
export function messageParts(parts: MessagePart[], ctx: ViewContext): TemplateResult {
  return html`${parts.map((part) => (part.kind === "text" ? markdown(part, ctx) : contentBlock(part.block)))}`;
}

function markdown(part: MessagePart & { kind: "text" }, ctx: ViewContext): TemplateResult {
  const md = ctx.markdown(part);
  // Far from view in a long transcript: the text as it is, until the reader comes near; a paragraph
  // to a block, so that only those in view are laid out.
  if (!md) return html`<div part="markdown" class="markdown plain">${paragraphs(part.text).map((text) => html`<p>${reveal(text)}</p>`)}</div>`;
  return html`<div part="markdown" class="markdown">
    ${repeat(md.blocks, (_, i) => i, (block) => unsafeHTML(block))}${unsafeHTML(md.tail)}
  </div>`;
}

/** `text` cut at its blank lines. */
function paragraphs(text: string): string[] {
  return text.split(/\n(?:[ \t]*\n)+/);
}

const rendered = new WeakMap<object, { text: string; html: string }>();

/** Markdown that does not stream (tool output), rendered once per text and cached by its owner object. */
export function staticMarkdown(owner: object, text: string) {
  let cached = rendered.get(owner);
  if (!cached || cached.text !== text) {
    cached = { text, html: renderMarkdown(text) };
    rendered.set(owner, cached);
  }
  return unsafeHTML(cached.html);
}

/** An ACP content block that is not text: images and audio are named, never loaded. */
export function contentBlock(block: Record<string, unknown> & { type: string }): TemplateResult {
  switch (block.type) {
    case "text":
      return html`<pre class="text">${reveal(String(block.text))}</pre>`;
    case "resource_link":
      return html`<p part="resource" class="resource">🔗 <span class="path">${reveal(String(block.title ?? block.name ?? ""))}</span> <code>${reveal(String(block.uri ?? ""))}</code></p>`;
    case "resource": {
      const resource = (block.resource ?? {}) as Record<string, unknown>;
      return html`<div part="resource" class="resource">
        <p>📄 <code>${reveal(String(resource.uri ?? ""))}</code></p>
        ${typeof resource.text === "string" ? html`<pre class="text">${reveal(resource.text)}</pre>` : nothing}
      </div>`;
    }
    case "image":
    case "audio":
      return html`<p part="resource" class="resource">${block.type === "image" ? "🖼" : "🔊"} ${block.type} (${String(block.mimeType ?? "unknown type")}) not shown</p>`;
    default:
      return jsonBlock(block, `${block.type} content`);
  }
}

/** A one-line text whose `backtick` spans are shown as code (titles from agents use them). */
export function inlineCode(text: string): TemplateResult {
  const pieces = reveal(text).split(/`([^`\n]+)`/);
  return html`${pieces.map((piece, i) => (i % 2 ? html`<code>${piece}</code>` : piece))}`;
}

export function textOf(parts: MessagePart[]): string {
  return parts.map((part) => (part.kind === "text" ? part.text : "")).join("");
}

/** First line of a text, shortened and without markdown markers, for a collapsed header. */
export function preview(text: string, max = 80): string {
  const line = (text.trim().split("\n", 1)[0] ?? "").replace(/^(#{1,6}\s+|>\s*|[-*+]\s+)/, "").replace(/[`*_]/g, "");
  return reveal(line.length > max ? `${line.slice(0, max - 1)}…` : line);
}
