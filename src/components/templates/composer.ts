/** The prompt form below a live transcript: the text area, slash-command suggestions, Send and Stop. */
import { html, nothing, type TemplateResult } from "lit";
import type { AvailableCommandsEntry } from "../../events/index.js";
import { reveal } from "../reveal.js";

type Command = AvailableCommandsEntry["commands"][number];

export interface ComposerProps {
  draft: string;
  /** The link is live: prompts can be sent. */
  ready: boolean;
  /** Why not, when not ready. */
  reason: string;
  running: boolean;
  /** This user may stop a turn (an owner). */
  canStop?: boolean;
  /**
   * Why this user has no prompt input (their role does not prompt): said in its place, instead of
   * a control that cannot be used.
   */
  note?: string;
  suggestions: Command[];
  onInput: (event: Event) => void;
  onKey: (event: KeyboardEvent) => void;
  onSubmit: (event: Event) => void;
  onPickCommand: (event: Event) => void;
  onStop: () => void;
}

/** The agent's slash commands that complete `draft` ("/re" → "/review"), at most 8. */
export function commandSuggestions(draft: string, commands: AvailableCommandsEntry | undefined): Command[] {
  const match = /^\/(\S*)$/.exec(draft);
  if (!match || !commands) return [];
  return commands.commands.filter((command) => command.name.startsWith(match[1])).slice(0, 8);
}

export function composer(props: ComposerProps): TemplateResult {
  const { draft, ready, reason, running, suggestions, canStop = true, note } = props;
  if (note !== undefined) {
    return html`<div part="composer" class="composer">
      <p part="role-note" class="role-note" role="status">${note}</p>
      ${running && ready && canStop ? html`<button type="button" class="tool" part="stop" @click=${props.onStop}>Stop</button>` : nothing}
    </div>`;
  }
  return html`<form part="composer" class="composer" @submit=${props.onSubmit}>
    ${suggestions.length
      ? html`<ul part="command-list" class="command-list" role="listbox" aria-label="Commands">
          ${suggestions.map(
            (command, i) => html`<li role="option" aria-selected=${i === 0 ? "true" : "false"}>
              <button type="button" class="command" data-command=${command.name} @click=${props.onPickCommand}><code>/${reveal(command.name)}</code> <span class="muted">${reveal(String(command.description ?? ""))}</span></button>
            </li>`,
          )}
        </ul>`
      : nothing}
    <textarea
      part="composer-input"
      class="composer-input"
      aria-label="Prompt"
      rows="2"
      .value=${draft}
      ?disabled=${!ready}
      placeholder=${ready ? "Ask the agent… (Enter sends, Shift+Enter for a new line, / for commands)" : reason}
      @input=${props.onInput}
      @keydown=${props.onKey}
    ></textarea>
    <div class="composer-actions">
      ${!ready ? html`<span part="composer-reason" class="muted" role="status">${reason}</span>` : nothing}
      ${running && ready && canStop ? html`<button type="button" class="tool" part="stop" @click=${props.onStop}>Stop</button>` : nothing}
      <button class="tool primary" part="send" ?disabled=${!ready || !draft.trim()}>Send</button>
    </div>
  </form>`;
}
