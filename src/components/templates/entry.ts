/** One timeline entry as an accordion: a header button (label, title, status, time) over its view's body and raw events. */
import { html, nothing, type TemplateResult } from "lit";
import { LATEST_TYPES, type Entry } from "../../events/index.js";
import { count, isTime } from "../format.js";
import { reveal } from "../reveal.js";
import { VIEWS, type EntryView, type ViewContext } from "../views/index.js";

export interface EntryProps {
  open: boolean;
  rawOpen: boolean;
  ctx: ViewContext;
  /** Whether the render just made showed any text plain (asked after the view ran). */
  plain: () => boolean;
  /** The entry's raw events, when its raw list is open. */
  raw: () => TemplateResult;
  onRawToggle: (event: Event) => void;
  /** The page's link landed on this entry: marked `entry-linked`. */
  linked?: boolean;
  /** The find box's shown match: marked `entry-found`. */
  found?: boolean;
  /** The "Copy link" control; absent when the element has no name to link with. */
  link?: EntryLinkProps;
  /** Comments on the entry (live only): the count for its header, the thread and form for its body. */
  comments?: { count: TemplateResult | typeof nothing; thread: () => TemplateResult };
}

export interface EntryLinkProps {
  /** The link was just copied. */
  copied: boolean;
  /** The link, shown in a field: the clipboard could not be written. */
  manual?: string;
  /** Reads the entry from the button's `data-link-for`. */
  onCopy: (event: Event) => void;
  onManualClose: () => void;
}

const linkIcon = html`<svg class="link-icon" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false">
  <path fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" d="M6.5 9.5l3-3M7 4.5l1.2-1.2a2.7 2.7 0 0 1 3.8 3.8L10.8 8.3M9 11.5l-1.2 1.2a2.7 2.7 0 0 1-3.8-3.8L5.2 7.7" />
</svg>`;

export function entry(entry: Entry, { open, rawOpen, ctx, plain, raw, onRawToggle, linked, found, link, comments }: EntryProps): TemplateResult {
  // One view per type (EntryViews guarantees it): the entry is the type that view takes.
  const view = VIEWS[entry.type] as EntryView<Entry["type"]>;
  const it = entry as never;
  const status = view.status?.(it);
  const at = LATEST_TYPES.has(entry.type) ? entry.updatedAt : entry.createdAt;
  const summary = view.summary(it, ctx);
  const title = typeof summary === "string" ? reveal(summary) : summary;
  const body = open ? view.body(it, ctx) : nothing;
  // The scan of documented parts reads `${linkedPart}` as `entry-linked` and `${foundPart}` as `entry-found` (or nothing).
  const linkedPart = linked ? " entry-linked" : "";
  const foundPart = found ? " entry-found" : "";
  return html`<li class="entry" part="entry entry-${entry.type}${linkedPart}${foundPart}" data-type=${entry.type} data-status=${status ?? nothing} data-entry-id=${entry.id} ?data-plain=${plain()} ?data-linked=${linked} ?data-found=${found} aria-current=${linked ? "location" : nothing}>
    <button class="summary" part="entry-summary" id="s-${entry.id}" aria-expanded=${open ? "true" : "false"} aria-controls="b-${entry.id}">
      <span class="chevron" aria-hidden="true"></span>
      <span class="label" part="entry-label">${reveal(view.label(it))}</span>
      <span class="entry-title" part="entry-title">${title}</span>
      ${status ? html`<span class="status" part="entry-status status-${status}">${status.replace("_", " ")}</span>` : nothing}
      ${comments ? comments.count : nothing}
      ${at && isTime(at) ? html`<time class="when" datetime=${new Date(at).toISOString()}>${ctx.time(at)}</time>` : nothing}
    </button>
    ${link ? linkControl(entry.id, link) : nothing}
    <div class="body" part="entry-body" id="b-${entry.id}" ?hidden=${!open}>
      ${open
        ? html`${body} ${comments ? comments.thread() : nothing}
            <details class="raw" part="entry-raw" ?open=${rawOpen} data-raw-for=${entry.id} @toggle=${onRawToggle}>
              <summary>Raw events (${count(entry.events.length)})</summary>
              ${rawOpen ? raw() : nothing}
            </details>`
        : nothing}
    </div>
  </li>`;
}

/** "Copy link" beside an entry's header, and the link in a field where the clipboard could not be written. */
function linkControl(id: string, { copied, manual, onCopy, onManualClose }: EntryLinkProps): TemplateResult {
  return html`<button class="entry-link" part="entry-link" data-link-for=${id} title="Copy link to this entry" ?data-copied=${copied} @click=${onCopy}>
      ${linkIcon}<span class=${copied ? "copied" : "visually-hidden"}>${copied ? "Copied" : "Copy link"}</span>
    </button>
    ${manual !== undefined
      ? html`<div class="link-field" @keydown=${(event: KeyboardEvent) => event.key === "Escape" && onManualClose()}>
          <label>Link to this entry <input readonly .value=${manual} data-link-field=${id} /></label>
          <button class="tool" @click=${onManualClose}>Done</button>
        </div>`
      : nothing}`;
}
