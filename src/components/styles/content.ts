import { css } from "lit";

/** What views render inside an entry: markdown, code, facts, fields, diffs, plans, meters, choices. */
export const content = css`
  /* Text far from view in a long transcript, until its markdown is rendered. */
  .markdown.plain {
    white-space: pre-wrap;
    overflow-wrap: anywhere;
  }
  /*
   * A long answer's paragraphs off screen skip layout and paint, as whole entries do: an entry in
   * view may hold pages of text. Only paragraphs and headings: no margin collapses through them (lists
   * and quotes keep their spacing), and nothing in them scrolls (code and tables measure their width).
   */
  .markdown > :is(p, h1, h2, h3, h4, h5, h6) {
    content-visibility: auto;
    contain-intrinsic-size: auto 1.5em;
  }
  .markdown > :first-child,
  .markdown > :first-child > :first-child {
    margin-top: 0;
  }
  .markdown :is(p, ul, ol, pre, table, blockquote) {
    margin: 0.5em 0;
  }
  .markdown :is(h1, h2, h3, h4) {
    margin: 0.8em 0 0.4em;
    line-height: 1.25;
  }
  .markdown h1 {
    font-size: 1.35em;
  }
  .markdown h2 {
    font-size: 1.2em;
  }
  .markdown h3 {
    font-size: 1.05em;
  }
  .markdown a {
    color: var(--_accent);
  }
  .markdown table {
    border-collapse: collapse;
    display: block;
    overflow-x: auto;
  }
  .markdown :is(th, td) {
    border: 1px solid var(--_border);
    padding: 2px 8px;
    /* Cells keep their words whole: a table wider than the entry scrolls inside its own box. */
    overflow-wrap: normal;
  }
  /* Task lists: the mark takes the bullet's place. */
  .markdown li:has(> [role="img"]:first-child),
  .markdown li:has(> p:first-child > [role="img"]:first-child) {
    list-style: none;
  }
  .markdown li > [role="img"]:first-child,
  .markdown li > p:first-child > [role="img"]:first-child {
    font-weight: normal;
    margin-inline-start: -1.2em;
    display: inline-block;
    width: 1.2em;
  }
  .markdown blockquote {
    border-inline-start: 3px solid var(--_border);
    padding-inline-start: var(--_space);
    color: var(--_muted);
  }
  code,
  pre {
    font-family: var(--_mono);
    font-size: 0.92em;
  }
  :not(pre) > code {
    background: var(--_code-bg);
    padding: 0.1em 0.35em;
    border-radius: 4px;
  }
  pre {
    background: var(--_code-bg);
    padding: var(--_space);
    border-radius: calc(var(--_radius) / 1.5);
    overflow: auto;
    max-height: 32em;
    white-space: pre;
  }
  .thought {
    color: var(--_muted);
    font-style: italic;
  }
  .byline {
    margin: 0 0 0.25em;
    font-size: 0.85em;
    color: var(--_muted);
  }
  .muted {
    color: var(--_muted);
  }

  .facts {
    display: grid;
    grid-template-columns: max-content 1fr;
    gap: 2px calc(var(--_space) * 2);
    margin: 0.5em 0;
  }
  .facts dt {
    color: var(--_muted);
  }
  .facts dd {
    margin: 0;
  }
  .field {
    margin: 0.5em 0;
  }
  .field figcaption {
    font-size: 0.85em;
    color: var(--_muted);
    margin-bottom: 2px;
  }
  .locations {
    margin: 0.5em 0;
    padding-inline-start: 1.2em;
  }
  .path {
    overflow-wrap: anywhere;
  }

  .diff {
    margin: 0.5em 0;
  }
  .diff figcaption {
    font-size: 0.9em;
    margin-bottom: 2px;
  }
  .diff .add {
    color: var(--_success);
  }
  .diff .del {
    color: var(--_danger);
  }
  .diff-lines {
    padding: 0;
  }
  .diff-lines .row {
    display: block;
    padding-inline-end: var(--_space);
  }
  .diff-lines .row.add {
    background: var(--_add-bg);
    color: inherit;
  }
  .diff-lines .row.del {
    background: var(--_del-bg);
    color: inherit;
  }
  .diff-lines .row.fold {
    color: var(--_muted);
    font-style: italic;
  }
  .diff-lines .ln {
    display: inline-block;
    width: 3.5em;
    padding-inline-end: 0.5em;
    text-align: end;
    color: var(--_muted);
    user-select: none;
  }
  .diff-lines .sign {
    display: inline-block;
    width: 1.5em;
    text-align: center;
    user-select: none;
  }

  .plan {
    list-style: none;
    margin: 0.5em 0;
    padding: 0;
  }
  .plan-item {
    display: flex;
    gap: var(--_space);
    align-items: baseline;
    padding: 2px 0;
  }
  .plan-item .plan-text {
    flex: 1;
  }
  .plan-item[data-status="completed"] .plan-text {
    text-decoration: line-through;
    color: var(--_muted);
  }
  .plan-item[data-status="completed"] .mark {
    color: var(--_success);
  }
  .plan-item[data-status="in_progress"] .mark {
    color: var(--_warning);
  }
  .priority-high {
    color: var(--_danger);
  }
  progress,
  meter {
    width: 100%;
    height: 0.5em;
    accent-color: var(--_accent);
  }
  .progress {
    font-variant-numeric: tabular-nums;
    font-weight: 600;
    color: var(--_fg);
  }

  .choices {
    list-style: none;
    padding: 0;
    margin: 0.5em 0;
    display: flex;
    flex-direction: column;
    gap: 4px;
  }
  .choices li {
    padding: 4px var(--_space);
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) / 1.5);
  }
  .choices li[data-current] {
    border-color: var(--_accent);
  }
  .commands dt {
    margin-top: 4px;
  }
  .commands dd {
    margin: 0 0 0 1.5em;
    color: var(--_muted);
  }
  .error-message {
    color: var(--_danger);
    font-weight: 600;
  }
  .outcome {
    color: var(--_muted);
  }

  /* Narrow: facts stack their names over their values, plan items their badges under long text, and lists and figures give up their indents. */
  @container transcript (max-width: 36em) {
    .plan-item {
      flex-wrap: wrap;
    }
    .plan-item .plan-text {
      flex: 1 1 12em;
    }
    .plan-text + .badge {
      margin-inline-start: auto;
    }
    .facts {
      grid-template-columns: minmax(0, 1fr);
      gap: 0;
    }
    .facts dd + dt {
      margin-top: 0.25em;
    }
    .markdown :is(ul, ol) {
      padding-inline-start: 1.5em;
    }
    figure {
      margin-inline: 0;
    }
  }
`;
