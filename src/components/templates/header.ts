/** The bar above the transcript: title, turn, raw toggle, filters, connection and presence, mode and option pickers, counts. */
import { html, nothing, type TemplateResult } from "lit";
import type { ConfigOptionsEntry, SessionSummary } from "../../events/index.js";
import type { PresenceBroadcast } from "../../protocol/index.js";
import type { ConnectionStatus } from "../controllers/connection/workspace-connection.js";
import { configChoices, formatCost, formatTokens, modeName, plural } from "../format.js";
import { reveal } from "../reveal.js";

export interface HeaderProps {
  summary: SessionSummary;
  entries: number;
  rawView: boolean;
  onRawToggle: () => void;
  /** The reader's filter menu. */
  filters?: TemplateResult;
  /** The find box. */
  find?: TemplateResult;
  /** The live workspace's link, when the element joined one. */
  link?: {
    status: ConnectionStatus;
    reason?: string;
    users: readonly PresenceBroadcast["users"][number][];
    /** The agent's config options, which a live link can change. */
    options?: ConfigOptionsEntry;
    /** This user may change the mode and options (an owner): otherwise they are shown, not offered. */
    control: boolean;
    onMode: (event: Event) => void;
    onConfig: (event: Event) => void;
  };
}

const STATUS_WORDS: Record<ConnectionStatus, string> = { idle: "Offline", connecting: "Connecting…", live: "Live", reconnecting: "Reconnecting…", error: "Error" };

export function header({ summary, entries, rawView, onRawToggle, filters, find, link }: HeaderProps): TemplateResult {
  const live = link?.status === "live";
  const mode = summary.currentModeId ? modeName({ currentModeId: summary.currentModeId, availableModes: summary.modes }) : undefined;
  const turn = summary.running ? "Running…" : summary.lastStopReason ? `Idle · last turn ${summary.lastStopReason.replace(/_/g, " ")}` : "Idle";
  const pickModes = live && link!.control && summary.modes.length > 1;
  return html`<header part="header">
    <h2 class="title" part="title">${reveal(summary.title ?? "Agent session")}</h2>
    <span part="turn-status" class="status" data-running=${summary.running} role="status">${turn}</span>
    <button class="tool" part="raw-toggle" aria-pressed=${rawView ? "true" : "false"} @click=${onRawToggle}>Raw events</button>
    ${filters ?? nothing}
    ${find ?? nothing}
    ${link ? connection(link) : nothing}
    <div class="header-meta" part="header-meta">
      ${mode && !pickModes ? html`<span>Mode: ${mode}</span>` : nothing}
      ${pickModes
        ? html`<label>Mode <select part="mode-picker" @change=${link!.onMode}>
            ${summary.modes.map((option) => html`<option value=${option.id} ?selected=${option.id === summary.currentModeId}>${reveal(String(option.name))}</option>`)}
          </select></label>`
        : nothing}
      ${live && link!.control && link!.options ? configPickers(link!.options, link!.onConfig) : nothing}
      ${summary.usage
        ? html`<span>Context: ${formatTokens(summary.usage.used)} / ${formatTokens(summary.usage.size)}${summary.usage.cost ? ` · ${formatCost(summary.usage.cost)}` : ""}</span>`
        : nothing}
      ${summary.pendingPermissions ? html`<span>${plural(summary.pendingPermissions, "permission request")} waiting</span>` : nothing}
      <span>${plural(entries, "entry", "entries")} · ${plural(summary.eventCount, "event")}</span>
    </div>
  </header>`;
}

function connection(link: NonNullable<HeaderProps["link"]>): TemplateResult {
  // One name per person (several tabs are one person), with their role where the workspace has roles.
  const people = new Map<string, string | undefined>();
  for (const user of link.users) people.set(reveal(String(user.userName ?? user.userId)), user.role);
  const roles = [...people.values()].some((role) => role !== undefined && role !== "owner");
  return html`<span part="connection" class="connection" data-status=${link.status} role="status" title=${link.reason ?? ""}>${STATUS_WORDS[link.status]}</span>
    ${people.size
      ? html`<span part="presence" class="presence" aria-label="Connected">${[...people].map(
          ([name, role], i) => html`${i ? ", " : ""}${name}${roles && role ? html` <span class="role">(${role})</span>` : nothing}`,
        )}</span>`
      : nothing}`;
}

/** Pickers for the agent's config options (the mode has its own). */
function configPickers(entry: ConfigOptionsEntry, onConfig: (event: Event) => void): TemplateResult {
  return html`${entry.options
    .filter((option) => option.category !== "mode")
    .map((option) => {
      if (option.type === "boolean") {
        return html`<label part="config-picker"><input type="checkbox" data-config=${option.id} .checked=${Boolean(option.currentValue)} @change=${onConfig} /> ${reveal(String(option.name))}</label>`;
      }
      if (option.type !== "select") return nothing;
      return html`<label part="config-picker">${reveal(String(option.name))}
        <select data-config=${option.id} @change=${onConfig}>
          ${configChoices(option).map((choice) => html`<option value=${choice.value} ?selected=${choice.value === option.currentValue}>${reveal(String(choice.name))}</option>`)}
        </select></label>`;
    })}`;
}
