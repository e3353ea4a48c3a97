import { css } from "lit";

/** The composer: the prompt form, its input, actions and command suggestions, and reduced motion. */
export const composer = css`
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
    padding: calc(var(--_space) / 2) var(--_space);
    min-height: 2.6em;
  }
  .composer-input:disabled {
    background: var(--_entry-bg);
  }
  .composer-actions {
    display: flex;
    flex-wrap: wrap;
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
