/**
 * The reader's own filters: entry types hidden (and tool calls by kind), and "only what needs me".
 * They change this reader's view only. The `hide` attribute gives the types hidden until the reader
 * chooses; the reader's choices are kept in localStorage per workspace (per element name: its
 * workspace-id, else its id) and win over `hide` from then on. An element with no name keeps them
 * for the page's life only.
 */
import type { Entry, EntryType } from "../../events/index.js";

/** A hidden tool-call kind is written `tool-call:<kind>` among the hidden types. */
export const KIND_PREFIX = "tool-call:";
const STORAGE_PREFIX = "sandbox-workspace:filters:";

/** What the reader chose, as stored. */
export interface FilterChoices {
  /** Entry types, and `tool-call:<kind>` tokens, hidden. */
  hidden: string[];
  /** Show only what needs this reader: pending permission requests and questions, errors, their own prompts. */
  needsMe: boolean;
}

/** The kind a tool call is filtered by: its own, or `other`. */
export const kindOf = (entry: Entry & { type: "tool-call" }) => entry.kind ?? "other";

/** What needs the reader: a pending permission request or question, an error, a prompt of theirs. */
export function needsReader(entry: Entry, userName: string | undefined): boolean {
  switch (entry.type) {
    case "permission-request":
    case "question":
      return entry.status === "pending";
    case "error":
      return true;
    case "notice":
      return entry.severity === "error";
    case "user-message":
      return !!userName && (entry.author?.name === userName || entry.author?.id === userName);
    default:
      return false;
  }
}

/** Space-separated entry types (and `tool-call:<kind>`), as the `hide` attribute takes them. */
export function parseHide(value: string | null | undefined): string[] {
  return [...new Set((value ?? "").split(/\s+/).filter(Boolean))];
}

function storage(): Storage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    // A sandboxed frame, or storage turned off: nothing is kept.
    return undefined;
  }
}

export class EntryFilters {
  #hidden = new Set<string>();
  #needsMe = false;
  #name?: string;
  #hide?: string;
  /** Whether the reader has chosen (stored choices win over `hide`). */
  #chosen = false;
  #synced = false;
  /** Bumped at every change: renders that depend on the filters compare it. */
  revision = 0;

  /** Takes the element's name and `hide` attribute: the reader's choices for a new name, or `hide` until they choose. */
  sync(name: string | undefined, hide: string | undefined): void {
    if (this.#synced && name === this.#name && hide === this.#hide) return;
    const renamed = !this.#synced || name !== this.#name;
    this.#synced = true;
    this.#name = name;
    this.#hide = hide;
    if (renamed) {
      const stored = this.#load();
      this.#chosen = stored !== undefined;
      this.#apply(stored?.hidden ?? parseHide(hide), stored?.needsMe ?? false);
    } else if (!this.#chosen) {
      this.#apply(parseHide(hide), false);
    }
    this.revision++;
  }

  /** Whether any filter applies. */
  get active(): boolean {
    return this.#hidden.size > 0 || this.#needsMe;
  }

  get needsMe(): boolean {
    return this.#needsMe;
  }

  /** Whether the type (or `tool-call:<kind>`) is hidden. */
  isHidden(token: string): boolean {
    return this.#hidden.has(token);
  }

  /** The hidden types and kinds, as the reader or `hide` set them. */
  get hidden(): string[] {
    return [...this.#hidden];
  }

  /** Whether `entry` is hidden for the reader `userName`. */
  hides(entry: Entry, userName: string | undefined): boolean {
    if (this.#hidden.has(entry.type)) return true;
    if (entry.type === "tool-call" && this.#hidden.size > 0 && this.#hidden.has(KIND_PREFIX + kindOf(entry))) return true;
    return this.#needsMe && !needsReader(entry, userName);
  }

  /** Hides or shows a type (or `tool-call:<kind>`): the reader's choice, kept. */
  setHidden(token: EntryType | string, hidden: boolean): void {
    if (hidden) this.#hidden.add(token);
    else this.#hidden.delete(token);
    this.#choose();
  }

  setNeedsMe(on: boolean): void {
    this.#needsMe = on;
    this.#choose();
  }

  /** Shows everything: the reader's choice, kept (so `hide` does not come back). */
  showAll(): void {
    this.#hidden.clear();
    this.#needsMe = false;
    this.#choose();
  }

  #apply(hidden: readonly string[], needsMe: boolean): void {
    this.#hidden = new Set(hidden);
    this.#needsMe = needsMe;
  }

  #choose(): void {
    this.#chosen = true;
    this.revision++;
    if (this.#name === undefined) return;
    const choices: FilterChoices = { hidden: [...this.#hidden], needsMe: this.#needsMe };
    try {
      storage()?.setItem(STORAGE_PREFIX + this.#name, JSON.stringify(choices));
    } catch {
      // Full or refused: the choice holds for this page.
    }
  }

  #load(): FilterChoices | undefined {
    if (this.#name === undefined) return undefined;
    let text: string | null | undefined;
    try {
      text = storage()?.getItem(STORAGE_PREFIX + this.#name);
    } catch {
      return undefined;
    }
    if (!text) return undefined;
    try {
      const value = JSON.parse(text) as Partial<FilterChoices>;
      const hidden = Array.isArray(value.hidden) ? value.hidden.filter((token): token is string => typeof token === "string").slice(0, 200) : [];
      return { hidden, needsMe: value.needsMe === true };
    } catch {
      return undefined;
    }
  }
}

/** The storage key of the reader's choices for the element named `name`. */
export const filterStorageKey = (name: string) => STORAGE_PREFIX + name;
