import { css } from "lit";

/** Live controls: the text boxes, raw-event lists, the connection chip and presence, pickers, action and permission buttons, jump to latest. */
export const controls = css`
  /* The text boxes: the composer and the comment box (each sets its own size and padding). */
  .composer-input,
  .comment-input {
    min-width: 0;
    font: inherit;
    color: inherit;
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) / 1.5);
    resize: vertical;
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
    max-width: 100%;
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
  /* Agents name their options, sometimes with a whole sentence: a long name wraps inside its button. */
  .permission-actions button {
    min-width: 0;
    text-align: start;
  }
  .jump {
    align-self: center;
    margin: calc(var(--_space) * -5) 0 var(--_space);
    position: relative;
    box-shadow: 0 2px 8px rgb(0 0 0 / 0.15);
  }
`;
