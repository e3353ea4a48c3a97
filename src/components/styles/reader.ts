import { css } from "lit";

/** The reader's own tools: the filter menu in the header, each entry's "Copy link", and the linked entry's mark. */
export const reader = css`
  /* The filter menu's panel hangs from the header, over the transcript, never wider than the element. */
  header {
    position: relative;
  }
  .filters {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: calc(var(--_space) / 2);
  }
  button.tool[data-active] {
    border-color: var(--_accent);
    color: var(--_accent);
  }
  .hidden-count {
    display: inline-flex;
    flex-wrap: wrap;
    align-items: center;
    gap: calc(var(--_space) / 2);
    font-size: 0.85em;
    color: var(--_muted);
  }
  .hidden-count .tool {
    font-size: 1em;
  }
  .filters-menu {
    position: absolute;
    z-index: 2;
    top: calc(100% - 2px);
    inset-inline-end: var(--_space);
    width: min(34em, calc(100% - 2 * var(--_space)));
    max-height: min(34em, 70vh);
    overflow: auto;
    display: flex;
    flex-direction: column;
    gap: var(--_space);
    padding: var(--_space) calc(var(--_space) * 1.5);
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    box-shadow: 0 4px 16px rgb(0 0 0 / 0.18);
  }
  .filters-menu fieldset {
    display: flex;
    flex-direction: column;
    gap: 2px;
    margin: 0;
    padding: 0;
    border: 0;
    min-width: 0;
  }
  .filters-menu legend {
    padding: 0;
    margin-bottom: calc(var(--_space) / 2);
    font-weight: 600;
  }
  /* One column in a narrow element, two where the panel has room. */
  .types {
    columns: 13em auto;
    column-gap: calc(var(--_space) * 3);
  }
  .type {
    break-inside: avoid;
    padding-block: 1px;
  }
  .filter {
    display: flex;
    align-items: baseline;
    gap: 6px;
    cursor: pointer;
  }
  .filter input {
    flex: none;
    margin: 0;
    accent-color: var(--_accent);
  }
  .filter .muted {
    color: var(--_muted);
    font-size: 0.85em;
  }
  .kinds {
    display: flex;
    flex-direction: column;
    gap: 2px;
    padding-inline-start: 1.5em;
  }
  .filter-actions {
    display: flex;
    flex-wrap: wrap;
    gap: var(--_space);
    padding-bottom: var(--_space);
    border-bottom: 1px solid var(--_border);
  }

  /* Each entry: its header, then "Copy link" beside it; the body (and a link to copy by hand) below both. */
  .entry {
    display: grid;
    grid-template-columns: minmax(0, 1fr) auto;
  }
  .entry > .body,
  .entry > .link-field {
    grid-column: 1 / -1;
  }
  .entry-link {
    align-self: start;
    display: inline-flex;
    align-items: center;
    gap: 4px;
    margin: calc(var(--_space) * 0.5) calc(var(--_space) * 0.5) 0 0;
    padding: 3px 6px;
    font: inherit;
    font-size: 0.8em;
    color: var(--_muted);
    background: none;
    border: 1px solid transparent;
    border-radius: calc(var(--_radius) / 1.5);
    cursor: pointer;
  }
  .entry-link:hover {
    color: var(--_accent);
    border-color: var(--_border);
  }
  .entry-link[data-copied] {
    color: var(--_success);
  }
  .link-icon {
    display: block;
    flex: none;
  }
  .link-field {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: var(--_space);
    padding: 0 var(--_space) var(--_space) calc(var(--_space) * 1.25);
    font-size: 0.9em;
  }
  .link-field label {
    display: flex;
    flex: 1 1 12em;
    align-items: center;
    gap: 6px;
    min-width: 0;
  }
  .link-field input {
    flex: 1 1 auto;
    min-width: 0;
    font: inherit;
    font-family: var(--_mono);
    color: inherit;
    background: var(--_code-bg);
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) / 1.5);
    padding: 2px 6px;
  }
  .entry[data-linked] {
    border-color: var(--_accent);
    box-shadow: 0 0 0 2px var(--_accent);
  }
  .find {
    display: inline-flex;
    align-items: center;
    gap: calc(var(--_space) / 2);
  }
  /* Dressed as the header's buttons (chrome.ts), as a field. */
  .find-input {
    cursor: text;
    padding: 2px 8px;
    inline-size: 10em;
    min-inline-size: 0;
  }
  .find-input:focus-visible {
    outline: 2px solid var(--_accent);
    outline-offset: 1px;
  }
  .find-count {
    font-size: 0.8em;
    color: var(--_muted);
    white-space: nowrap;
  }
  .find-count:empty {
    display: none;
  }
  .entry[data-found] {
    border-color: var(--_accent);
    box-shadow: 0 0 0 2px color-mix(in srgb, var(--_accent) 45%, transparent);
  }
`;
