/**
 * Markdown from agents and users, rendered to sanitized HTML, incrementally while it streams.
 *
 * Untrusted input: raw HTML in the markdown is shown as text, images are links (no request leaves
 * the page until the reader clicks), and DOMPurify removes anything executable that marked lets
 * through (`javascript:` links, handlers, styles). A task list's boxes are marks (☑, ☐) with a
 * label, not form controls.
 */
import DOMPurify from "dompurify";
import { Marked, type Token, type Tokens, type TokensList } from "marked";
import { reveal } from "./reveal.js";

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

const marked = new Marked({
  gfm: true,
  async: false,
  renderer: {
    html: ({ text }: Tokens.HTML | Tokens.Tag) => escapeHtml(text),
    image: ({ href, text }: Tokens.Image) => `<a href="${escapeHtml(href)}">${escapeHtml(text || href)}</a>`,
    // After an inline <script>, <pre>, <code> or <kbd>, marked passes the text up to the closing tag
    // through unescaped, as HTML for those tags to wrap. Here the tags are shown as text: so is it.
    text: (token: Tokens.Text | Tokens.Escape) => (token.type === "text" && token.escaped && !token.tokens ? escapeHtml(token.text) : false),
    // A task list's box would be an <input>, which the sanitizer removes: an inert mark says it
    // instead, in a tag markdown already produces (its role, not the tag, is what a reader is told).
    checkbox: ({ checked }: Tokens.Checkbox) => (checked ? `<strong role="img" aria-label="done">☑</strong> ` : `<strong role="img" aria-label="not done">☐</strong> `),
  },
});

const purify = DOMPurify();
const FORBID = ["style", "img", "svg", "math", "form", "input", "button", "textarea", "select", "iframe", "object", "embed", "video", "audio", "source", "picture", "link", "meta", "base"];
const SAFE_URL = /^(?:https?:|mailto:|#|\/|\.{0,2}\/|[^:]*$)/i;

// Direction controls in text would reorder what the reader sees: show them by name.
purify.addHook("afterSanitizeElements", (node) => {
  if (node.nodeType !== 3) return;
  const text = node as Text;
  const shown = reveal(text.data);
  if (shown !== text.data) text.data = shown;
});

purify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A") {
    const href = node.getAttribute("href");
    if (href !== null && !SAFE_URL.test(href.trim())) node.removeAttribute("href");
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer nofollow");
  }
  // Code blocks and tables scroll: keyboard users must be able to reach them.
  if (node.tagName === "PRE" || node.tagName === "TABLE") node.setAttribute("tabindex", "0");
});

/** Sanitized HTML for a markdown string. */
export function renderMarkdown(source: string): string {
  return sanitize(marked.parse(source) as string);
}

function renderTokens(tokens: Token[], links: TokensList["links"]): string {
  const list = Object.assign([...tokens], { links }) as unknown as Parameters<typeof marked.parser>[0];
  return sanitize(marked.parser(list));
}

export function sanitize(html: string): string {
  return purify.sanitize(html, { FORBID_TAGS: FORBID, FORBID_ATTR: ["style", "class", "id", "srcset"], ALLOW_DATA_ATTR: false });
}

/** An open tail shorter than this is rendered as markdown on every update. */
const TAIL_LIVE = 4_000;
/** A longer one only when it has grown by this factor since it was last rendered: plain text in between. */
const TAIL_GROWTH = 1.25;
/** The closing tags at the end of rendered HTML: new plain text goes inside them, not after. */
const CLOSING = /(?:<\/[a-z][a-z0-9]*>\s*)+$/i;

/**
 * A message's markdown as it streams: finished blocks are rendered once and kept; only the open
 * tail block is rendered again as chunks arrive. Feeding a text that does not extend the previous
 * one starts over.
 *
 * A very long open block (a paragraph or code block of many kilobytes) would cost a full render per
 * update, quadratic over the stream: past TAIL_LIVE characters it is re-rendered only after growing
 * by TAIL_GROWTH, and what arrived in between is shown as escaped text inside it. The total work
 * stays linear; the formatting of the newest few words follows at the next render.
 */
export class StreamingMarkdown {
  /** Sanitized HTML of the finished blocks, in order (blocks that finished together share one string). Never changes once pushed. */
  readonly blocks: string[] = [];
  /** Sanitized HTML of the open tail. */
  tail = "";
  #source = "";
  /** Length of the source prefix rendered into `blocks`. */
  #done = 0;
  /** The open tail's source and HTML as last rendered as markdown. */
  #tailSource = "";
  #tailHtml = "";
  /**
   * The newest text of a long open block is shown as plain text: call `update` again with the same
   * source once the stream pauses, and the block is rendered in full.
   */
  stale = false;

  update(source: string): void {
    if (source === this.#source && !this.stale) return;
    const growing = source !== this.#source;
    if (!source.startsWith(this.#source.slice(0, this.#done))) this.#reset();
    this.#source = source;
    const rest = source.slice(this.#done);
    const rendered = this.#tailSource;
    if (growing && rendered.length > TAIL_LIVE && rest.length < rendered.length * TAIL_GROWTH && rest.startsWith(rendered)) {
      const added = escapeHtml(reveal(rest.slice(rendered.length)));
      const closing = CLOSING.exec(this.#tailHtml);
      this.tail = closing ? `${this.#tailHtml.slice(0, closing.index)}${added}${closing[0]}` : `${this.#tailHtml}${added}`;
      this.stale = true;
      return;
    }
    this.stale = false;
    const tokens = marked.lexer(rest);
    const links = tokens.links;
    // Every block but the last is finished; carriage returns make marked's offsets differ from ours.
    let last = tokens.length - 1;
    while (last > 0 && tokens[last].type === "space") last--;
    if (last > 0 && !rest.includes("\r")) {
      const finished = tokens.slice(0, last);
      const length = finished.reduce((sum, token) => sum + token.raw.length, 0);
      if (rest.startsWith(finished.map((token) => token.raw).join(""))) {
        // Blocks that finished together are rendered and sanitized together: one parse, not one per block.
        const html = renderTokens(finished, links);
        if (html) this.blocks.push(html);
        this.#done += length;
        this.#setTail(rest.slice(length), renderTokens(tokens.slice(last), links));
        return;
      }
    }
    this.#setTail(rest, renderTokens(tokens, links));
  }

  #setTail(source: string, html: string): void {
    this.tail = this.#tailHtml = html;
    this.#tailSource = source;
  }

  #reset(): void {
    this.blocks.length = 0;
    this.tail = "";
    this.#done = 0;
    this.#source = "";
    this.#tailSource = "";
    this.#tailHtml = "";
    this.stale = false;
  }
}
