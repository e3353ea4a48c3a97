import { css } from "lit";

/** Questions from the agent: the answer form (a labelled control per field, stacked) and the answered fields. */
export const questions = css`
  .entry[data-type="question"][data-status="pending"] {
    border-color: var(--_warning);
    border-width: 2px;
  }
  [data-status="answered"] > .summary .status {
    color: var(--_success);
  }
  [data-status="declined"] > .summary .status {
    color: var(--_danger);
  }
  .question-form fieldset {
    border: 0;
    margin: var(--_space) 0;
    padding: 0;
    min-width: 0;
    display: flex;
    flex-direction: column;
    gap: var(--_space);
  }
  .question-field {
    display: flex;
    flex-direction: column;
    gap: 2px;
    min-width: 0;
  }
  .question-field label {
    font-weight: 600;
    overflow-wrap: anywhere;
  }
  .question-field label.check {
    font-weight: normal;
    display: flex;
    gap: calc(var(--_space) / 2);
    align-items: baseline;
  }
  .question-field .field-description {
    color: var(--_muted);
  }
  .question-field :is(input:not([type="checkbox"]), select) {
    font: inherit;
    color: inherit;
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) / 1.5);
    padding: calc(var(--_space) / 2) var(--_space);
    width: min(100%, 24em);
    box-sizing: border-box;
  }
  .question-field :is(input, select):focus-visible {
    outline: 2px solid var(--_accent);
    outline-offset: 1px;
  }
  .question-form fieldset:disabled {
    opacity: 0.6;
  }
  .required {
    color: var(--_danger);
    margin-inline-start: 2px;
  }
  .question-actions {
    display: flex;
    flex-wrap: wrap;
    gap: var(--_space);
  }
`;
