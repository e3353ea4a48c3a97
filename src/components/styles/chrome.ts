import { css } from "lit";

/** The element's own chrome: the header, its buttons, focus rings, the notice and the empty state. */
export const chrome = css`
  header {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: calc(var(--_space) / 2) var(--_space);
    padding: var(--_space) calc(var(--_space) * 1.5);
    border-bottom: 1px solid var(--_border);
  }
  .title {
    flex: 1 1 12em;
    margin: 0;
    font-size: 1.1em;
    font-weight: 600;
    overflow-wrap: anywhere;
  }
  .header-meta {
    display: flex;
    flex-wrap: wrap;
    gap: var(--_space);
    color: var(--_muted);
    font-size: 0.9em;
  }
  button.tool,
  .find-input {
    font: inherit;
    font-size: 0.85em;
    color: var(--_fg);
    background: var(--_entry-bg);
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) / 1.5);
    padding: 2px 10px;
    cursor: pointer;
  }
  button.tool[aria-pressed="true"] {
    border-color: var(--_accent);
    color: var(--_accent);
  }
  button:focus-visible,
  [tabindex]:focus-visible,
  summary:focus-visible,
  a:focus-visible {
    outline: 2px solid var(--_accent);
    outline-offset: 2px;
  }

  .notice {
    margin: var(--_space);
    padding: var(--_space) calc(var(--_space) * 1.5);
    border-radius: var(--_radius);
    border: 1px solid var(--_danger);
    color: var(--_danger);
    background: var(--_entry-bg);
  }
  .empty {
    color: var(--_muted);
    padding: calc(var(--_space) * 2);
    text-align: center;
  }
`;
