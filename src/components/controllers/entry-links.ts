/**
 * Links to one entry. A link is the page's URL with the fragment
 * `#sandbox-workspace/<name>/<entry-id>`, each part URL-encoded, where the name is the element's
 * `workspace-id` (for a replay without one, its `id` attribute). An element whose name matches the
 * page's fragment, at load or on `hashchange`, takes the entry id as wanted; the host lands on it
 * once the entry is folded, or says it does not exist once the whole session is in.
 *
 * Copying goes through the Clipboard API; where that is missing or refused (an insecure page, a
 * denied permission), the link shows in a read-only field, selected, for the reader to copy.
 */
import type { ReactiveController, ReactiveControllerHost } from "lit";

const PREFIX = "#sandbox-workspace/";
/** How long "Copied" shows on a link button. */
const COPIED_MS = 2000;

/** The fragment that links to `entryId` of the element named `name`. */
export function entryFragment(name: string, entryId: string): string {
  return `${PREFIX}${encodeURIComponent(name)}/${encodeURIComponent(entryId)}`;
}

/** What a fragment links to, or undefined when it is not an entry link. */
export function parseFragment(hash: string): { name: string; entryId: string } | undefined {
  if (!hash.startsWith(PREFIX)) return undefined;
  const parts = hash.slice(PREFIX.length).split("/");
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  try {
    return { name: decodeURIComponent(parts[0]), entryId: decodeURIComponent(parts[1]) };
  } catch {
    return undefined;
  }
}

/** The page's URL with `fragment` in place of its own. */
export function withFragment(href: string, fragment: string): string {
  const at = href.indexOf("#");
  return (at === -1 ? href : href.slice(0, at)) + fragment;
}

export interface EntryLinksHost {
  /** The element's name in links: its workspace-id, else its id; undefined when it has neither. */
  name(): string | undefined;
  /** A sentence for screen readers (the element's live region). */
  announce(text: string): void;
}

export class EntryLinks implements ReactiveController {
  /** The entry the page's link landed on: marked `entry-linked`. */
  linked?: string;
  /** An entry id the link names that this session does not have. */
  missing?: string;
  /** The entry the link names, waiting to be folded. */
  pending?: string;
  /** Whether the wanted entry came by `hashchange` (a reader's click in the page), not with the page's load. */
  byHashChange = false;
  /** The entry whose link was just copied ("Copied" on its button). */
  copied?: string;
  /** An entry whose link shows in a field, for a page where the clipboard could not be written. */
  manual?: { entryId: string; url: string; selected?: boolean };

  #host: ReactiveControllerHost;
  #config: EntryLinksHost;
  #fragment?: { name: string; entryId: string };
  /** Bumped at every read of the fragment: `sync` takes each read once per name. */
  #reads = 0;
  #taken?: string;
  #copiedTimer?: ReturnType<typeof setTimeout>;

  constructor(host: ReactiveControllerHost, config: EntryLinksHost) {
    this.#host = host;
    this.#config = config;
    host.addController(this);
  }

  hostConnected(): void {
    window.addEventListener("hashchange", this.#onHashChange);
    this.#read(false);
  }

  hostDisconnected(): void {
    window.removeEventListener("hashchange", this.#onHashChange);
    clearTimeout(this.#copiedTimer);
  }

  /** The link to `entryId` from this page, or undefined when the element has no name. */
  link(entryId: string): string | undefined {
    const name = this.#config.name();
    return name ? withFragment(location.href, entryFragment(name, entryId)) : undefined;
  }

  /** Before a render: takes the page's fragment if it names this element (again when the fragment or the name changed). */
  sync(): void {
    const name = this.#config.name();
    const key = `${this.#reads}\n${name ?? ""}`;
    if (key === this.#taken) return;
    this.#taken = key;
    const wanted = this.#fragment && name !== undefined && this.#fragment.name === name ? this.#fragment.entryId : undefined;
    // A fragment for someone else: this element's mark goes.
    this.pending = wanted;
    this.linked = undefined;
    this.missing = undefined;
  }

  /** The wanted entry is folded: it is the linked one now. */
  landed(entryId: string): void {
    this.pending = undefined;
    this.linked = entryId;
  }

  /** The whole session is in and the wanted entry is not there. */
  notFound(entryId: string): void {
    this.pending = undefined;
    this.missing = entryId;
  }

  dismissMissing = (): void => {
    this.missing = undefined;
    this.#host.requestUpdate();
  };

  /** Copies the link to `entryId`; where the clipboard cannot be written, shows the link in a field instead. */
  async copy(entryId: string): Promise<void> {
    const url = this.link(entryId);
    if (!url) return;
    try {
      if (!navigator.clipboard?.writeText) throw new Error("no clipboard");
      await navigator.clipboard.writeText(url);
      this.#copiedOk(entryId);
    } catch {
      this.manual = { entryId, url };
      this.copied = undefined;
      this.#host.requestUpdate();
    }
  }

  /**
   * After the field with the link rendered: selects it and tries the old copy command, which some
   * pages without the Clipboard API still allow. `field` is the rendered input.
   */
  selectManual(field: HTMLInputElement): void {
    if (!this.manual || this.manual.selected) return;
    this.manual.selected = true;
    field.focus();
    field.select();
    let done = false;
    try {
      done = document.execCommand("copy");
    } catch {
      done = false;
    }
    if (done && this.manual) {
      const { entryId } = this.manual;
      this.manual = undefined;
      this.#copiedOk(entryId);
    } else {
      this.#config.announce("The link is selected: copy it with Ctrl+C or ⌘C.");
    }
  }

  closeManual = (): void => {
    this.manual = undefined;
    this.#host.requestUpdate();
  };

  #copiedOk(entryId: string): void {
    this.copied = entryId;
    this.#config.announce("Link copied.");
    clearTimeout(this.#copiedTimer);
    this.#copiedTimer = setTimeout(() => {
      this.copied = undefined;
      this.#host.requestUpdate();
    }, COPIED_MS);
    this.#host.requestUpdate();
  }

  #onHashChange = (): void => this.#read(true);

  #read(byHashChange: boolean): void {
    this.#fragment = parseFragment(location.hash);
    this.#reads++;
    this.byHashChange = byHashChange;
    this.#host.requestUpdate();
  }
}
