/** Raw events as they arrived: inside an entry, and as the element-wide raw list. Shown a page at a time. */
import { html, nothing, type TemplateResult } from "lit";
import { repeat } from "lit/directives/repeat.js";
import type { RawEvent } from "../../events/index.js";
import { RAW_PAGE } from "../controllers/disclosure.js";
import { count } from "../format.js";
import { json } from "../views/common.js";

/** `events` of one entry, the first `shown` of them; `key` names the list for "show more". */
export function rawEvents(events: readonly RawEvent[], key: string, shown: number, onMore: (event: Event) => void): TemplateResult {
  return html`${events.slice(0, shown).map((event) => html`<pre part="json" class="json" tabindex="0">${json(event)}</pre>`)}
  ${events.length > shown ? html`<button class="tool more" data-more=${key} @click=${onMore}>${more(events.length - shown)}</button>` : nothing}`;
}

/** Every event of the session, one line each, opening to its JSON. */
export function rawList(events: readonly RawEvent[], key: string, shown: number, onMore: (event: Event) => void): TemplateResult {
  return html`<ol part="raw-list" class="raw-list" aria-label="Raw events">
    ${repeat(
      events.slice(0, shown),
      (_, i) => i,
      (event) => html`<li class="raw-event">
        <details>
          <summary>${rawLine(event)}</summary>
          <pre part="json" class="json" tabindex="0">${json(event)}</pre>
        </details>
      </li>`,
    )}
    ${events.length > shown ? html`<li class="more"><button class="tool" data-more=${key} @click=${onMore}>${more(events.length - shown)}</button></li>` : nothing}
  </ol>`;
}

const more = (left: number) => `Show ${Math.min(RAW_PAGE, left)} more of ${count(left)}`;

/** One line naming a raw event: index, sender, method and update type. */
export function rawLine(event: RawEvent): string {
  if (typeof event !== "object" || event === null) return `unreadable: ${String(event)}`;
  const e = event as Record<string, any>;
  const payload = e.payload ?? {};
  const what =
    payload.method === "session/update"
      ? `session/update ${payload.params?.update?.sessionUpdate ?? "?"}`
      : payload.method ?? (payload.error ? `error for #${payload.id}` : payload.id !== undefined ? `response #${payload.id}` : "unreadable");
  return `#${e.eventIndex ?? "?"} ${e.sender ?? "?"} ${what}`;
}
