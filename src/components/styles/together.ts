import { css } from "lit";

/** Working together: the prompt queue, comments on entries, and notes on what a role leaves out. */
export const together = css`
  .queue {
    border-top: 1px solid var(--_border);
    padding: calc(var(--_space) / 2) var(--_space) 0;
    /* Never squeezed by the transcript above it; a long queue scrolls. */
    flex: 0 0 auto;
    max-height: min(14em, 35vh);
    overflow: auto;
  }
  .queue-title {
    font-size: 0.85em;
    font-weight: 600;
    margin: 0 0 4px;
  }
  .queue-list {
    list-style: none;
    margin: 0;
    padding: 0;
    display: grid;
    gap: 4px;
  }
  .queue-item {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 4px var(--_space);
    padding: 4px var(--_space);
    background: var(--_entry-bg);
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) / 1.5);
    min-width: 0;
  }
  .queue-item[data-mine] {
    border-inline-start: 3px solid var(--_accent);
  }
  .queue-pos {
    color: var(--_muted);
    font-variant-numeric: tabular-nums;
  }
  .queue-meta {
    white-space: nowrap;
  }
  .queue-meta time {
    color: var(--_muted);
    font-size: 0.85em;
  }
  .queue-text {
    flex: 1 1 8em;
    min-width: 0;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .queue-actions {
    display: flex;
    gap: 4px;
    margin-inline-start: auto;
  }
  .tool.icon {
    min-width: 2em;
  }

  .comment-count {
    display: inline-flex;
    align-items: center;
    gap: 2px;
    color: var(--_muted);
    font-size: 0.85em;
    white-space: nowrap;
  }
  .comments {
    margin-top: var(--_space);
    padding-top: calc(var(--_space) / 2);
    border-top: 1px dashed var(--_border);
    display: grid;
    gap: calc(var(--_space) / 2);
  }
  .comment {
    padding: 4px var(--_space);
    background: var(--_user-bg);
    border-radius: calc(var(--_radius) / 1.5);
    min-width: 0;
    overflow-wrap: anywhere;
  }
  .comment-by {
    display: flex;
    flex-wrap: wrap;
    gap: 0 var(--_space);
    align-items: baseline;
    font-size: 0.9em;
  }
  .comment-by time {
    color: var(--_muted);
  }
  .comment-by .tool {
    margin-inline-start: auto;
  }
  .comment .markdown > :first-child {
    margin-top: 0;
  }
  .comment .markdown > :last-child {
    margin-bottom: 0;
  }
  .comment-form {
    display: flex;
    flex-wrap: wrap;
    gap: 4px;
    align-items: flex-end;
  }
  .comment-input {
    flex: 1 1 12em;
    padding: 4px var(--_space);
  }

  .role-note {
    margin: 0;
    color: var(--_muted);
    font-size: 0.9em;
  }
  .composer .role-note {
    flex: 1 1 16em;
  }
  .presence .role {
    color: var(--_muted);
    font-size: 0.85em;
  }
`;
