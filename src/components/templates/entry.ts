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
}

export function entry(entry: Entry, { open, rawOpen, ctx, plain, raw, onRawToggle }: EntryProps): TemplateResult {
  // One view per type (EntryViews guarantees it): the entry is the type that view takes.
  const view = VIEWS[entry.type] as EntryView<Entry["type"]>;
  const it = entry as never;
  const status = view.status?.(it);
  const at = LATEST_TYPES.has(entry.type) ? entry.updatedAt : entry.createdAt;
  const summary = view.summary(it, ctx);
  const title = typeof summary === "string" ? reveal(summary) : summary;
  const body = open ? view.body(it, ctx) : nothing;
  return html`<li class="entry" part="entry entry-${entry.type}" data-type=${entry.type} data-status=${status ?? nothing} data-entry-id=${entry.id} ?data-plain=${plain()}>
    <button class="summary" part="entry-summary" id="s-${entry.id}" aria-expanded=${open ? "true" : "false"} aria-controls="b-${entry.id}">
      <span class="chevron" aria-hidden="true"></span>
      <span class="label" part="entry-label">${reveal(view.label(it))}</span>
      <span class="entry-title" part="entry-title">${title}</span>
      ${status ? html`<span class="status" part="entry-status status-${status}">${status.replace("_", " ")}</span>` : nothing}
      ${at && isTime(at) ? html`<time class="when" datetime=${new Date(at).toISOString()}>${ctx.time(at)}</time>` : nothing}
    </button>
    <div class="body" part="entry-body" id="b-${entry.id}" ?hidden=${!open}>
      ${open
        ? html`${body}
            <details class="raw" part="entry-raw" ?open=${rawOpen} data-raw-for=${entry.id} @toggle=${onRawToggle}>
              <summary>Raw events (${count(entry.events.length)})</summary>
              ${rawOpen ? raw() : nothing}
            </details>`
        : nothing}
    </div>
  </li>`;
}
