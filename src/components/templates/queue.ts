/**
 * The shared prompt queue above the composer: the prompts waiting for their turn, in the order they
 * will run, with who sent each and when. Withdraw for its author or an owner; move up and down for
 * owners (buttons, so the keyboard reorders as well as the pointer).
 */
import { html, nothing, type TemplateResult } from "lit";
import { repeat } from "lit/directives/repeat.js";
import type { QueuedPrompt, WorkspaceUser } from "../../protocol/index.js";
import { plural } from "../format.js";
import { reveal } from "../reveal.js";

export interface QueueProps {
  queue: readonly QueuedPrompt[];
  /** This element's user, whose own prompts it may withdraw. */
  self?: WorkspaceUser;
  /** Owners reorder and withdraw any prompt. */
  owner: boolean;
  /** Prompt ids whose withdrawal or move is on its way. */
  busy: ReadonlySet<string>;
  time: (ms: number) => string;
  /** Reads `data-withdraw` (a prompt id). */
  onWithdraw: (event: Event) => void;
  /** Reads `data-move` (`up` or `down`) and `data-prompt` (a prompt id). */
  onMove: (event: Event) => void;
}

/** A prompt's first line, short, for a button's label. */
function gist(text: string): string {
  const line = text.trim().split("\n")[0];
  return line.length > 40 ? `${line.slice(0, 40)}…` : line;
}

export function queue({ queue, self, owner, busy, time, onWithdraw, onMove }: QueueProps): TemplateResult | typeof nothing {
  if (queue.length === 0) return nothing;
  return html`<div part="queue" class="queue" role="group" aria-label="Queued prompts">
    <h3 class="queue-title">${plural(queue.length, "prompt")} waiting <span class="muted">· they run in this order</span></h3>
    <ol class="queue-list">
      ${repeat(queue, (item) => item.promptId, (item, i) => {
        const who = reveal(item.by.userName ?? item.by.userId);
        const mine = !!self && item.by.userId === self.userId;
        const label = reveal(gist(item.text));
        const waiting = busy.has(item.promptId);
        return html`<li part="queue-item" class="queue-item" data-prompt-id=${item.promptId} ?data-mine=${mine}>
          <span class="queue-pos" aria-hidden="true">${i + 1}</span>
          <span class="queue-meta"><strong>${mine ? "You" : who}</strong> <time datetime=${new Date(item.queuedAt).toISOString()}>${time(item.queuedAt)}</time></span>
          <span class="queue-text" title=${reveal(item.text)}>${reveal(item.text)}</span>
          <span class="queue-actions">
            ${owner
              ? html`<button type="button" class="tool icon" data-move="up" data-prompt=${item.promptId} ?disabled=${i === 0 || waiting} aria-label="Move up: ${label}" title="Move up" @click=${onMove}>↑</button>
                  <button type="button" class="tool icon" data-move="down" data-prompt=${item.promptId} ?disabled=${i === queue.length - 1 || waiting} aria-label="Move down: ${label}" title="Move down" @click=${onMove}>↓</button>`
              : nothing}
            ${mine || owner
              ? html`<button type="button" class="tool" data-withdraw=${item.promptId} ?disabled=${waiting} aria-label="Withdraw: ${label}" @click=${onWithdraw}>Withdraw</button>`
              : nothing}
          </span>
        </li>`;
      })}
    </ol>
  </div>`;
}
