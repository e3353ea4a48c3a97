/**
 * The composer's draft and keys: Enter sends, Shift+Enter breaks the line, `/` suggests the agent's
 * commands and Tab completes the first. Sending goes through the host (`send`), which owns prompting.
 */
import type { ReactiveControllerHost } from "lit";
import type { AvailableCommandsEntry } from "../../events/index.js";
import { commandSuggestions } from "../templates/composer.js";

export interface ComposerInputHost {
  /** The agent's commands, when it reported some. */
  commands(): AvailableCommandsEntry | undefined;
  /** Whether a prompt can be sent now. */
  ready(): boolean;
  send(text: string): void;
  /** The composer's text area, when rendered. */
  input(): HTMLTextAreaElement | null;
}

export class ComposerInput {
  #host: ReactiveControllerHost;
  #config: ComposerInputHost;
  #draft = "";

  constructor(host: ReactiveControllerHost, config: ComposerInputHost) {
    this.#host = host;
    this.#config = config;
  }

  get draft(): string {
    return this.#draft;
  }

  set draft(text: string) {
    if (text === this.#draft) return;
    this.#draft = text;
    this.#host.requestUpdate();
  }

  suggestions() {
    return commandSuggestions(this.#draft, this.#config.commands());
  }

  onInput = (event: Event): void => {
    this.draft = (event.target as HTMLTextAreaElement).value;
  };

  onKey = (event: KeyboardEvent): void => {
    if (event.key === "Tab" && !event.shiftKey) {
      const [first] = this.suggestions();
      if (first) {
        event.preventDefault();
        this.draft = `/${first.name} `;
      }
      return;
    }
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      (event.target as HTMLTextAreaElement).form?.requestSubmit();
    }
  };

  onPickCommand = (event: Event): void => {
    this.draft = `/${(event.currentTarget as HTMLElement).dataset.command} `;
    void this.#host.updateComplete.then(() => this.#config.input()?.focus());
  };

  onSubmit = (event: Event): void => {
    event.preventDefault();
    const text = this.#draft.trim();
    if (!text || !this.#config.ready()) return;
    this.draft = "";
    this.#config.send(text);
  };
}
