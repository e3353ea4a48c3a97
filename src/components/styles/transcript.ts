import { css } from "lit";

/** The transcript: the entry list and raw list, each entry's accordion header, badges and body. */
export const transcript = css`
  .timeline,
  .raw-list {
    list-style: none;
    margin: 0;
    padding: var(--_space);
    overflow: auto;
    flex: 1 1 auto;
    min-height: 0;
    display: flex;
    flex-direction: column;
    gap: calc(var(--_space) * 0.75);
    /*
     * The lists take the element's width and never set it: what they hold (code, tables, JSON) cannot
     * widen the element, and their entries adapt to the width they get.
     */
    container: transcript / inline-size;
  }

  .entry {
    background: var(--_entry-bg);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    /* Off-screen entries skip layout and paint: long transcripts stay light. */
    content-visibility: auto;
    contain-intrinsic-size: auto 2.5em;
    /* Never squeezed below that: an entry not yet laid out would shrink to its border, and the list's
       height (where a link scrolls to, where the end is) would be wrong until it came into view. */
    flex-shrink: 0;
  }
  /* A long transcript is virtual: the virtualizer places each entry, spaced by its margins. */
  .timeline.virtual {
    padding: 0;
  }
  .timeline.virtual > .entry {
    box-sizing: border-box;
    width: calc(100% - 2 * var(--_space));
    margin: calc(var(--_space) * 0.75) var(--_space);
    /* Only entries near the view are in the DOM, and the virtualizer measures them. */
    content-visibility: visible;
  }
  .entry[data-type="user-message"] {
    background: var(--_user-bg);
  }
  .entry[data-type="error"] {
    border-color: var(--_danger);
  }
  .entry[data-type="permission-request"][data-status="pending"] {
    border-color: var(--_warning);
    border-width: 2px;
  }
  .summary {
    display: flex;
    align-items: baseline;
    gap: var(--_space);
    width: 100%;
    padding: calc(var(--_space) * 0.75) calc(var(--_space) * 1.25);
    font: inherit;
    color: inherit;
    text-align: start;
    background: none;
    border: 0;
    border-radius: var(--_radius);
    cursor: pointer;
  }
  .summary:hover {
    background: var(--_entry-hover);
  }
  .chevron {
    flex: none;
    width: 0.8em;
    color: var(--_muted);
    transition: transform 0.15s;
  }
  .chevron::before {
    content: "▸";
  }
  .summary[aria-expanded="true"] .chevron {
    transform: rotate(90deg);
  }
  .label {
    flex: none;
    /* A user's name is the label of their messages: a long one must leave room for the rest. */
    max-width: 50%;
    overflow: hidden;
    text-overflow: ellipsis;
    font-weight: 600;
    white-space: nowrap;
  }
  .entry-title {
    flex: 1 1 auto;
    min-width: 0;
    color: var(--_muted);
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .entry-title code {
    font-family: var(--_mono);
  }
  .status,
  .badge {
    flex: none;
    font-size: 0.78em;
    padding: 0 8px;
    border-radius: 999px;
    border: 1px solid currentColor;
    white-space: nowrap;
    color: var(--_muted);
  }
  [data-status="completed"] > .summary .status,
  [data-status="allowed"] > .summary .status {
    color: var(--_success);
  }
  [data-status="failed"] > .summary .status,
  [data-status="rejected"] > .summary .status,
  [data-status="cancelled"] > .summary .status {
    color: var(--_danger);
  }
  [data-status="pending"] > .summary .status,
  [data-status="in_progress"] > .summary .status {
    color: var(--_warning);
  }
  .when {
    flex: none;
    color: var(--_muted);
    font-size: 0.8em;
    font-variant-numeric: tabular-nums;
  }
  .body {
    padding: 0 calc(var(--_space) * 1.5) var(--_space) calc(var(--_space) * 3.25);
  }
  .body[hidden] {
    display: none;
  }

  /* Narrow: an entry's header takes two lines, its label, status and time over its title; bodies use the width. */
  @container transcript (max-width: 36em) {
    .summary {
      display: grid;
      grid-template-columns: auto minmax(0, 1fr) auto auto;
      gap: 0 calc(var(--_space) * 0.75);
      padding-inline: var(--_space);
    }
    .chevron {
      grid-area: 1 / 1;
    }
    .label {
      grid-area: 1 / 2;
      max-width: none;
    }
    .status {
      grid-area: 1 / 3;
    }
    .when {
      grid-area: 1 / 4;
    }
    .entry-title {
      grid-area: 2 / 2 / 3 / -1;
    }
    .body {
      padding-inline: var(--_space);
    }
  }

`;
