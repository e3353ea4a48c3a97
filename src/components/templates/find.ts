/** The find box in the header: the query, and where the shown match stands among them. */
import { html, type TemplateResult } from "lit";

export interface FindProps {
  query: string;
  count: number;
  /** The shown match's place, from 1. */
  position: number;
  /** A search is due (typing has not paused yet): nothing is said meanwhile. */
  pending: boolean;
  onInput: (event: Event) => void;
  onKeydown: (event: KeyboardEvent) => void;
}

export function findBox({ query, count, position, pending, onInput, onKeydown }: FindProps): TemplateResult {
  const said = query.trim() && !pending ? (count ? `${position} of ${count}` : "No match") : "";
  return html`<span class="find" part="find">
    <input type="search" class="find-input" part="find-input" placeholder="Find" aria-label="Find in the transcript (Enter: next, Shift+Enter: previous)" .value=${query} @input=${onInput} @keydown=${onKeydown} />
    <span class="find-count" part="find-count" role="status">${said}</span>
  </span>`;
}
