/**
 * The session's state as the agent reports it: plan, usage, title, commands, mode, config options.
 * For each, the latest report replaces the previous one.
 */
import type { PlanEntry, SessionConfigOption } from "@agentclientprotocol/sdk";
import { html, nothing, type TemplateResult } from "lit";
import type { EntryView, ViewContext } from "./context.js";
import { reveal } from "../reveal.js";
import { jsonBlock } from "./common.js";
import { configChoices, count, formatCost, formatTokens, lookup, modeName, plural } from "../format.js";

const PLAN_MARKS: Record<string, string> = { completed: "✓", in_progress: "◐", pending: "○" };
/** Plans are rendered up to this many items; the rest are counted. */
const PLAN_LIMIT = 500;

/** A plan's state: completed when every item is, else running, or how its turn left it. */
export function planStatus(entry: { entries: PlanEntry[]; completed: number; endedAs?: string }): string {
  if (entry.entries.length > 0 && entry.completed === entry.entries.length) return "completed";
  return entry.endedAs ?? "in_progress";
}

/** A plan's items with their status and priority, as the agent last reported them. */
export function planItems(entry: { entries: PlanEntry[]; completed: number; endedAs?: string }): TemplateResult {
  const open = entry.entries.length - entry.completed;
  return html`
    <progress part="plan-progress" max=${Math.max(entry.entries.length, 1)} value=${entry.completed} aria-label="Plan progress"></progress>
    ${entry.endedAs && open > 0
      ? html`<p class="muted">The turn ended${entry.endedAs === "cancelled" ? ", stopped," : ""} with ${plural(open, "item")} not done: ${entry.endedAs}. Each item keeps the status the agent last reported.</p>`
      : nothing}
    <ol part="plan" class="plan">
      ${entry.entries.slice(0, PLAN_LIMIT).map(
        (item) => html`<li class="plan-item" data-status=${item.status} data-priority=${item.priority}>
          <span class="mark" aria-hidden="true">${lookup(PLAN_MARKS, item.status) ?? "•"}</span>
          <span class="plan-text">${reveal(String(item.content))}</span>
          <span class="badge" part="badge">${String(item.status).replace("_", " ")}</span>
          <span class="badge priority-${item.priority}" part="badge">${item.priority}</span>
        </li>`,
      )}
    </ol>
    ${entry.entries.length > PLAN_LIMIT ? html`<p class="muted">…and ${plural(entry.entries.length - PLAN_LIMIT, "more item")}</p>` : nothing}
  `;
}

export const plan: EntryView<"plan"> = {
  label: () => "Plan",
  summary: (entry) => {
    const current = entry.endedAs ? undefined : entry.entries.find((item) => item.status === "in_progress");
    return html`<span class="progress">${entry.completed}/${entry.entries.length}</span>${current ? html` · ${reveal(String(current.content))}` : nothing}`;
  },
  status: planStatus,
  open: () => true,
  body: (entry) => html`
    ${planItems(entry)}
    ${entry.versions > 1 ? html`<p class="muted">Updated ${plural(entry.versions - 1, "time")}.</p>` : nothing}
  `,
};

export const usage: EntryView<"usage"> = {
  label: () => "Usage",
  summary: (entry) =>
    `${formatTokens(entry.used)} / ${formatTokens(entry.size)} tokens${entry.cost ? ` · ${formatCost(entry.cost)}` : ""}`,
  open: () => false,
  body: (entry) => html`
    ${entry.used !== undefined && entry.size ? html`<meter part="usage-meter" min="0" max=${entry.size} value=${entry.used} aria-label="Context used"></meter>` : nothing}
    <dl class="facts">
      <dt>Context used</dt><dd>${entry.used === undefined ? "unknown" : count(entry.used)} tokens</dd>
      <dt>Context size</dt><dd>${entry.size === undefined ? "unknown" : count(entry.size)} tokens</dd>
      ${entry.used !== undefined && entry.size ? html`<dt>Share</dt><dd>${((100 * entry.used) / entry.size).toFixed(1)}%</dd>` : nothing}
      ${entry.cost ? html`<dt>Cost</dt><dd>${formatCost(entry.cost)}</dd>` : nothing}
    </dl>
  `,
};

export const sessionInfo: EntryView<"session-info"> = {
  label: () => "Session",
  summary: (entry) => entry.title ?? (entry.cwd ? `started in ${entry.cwd}` : "started"),
  open: () => false,
  body: (entry, ctx) => html`
    <dl class="facts">
      ${entry.title !== undefined ? html`<dt>Title</dt><dd>${reveal(entry.title)}</dd>` : nothing}
      ${entry.cwd ? html`<dt>Directory</dt><dd><code class="path">${reveal(entry.cwd)}</code></dd>` : nothing}
      ${entry.sessionId ? html`<dt>Agent session</dt><dd><code>${entry.sessionId}</code></dd>` : nothing}
      ${entry.models?.currentModelId ? html`<dt>Model</dt><dd>${modelName(entry)}</dd>` : nothing}
      ${entry.sessionUpdatedAt ? html`<dt>Updated</dt><dd>${entry.sessionUpdatedAt}</dd>` : entry.updatedAt ? html`<dt>Updated</dt><dd>${ctx.time(entry.updatedAt)}</dd>` : nothing}
    </dl>
    ${entry.models?.availableModels?.length
      ? html`<p class="muted">Models offered: ${reveal(entry.models.availableModels.map((model) => model.name ?? model.modelId).join(", "))}</p>`
      : nothing}
  `,
};

function modelName(entry: { models?: { currentModelId?: string; availableModels?: Array<{ modelId: string; name?: string }> } }): string {
  const id = entry.models?.currentModelId;
  return entry.models?.availableModels?.find((model) => model.modelId === id)?.name ?? id ?? "";
}

export const availableCommands: EntryView<"available-commands"> = {
  label: () => "Commands",
  summary: (entry) => `${plural(entry.commands.length, "command")}: ${entry.commands.slice(0, 6).map((command) => `/${command.name}`).join(" ")}${entry.commands.length > 6 ? " …" : ""}`,
  open: () => false,
  body: (entry) => html`<dl part="commands" class="commands">
    ${entry.commands.map(
      (command) => html`<dt><code>/${reveal(String(command.name))}</code>${command.input?.hint ? html` <span class="muted">${reveal(String(command.input.hint))}</span>` : nothing}</dt>
        <dd>${reveal(String(command.description ?? ""))}</dd>`,
    )}
  </dl>`,
};

/** "by Olga · 12:03": who changed it through the workspace, from its record. */
function changedBy(change: { by: { id?: string; name?: string }; at: number } | undefined, ctx: ViewContext): string {
  return change ? `by ${change.by.name ?? change.by.id ?? "someone"} · ${ctx.time(change.at)}` : "";
}

export const currentMode: EntryView<"current-mode"> = {
  label: () => "Mode",
  summary: (entry) => {
    const who = entry.changedBy?.modeId === entry.currentModeId ? entry.changedBy?.by : undefined;
    return who ? `${modeName(entry)} · set by ${who.name ?? who.id ?? "someone"}` : modeName(entry);
  },
  open: () => false,
  body: (entry, ctx) => html`${entry.changedBy
      ? html`<p part="byline" class="byline">Changed to <strong>${reveal(String(entry.availableModes.find((mode) => mode.id === entry.changedBy!.modeId)?.name ?? entry.changedBy.modeId))}</strong> ${reveal(changedBy(entry.changedBy, ctx))}</p>`
      : nothing}<ul part="modes" class="choices" aria-label="Modes">
    ${entry.availableModes.length
      ? entry.availableModes.map(
          (mode) => html`<li ?data-current=${mode.id === entry.currentModeId} aria-current=${mode.id === entry.currentModeId ? "true" : "false"}>
            <strong>${reveal(String(mode.name))}</strong> <code class="muted">${reveal(String(mode.id))}</code>${mode.id === entry.currentModeId ? html` <span class="badge" part="badge">current</span>` : nothing}
            ${mode.description ? html`<div class="muted">${reveal(String(mode.description))}</div>` : nothing}
          </li>`,
        )
      : html`<li data-current aria-current="true"><code>${entry.currentModeId ?? "unknown"}</code></li>`}
  </ul>`,
};

export const configOptions: EntryView<"config-options"> = {
  label: () => "Options",
  summary: (entry) => entry.options.map((option) => `${option.name}: ${optionValue(option)}`).join(" · ") || "none",
  open: () => false,
  body: (entry, ctx) => html`<dl part="config-options" class="facts">
    ${entry.options.map(
      (option) => html`<dt>${reveal(String(option.name))}${option.category ? html` <span class="muted">(${reveal(String(option.category))})</span>` : nothing}</dt>
        <dd>
          <strong>${optionValue(option)}</strong>
          ${option.type === "select" ? html`<span class="muted"> of ${reveal(configChoices(option).map((choice) => choice.name).join(", "))}</span>` : nothing}
          ${entry.changedBy?.[option.id] ? html`<span part="byline" class="byline muted"> · set ${reveal(changedBy(entry.changedBy[option.id], ctx))}</span>` : nothing}
          ${option.description ? html`<div class="muted">${reveal(String(option.description))}</div>` : nothing}
          ${option.type !== "select" && option.type !== "boolean" ? jsonBlock(option) : nothing}
        </dd>`,
    )}
  </dl>`,
};

function optionValue(option: SessionConfigOption): string {
  if (option.type === "boolean") return option.currentValue ? "on" : "off";
  if (option.type === "select") return configChoices(option).find((choice) => choice.value === option.currentValue)?.name ?? String(option.currentValue);
  return String((option as { currentValue?: unknown }).currentValue ?? "");
}
