/**
 * The reader's filter menu in the header: a disclosure button over a panel of checkboxes (a type per
 * line, tool calls by kind under theirs), "only what needs me", collapse and expand all, and how many
 * entries are hidden, with a way to show them.
 */
import { html, nothing, type TemplateResult } from "lit";
import { ENTRY_TYPES } from "../../events/index.js";
import { KIND_PREFIX, type EntryFilters } from "../controllers/entry-filters.js";
import { count, lookup, plural } from "../format.js";
import { reveal } from "../reveal.js";
import { KIND_LABELS } from "../views/tool-call.js";

const TYPE_NAMES: Record<string, string> = {
  "agent-message": "Agent messages",
  "agent-thought": "Thoughts",
  "user-message": "Prompts",
  "tool-call": "Tool calls",
  plan: "Plan",
  usage: "Usage",
  "session-info": "Session info",
  "available-commands": "Commands",
  "current-mode": "Mode",
  "config-options": "Options",
  "permission-request": "Permission requests",
  question: "Questions",
  "turn-end": "Turn ends",
  "file-read": "File reads",
  "file-write": "File writes",
  terminal: "Terminals",
  notice: "Notices",
  compaction: "Compactions",
  "plan-update": "Plan updates",
  subagent: "Subagents",
  "session-message": "Session messages",
  error: "Errors",
  unknown: "Unknown",
};

/** Tool call kinds as the menu names them: as entries label them, but "Other" for the rest. */
const KIND_NAMES: Record<string, string> = { ...KIND_LABELS, other: "Other" };

/** Entries per type and tool calls per kind in the transcript, for the menu's lines. */
export interface FilterCounts {
  types: Map<string, number>;
  kinds: Map<string, number>;
}

export interface FiltersProps {
  filters: EntryFilters;
  open: boolean;
  /** Entries the filters hide now. */
  hidden: number;
  /** What the transcript holds; only while the menu is open. */
  counts?: FilterCounts;
  /** The reader, for "my prompts". */
  userName?: string;
  onToggle: () => void;
  /** A checkbox changed: its `data-token` is the type or `tool-call:<kind>`, checked means shown. */
  onChange: (event: Event) => void;
  onNeedsMe: (event: Event) => void;
  onShowAll: () => void;
  onCollapseAll: () => void;
  onExpandAll: () => void;
  onKeydown: (event: KeyboardEvent) => void;
}

export function filters(props: FiltersProps): TemplateResult {
  const { filters, open, hidden } = props;
  return html`<div class="filters" part="filters" @keydown=${props.onKeydown}>
    <button class="tool" part="filters-toggle" aria-expanded=${open ? "true" : "false"} aria-controls="filters-menu" ?data-active=${filters.active} @click=${props.onToggle}>
      Filters${filters.active ? html`<span class="visually-hidden"> (on)</span>` : nothing}
    </button>
    ${hidden > 0
      ? html`<span class="hidden-count" part="hidden-count">${count(hidden)} hidden <button class="tool" @click=${props.onShowAll}>Show all</button></span>`
      : nothing}
    ${open ? panel(props) : nothing}
  </div>`;
}

function panel({ filters, counts, userName, onChange, onNeedsMe, onShowAll, onCollapseAll, onExpandAll }: FiltersProps): TemplateResult {
  const types = ENTRY_TYPES.filter((type) => counts?.types.has(type) || filters.isHidden(type));
  const kinds = [...new Set([...(counts?.kinds.keys() ?? []), ...filters.hidden.filter((token) => token.startsWith(KIND_PREFIX)).map((token) => token.slice(KIND_PREFIX.length))])].sort();
  const line = (token: string, name: string, n: number | undefined, disabled = false) =>
    html`<label class="filter"><input type="checkbox" data-token=${token} .checked=${!filters.isHidden(token)} ?disabled=${disabled} @change=${onChange} />
      <span>${reveal(name)}</span> <span class="muted">${count(n ?? 0)}</span></label>`;
  return html`<div id="filters-menu" class="filters-menu" part="filters-menu" role="group" aria-label="Filters">
    <label class="filter needs-me"><input type="checkbox" .checked=${filters.needsMe} @change=${onNeedsMe} />
      <span>Only what needs me <span class="muted">(pending permissions and questions, errors, ${userName ? html`prompts by ${reveal(userName)}` : "your prompts: set user-name"})</span></span></label>
    <div class="filter-actions">
      <button class="tool" @click=${onCollapseAll}>Collapse all</button>
      <button class="tool" @click=${onExpandAll}>Expand all</button>
      ${filters.active ? html`<button class="tool" @click=${onShowAll}>Show all</button>` : nothing}
    </div>
    <fieldset>
      <legend>Show</legend>
      <div class="types">
        ${types.map(
          (type) => html`<div class="type">
            ${line(type, lookup(TYPE_NAMES, type) ?? type, counts?.types.get(type))}
            ${type === "tool-call" && kinds.length > 0
              ? html`<div class="kinds" role="group" aria-label="Tool calls by kind">
                  ${kinds.map((kind) => line(KIND_PREFIX + kind, lookup(KIND_NAMES, kind) ?? kind, counts?.kinds.get(kind), filters.isHidden("tool-call")))}
                </div>`
              : nothing}
          </div>`,
        )}
      </div>
    </fieldset>
  </div>`;
}

/** What the live region says after the filters changed. */
export function hiddenSentence(hidden: number): string {
  return hidden > 0 ? `${plural(hidden, "entry", "entries")} hidden.` : "All entries shown.";
}
