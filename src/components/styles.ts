import { css } from "lit";

/**
 * Public tokens are `--sandbox-workspace-*` custom properties; each has a light and a dark
 * fallback. Internally everything reads the `--_*` private copies.
 */
const light = css`
  --_bg: var(--sandbox-workspace-bg, #ffffff);
  --_fg: var(--sandbox-workspace-fg, #1b1f24);
  --_muted: var(--sandbox-workspace-muted, #5b6470);
  --_border: var(--sandbox-workspace-border, #d7dce2);
  --_entry-bg: var(--sandbox-workspace-entry-bg, #f7f8fa);
  --_entry-hover: var(--sandbox-workspace-entry-hover, #eef1f5);
  --_accent: var(--sandbox-workspace-accent, #3b5bdb);
  --_success: var(--sandbox-workspace-success, #1e7a3c);
  --_warning: var(--sandbox-workspace-warning, #8a5a00);
  --_danger: var(--sandbox-workspace-danger, #b42318);
  --_code-bg: var(--sandbox-workspace-code-bg, #eef1f5);
  --_add-bg: var(--sandbox-workspace-diff-add-bg, #e6f4ea);
  --_del-bg: var(--sandbox-workspace-diff-del-bg, #fdecea);
  --_user-bg: var(--sandbox-workspace-user-bg, #eef2ff);
`;

const dark = css`
  --_bg: var(--sandbox-workspace-bg, #111418);
  --_fg: var(--sandbox-workspace-fg, #e6e8eb);
  --_muted: var(--sandbox-workspace-muted, #9aa4b0);
  --_border: var(--sandbox-workspace-border, #2d333b);
  --_entry-bg: var(--sandbox-workspace-entry-bg, #181c22);
  --_entry-hover: var(--sandbox-workspace-entry-hover, #20252d);
  --_accent: var(--sandbox-workspace-accent, #8ca2ff);
  --_success: var(--sandbox-workspace-success, #5cc47f);
  --_warning: var(--sandbox-workspace-warning, #e3b341);
  --_danger: var(--sandbox-workspace-danger, #ff7b72);
  --_code-bg: var(--sandbox-workspace-code-bg, #0b0e12);
  --_add-bg: var(--sandbox-workspace-diff-add-bg, #12301c);
  --_del-bg: var(--sandbox-workspace-diff-del-bg, #3a1614);
  --_user-bg: var(--sandbox-workspace-user-bg, #1b2140);
`;

export const styles = css`
  :host {
    ${light}
    --_font: var(--sandbox-workspace-font, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif);
    --_mono: var(--sandbox-workspace-mono-font, ui-monospace, "SF Mono", Menlo, Consolas, monospace);
    --_size: var(--sandbox-workspace-font-size, 14px);
    --_radius: var(--sandbox-workspace-radius, 8px);
    --_space: var(--sandbox-workspace-space, 8px);
    display: flex;
    flex-direction: column;
    min-height: 0;
    box-sizing: border-box;
    font: var(--_size) / 1.5 var(--_font);
    color: var(--_fg);
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    color-scheme: light;
  }
  @media (prefers-color-scheme: dark) {
    :host(:not([theme="light"])) {
      ${dark}
      color-scheme: dark;
    }
  }
  :host([theme="dark"]) {
    ${dark}
    color-scheme: dark;
  }
  :host([hidden]) {
    display: none;
  }
  *,
  *::before,
  *::after {
    box-sizing: border-box;
  }

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
  button.tool {
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
  }

  .entry {
    background: var(--_entry-bg);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    /* Off-screen entries skip layout and paint: long transcripts stay light. */
    content-visibility: auto;
    contain-intrinsic-size: auto 2.5em;
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
    overflow-wrap: anywhere;
  }
  .body[hidden] {
    display: none;
  }

  /* Text far from view in a long transcript, until its markdown is rendered. */
  .markdown.plain {
    white-space: pre-wrap;
    overflow-wrap: anywhere;
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

  details.raw {
    margin-top: var(--_space);
    font-size: 0.9em;
  }
  details.raw > summary {
    cursor: pointer;
    color: var(--_muted);
  }
  .raw-list .raw-event {
    background: var(--_entry-bg);
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) / 1.5);
    padding: 2px var(--_space);
    content-visibility: auto;
    contain-intrinsic-size: auto 2em;
  }
  .raw-event summary {
    cursor: pointer;
    font-family: var(--_mono);
    font-size: 0.9em;
  }
  .more {
    align-self: center;
  }

  .connection {
    font-size: 0.8em;
    padding: 0 8px;
    border-radius: 999px;
    border: 1px solid currentColor;
    color: var(--_muted);
  }
  .connection[data-status="live"] {
    color: var(--_success);
  }
  .connection[data-status="reconnecting"],
  .connection[data-status="connecting"] {
    color: var(--_warning);
  }
  .connection[data-status="error"] {
    color: var(--_danger);
  }
  .presence {
    font-size: 0.85em;
    color: var(--_muted);
  }
  select {
    font: inherit;
    color: inherit;
    background: var(--_entry-bg);
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) / 1.5);
  }
  button.tool.primary {
    border-color: var(--_accent);
    color: var(--_accent);
  }
  button.tool.danger {
    border-color: var(--_danger);
    color: var(--_danger);
  }
  button.tool:disabled {
    opacity: 0.5;
    cursor: not-allowed;
  }
  .permission-actions {
    display: flex;
    flex-wrap: wrap;
    gap: var(--_space);
    margin: var(--_space) 0;
  }
  .jump {
    align-self: center;
    margin: calc(var(--_space) * -5) 0 var(--_space);
    position: relative;
    box-shadow: 0 2px 8px rgb(0 0 0 / 0.15);
  }
  .composer {
    position: relative;
    display: flex;
    flex-wrap: wrap;
    gap: var(--_space);
    align-items: flex-end;
    padding: var(--_space);
    border-top: 1px solid var(--_border);
  }
  .composer-input {
    flex: 1 1 16em;
    font: inherit;
    color: inherit;
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) / 1.5);
    padding: calc(var(--_space) / 2) var(--_space);
    resize: vertical;
    min-height: 2.6em;
  }
  .composer-input:disabled {
    background: var(--_entry-bg);
  }
  .composer-actions {
    display: flex;
    gap: var(--_space);
    align-items: center;
  }
  .command-list {
    position: absolute;
    bottom: 100%;
    left: var(--_space);
    right: var(--_space);
    list-style: none;
    margin: 0;
    padding: 4px;
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    box-shadow: 0 4px 16px rgb(0 0 0 / 0.15);
  }
  .command {
    display: block;
    width: 100%;
    text-align: start;
    font: inherit;
    color: inherit;
    background: none;
    border: 0;
    padding: 4px var(--_space);
    border-radius: 4px;
    cursor: pointer;
  }
  .command-list [aria-selected="true"] .command,
  .command:hover {
    background: var(--_entry-hover);
  }

  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
  @media (prefers-reduced-motion: reduce) {
    .chevron {
      transition: none;
    }
  }
`;
