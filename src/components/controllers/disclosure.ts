/**
 * What the reader opened: entries opened or closed against their type's default, raw-event lists
 * opened inside entries, and how many raw events each list shows. The reader's own, per transcript.
 */
import type { Entry } from "../../events/index.js";
import { VIEWS, type EntryView } from "../views/index.js";

/** Raw events shown per page in a raw list; more on request. */
export const RAW_PAGE = 200;
/** The key of the element-wide raw event list in `rawShown`. */
export const ALL_RAW = "*";

export class Disclosure {
  #open = new Map<string, boolean>();
  #rawOpen = new Set<string>();
  #rawShown = new Map<string, number>();

  isOpen(entry: Entry): boolean {
    return this.#open.get(entry.id) ?? (VIEWS[entry.type] as EntryView<Entry["type"]>).open?.(entry as never) ?? false;
  }

  setOpen(id: string, open: boolean): void {
    this.#open.set(id, open);
  }

  toggle(entry: Entry): void {
    this.#open.set(entry.id, !this.isOpen(entry));
  }

  rawOpen(id: string): boolean {
    return this.#rawOpen.has(id);
  }

  /** Records a raw list's state; false when it already was so. */
  setRawOpen(id: string, open: boolean): boolean {
    if (open === this.#rawOpen.has(id)) return false;
    if (open) this.#rawOpen.add(id);
    else this.#rawOpen.delete(id);
    return true;
  }

  /** How many raw events the list `key` (an entry id, or ALL_RAW) shows. */
  rawShown(key: string): number {
    return this.#rawShown.get(key) ?? RAW_PAGE;
  }

  showMore(key: string): void {
    this.#rawShown.set(key, this.rawShown(key) + RAW_PAGE);
  }

  clear(): void {
    this.#open.clear();
    this.#rawOpen.clear();
    this.#rawShown.clear();
  }
}
