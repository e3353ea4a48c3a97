/**
 * The element's own find box: the entries whose text holds the query (any case), in transcript
 * order, and the one shown now. A long transcript is virtual (see VirtualList): most of its entries
 * are not in the DOM, where the page's find would look, so this searches the entries themselves.
 */
import type { Entry } from "../../events/index.js";

/** Fields that are not the entry's text: its identity, bookkeeping, and the raw events behind it. */
const NOT_TEXT = new Set(["id", "type", "rev", "events", "createdAt", "updatedAt", "messageId", "toolCallId", "permissionId", "questionId", "status", "kind"]);

/** Every string an entry holds (its messages, titles, tool input and output...), lower-cased, one per line. */
export function entryText(entry: Entry): string {
  const out: string[] = [];
  const walk = (value: unknown, depth: number): void => {
    if (typeof value === "string") out.push(value);
    else if (typeof value === "number" || typeof value === "boolean") out.push(String(value));
    else if (depth > 8 || value === null || typeof value !== "object") return;
    else if (Array.isArray(value)) for (const item of value) walk(item, depth + 1);
    else for (const [key, field] of Object.entries(value)) if (depth > 0 || !NOT_TEXT.has(key)) walk(field, depth + 1);
  };
  walk(entry, 0);
  return out.join("\n").toLowerCase();
}

export class EntryFind {
  /** What the reader typed. */
  query = "";
  #matches: string[] = [];
  #at = -1;
  #texts = new WeakMap<Entry, { rev: number; text: string }>();

  /**
   * Finds `query` in `entries` (in order). The current match is `from` if it still matches, none if
   * it does not (the next step goes to the first or last), else the first.
   */
  search(entries: Iterable<Entry>, query: string, from?: string): void {
    this.query = query;
    this.#matches = [];
    this.#at = -1;
    const wanted = query.trim().toLowerCase();
    if (!wanted) return;
    for (const entry of entries) if (this.#text(entry).includes(wanted)) this.#matches.push(entry.id);
    this.#at = from === undefined ? (this.#matches.length > 0 ? 0 : -1) : this.#matches.indexOf(from);
  }

  /** Moves to the next match (`by` 1) or the previous one (-1), round the ends; its entry id. */
  step(by: 1 | -1): string | undefined {
    const count = this.#matches.length;
    if (count === 0) return undefined;
    this.#at = this.#at < 0 ? (by > 0 ? 0 : count - 1) : (this.#at + by + count) % count;
    return this.#matches[this.#at];
  }

  /** The match shown now. */
  get current(): string | undefined {
    return this.#matches[this.#at];
  }

  get count(): number {
    return this.#matches.length;
  }

  /** The current match's place among them, from 1 (0: none). */
  get position(): number {
    return this.#at + 1;
  }

  #text(entry: Entry): string {
    const known = this.#texts.get(entry);
    if (known && known.rev === entry.rev) return known.text;
    const text = entryText(entry);
    this.#texts.set(entry, { rev: entry.rev, text });
    return text;
  }
}
