/**
 * `session/update` notifications, one small handler per `sessionUpdate` type.
 */
import type { ContentBlock } from "@agentclientprotocol/sdk";
import { referTerminal } from "./fold-client.js";
import { EXTRA_HANDLERS } from "./fold-extras.js";
import { addEntry, appendContent, closeOpen, latest, malformed, settlePermission, touch, type FoldContext, type FoldState, type MessageEntry } from "./fold-state.js";
import { asArray, asNumber, asString, describe, isRecord } from "./parse.js";
import type { PlanEntryState, ToolCallEntry } from "./types.js";

export type Update = Record<string, unknown>;
export type Handler = (state: FoldState, ctx: FoldContext, update: Update) => void;

const CHUNK_ENTRY = {
  agent_message_chunk: "agent-message",
  agent_thought_chunk: "agent-thought",
  user_message_chunk: "user-message",
} as const;

export { malformed };

export function foldSessionUpdate(state: FoldState, ctx: FoldContext, params: unknown): void {
  const update = isRecord(params) ? params.update : undefined;
  if (!isRecord(update) || typeof update.sessionUpdate !== "string") {
    closeOpen(state);
    malformed(state, ctx, `session/update without an update: params.update.sessionUpdate is ${describe(isRecord(update) ? update.sessionUpdate : update)}`);
    return;
  }
  const kind = update.sessionUpdate;
  const handler = Object.hasOwn(HANDLERS, kind) ? HANDLERS[kind] : undefined;
  if (!Object.hasOwn(CHUNK_ENTRY, kind)) closeOpen(state);
  if (!handler) {
    addEntry(state, ctx, "unknown", { label: kind, value: update });
    return;
  }
  if (kind !== "user_message_chunk" && kind !== "usage_update") state.turnHasOutput = true;
  handler(state, ctx, update);
}


function foldChunk(type: keyof typeof CHUNK_ENTRY): Handler {
  const entryType = CHUNK_ENTRY[type];
  return (state, ctx, update) => {
    const content = update.content;
    if (!isRecord(content) || typeof content.type !== "string" || (content.type === "text" && typeof content.text !== "string")) {
      closeOpen(state);
      malformed(state, ctx, `${type} with unreadable content: ${describe(content)}`);
      return;
    }
    const block = content as ContentBlock;
    if (entryType === "user-message" && isEchoOfPrompt(state, ctx, block)) return;
    const messageId = asString(update.messageId);
    const opensBlock = block.type === "text" && block.text === "";
    // A chunk right after its turn's response extends the message the turn ended on (see `ended`).
    let entry = state.open?.type === entryType ? state.open : !state.open && state.ended?.type === entryType ? state.ended : undefined;
    if (entry && messageId !== undefined && entry.messageId !== undefined && entry.messageId !== messageId) entry = undefined;
    // Real agents open each text or thinking block with an empty chunk: a new block is a new entry.
    if (entry && opensBlock && !isEmpty(entry)) entry = undefined;
    if (!entry) {
      closeOpen(state);
      entry = startMessage(state, ctx, entryType, messageId);
      state.open = entry;
    } else {
      state.open = entry;
      state.ended = undefined;
      touch(entry, ctx);
    }
    appendContent(entry, block);
  };
}

function startMessage(state: FoldState, ctx: FoldContext, type: MessageEntry["type"], messageId: string | undefined): MessageEntry {
  switch (type) {
    case "agent-message":
      return addEntry(state, ctx, type, { parts: [], messageId });
    case "agent-thought":
      return addEntry(state, ctx, type, { parts: [], messageId, streaming: true });
    case "user-message":
      return addEntry(state, ctx, type, { parts: [], source: "chunk" });
  }
}

function isEmpty(entry: MessageEntry): boolean {
  return entry.parts.every((part) => part.kind === "text" && part.text === "");
}


/** Agents may echo the prompt as `user_message_chunk`s: fold the echo into the prompt, not a second message. */
function isEchoOfPrompt(state: FoldState, ctx: FoldContext, block: ContentBlock): boolean {
  const prompt = state.prompt;
  if (!prompt || state.turnHasOutput || block.type !== "text") return false;
  const promptText = prompt.parts.map((part) => (part.kind === "text" ? part.text : "")).join("");
  const echoed = state.echoed + block.text;
  if (!promptText.startsWith(echoed)) return false;
  state.echoed = echoed;
  touch(prompt, ctx);
  return true;
}

/** The tool call with this id, unless it belongs to an earlier turn than the one running. */
export function currentToolCall(state: FoldState, toolCallId: string): ToolCallEntry | undefined {
  const entry = state.toolCalls.get(toolCallId);
  if (entry && state.summary.running && !state.turnToolCalls.has(entry)) return undefined;
  return entry;
}

function foldToolCall(state: FoldState, ctx: FoldContext, update: Update): void {
  const toolCallId = asString(update.toolCallId);
  if (!toolCallId) {
    malformed(state, ctx, `${String(update.sessionUpdate)} without a toolCallId`);
    return;
  }
  // Agents announce a tool call before its input and send the input later, in an update or in a
  // second `tool_call` with the same id: upsert. A `tool_call` reusing the id of an earlier turn's
  // call is a new call (ids should be unique per session; agents don't always make them so).
  let entry = update.sessionUpdate === "tool_call" ? currentToolCall(state, toolCallId) : state.toolCalls.get(toolCallId);
  if (entry) touch(entry, ctx);
  else {
    entry = addEntry(state, ctx, "tool-call", { toolCallId, title: "", status: "pending", locations: [], content: [], permissions: [], terminals: [] });
    state.toolCalls.set(toolCallId, entry);
    // A permission request may come before the call it asks about (Codex asks before running a command).
    for (const permission of state.turnPermissions) {
      if (permission.toolCallEntryId !== undefined || permission.toolCall.toolCallId !== toolCallId) continue;
      permission.toolCallEntryId = entry.id;
      permission.rev++;
      entry.permissions.push(permission.id);
    }
  }
  mergeToolCall(entry, update);
  if (state.summary.running) {
    state.turnToolCalls.add(entry);
    entry.endedAs = undefined;
  }
  for (const item of entry.content) {
    if (item.type === "terminal" && typeof item.terminalId === "string") referTerminal(state, entry, item.terminalId);
  }
  if (!entry.title) entry.title = entry.name ?? entry.kind ?? "Tool call";
  // The SDK does not log the client's answer to a permission request; a tool that went on to run was allowed.
  if (entry.status === "in_progress" || entry.status === "completed") {
    for (const id of entry.permissions) {
      const permission = state.entries.get(id);
      if (permission?.type === "permission-request" && permission.status === "pending") {
        settlePermission(state, permission, "resolved", state.claims.get(permission));
      }
    }
  }
}

const TOOL_KINDS = new Set(["read", "edit", "delete", "move", "search", "execute", "think", "fetch", "switch_mode", "other"]);
const TOOL_STATUSES = new Set(["pending", "in_progress", "completed", "failed"]);

/** Applies the fields an update carries; absent or null fields leave the entry as it was. */
export function mergeToolCall(entry: ToolCallEntry, update: Update): void {
  const title = asString(update.title);
  if (title) entry.title = title;
  const name = asString(update.name);
  if (name) entry.name = name;
  if (typeof update.kind === "string" && TOOL_KINDS.has(update.kind)) entry.kind = update.kind as ToolCallEntry["kind"];
  if (typeof update.status === "string" && TOOL_STATUSES.has(update.status)) entry.status = update.status as ToolCallEntry["status"];
  const locations = asArray(update.locations);
  if (locations) entry.locations = locations.filter((location) => isRecord(location) && typeof location.path === "string") as ToolCallEntry["locations"];
  const content = asArray(update.content);
  if (content) entry.content = content.filter((item) => isRecord(item) && typeof item.type === "string") as ToolCallEntry["content"];
  // The first announcement carries `rawInput: {}`; never let an empty input replace a real one.
  if (update.rawInput !== undefined && update.rawInput !== null && !(isEmptyObject(update.rawInput) && entry.rawInput !== undefined)) {
    entry.rawInput = update.rawInput;
  }
  if (update.rawOutput !== undefined && update.rawOutput !== null) entry.rawOutput = update.rawOutput;
  if (isRecord(update._meta)) entry.meta = { ...entry.meta, ...update._meta };
}

function isEmptyObject(value: unknown): boolean {
  return isRecord(value) && Object.keys(value).length === 0;
}

function foldPlan(state: FoldState, ctx: FoldContext, update: Update): void {
  const items = asArray(update.entries);
  if (!items) {
    malformed(state, ctx, `plan without an entries list: ${describe(update.entries)}`);
    return;
  }
  const entries = items.filter(isRecord).map((item) => ({
    ...item,
    content: typeof item.content === "string" ? item.content : JSON.stringify(item.content ?? ""),
    priority: asString(item.priority) ?? "medium",
    status: asString(item.status) ?? "pending",
  })) as unknown as PlanEntryState["entries"];
  const plan = latest(state, ctx, "plan", () => ({ entries: [], completed: 0, versions: 0 }));
  plan.entries = entries;
  plan.completed = entries.filter((item) => item.status === "completed").length;
  plan.versions++;
  plan.endedAs = undefined;
  if (state.summary.running) state.turnPlans.add(plan);
}

function foldUsage(state: FoldState, ctx: FoldContext, update: Update): void {
  const usage = latest(state, ctx, "usage", () => ({}));
  usage.used = asNumber(update.used);
  usage.size = asNumber(update.size);
  const cost = update.cost;
  usage.cost = isRecord(cost) && asNumber(cost.amount) !== undefined ? { amount: cost.amount as number, currency: asString(cost.currency) ?? "" } : undefined;
  state.summary.usage = { used: usage.used, size: usage.size, cost: usage.cost };
}

function foldSessionInfo(state: FoldState, ctx: FoldContext, update: Update): void {
  const info = latest(state, ctx, "session-info", () => ({}));
  const title = asString(update.title);
  if (title !== undefined) {
    info.title = title;
    state.summary.title = title;
  }
  const updatedAt = asString(update.updatedAt);
  if (updatedAt) info.sessionUpdatedAt = updatedAt;
}

function foldCommands(state: FoldState, ctx: FoldContext, update: Update): void {
  const commands = asArray(update.availableCommands);
  if (!commands) {
    malformed(state, ctx, `available_commands_update without a command list: ${describe(update.availableCommands)}`);
    return;
  }
  const entry = latest(state, ctx, "available-commands", () => ({ commands: [] }));
  entry.commands = commands.filter((command) => isRecord(command) && typeof command.name === "string") as typeof entry.commands;
}

export function foldMode(state: FoldState, ctx: FoldContext, currentModeId: string | undefined, availableModes?: unknown[]): void {
  const entry = latest(state, ctx, "current-mode", () => ({ availableModes: [] }));
  if (currentModeId !== undefined) entry.currentModeId = currentModeId;
  if (availableModes) entry.availableModes = availableModes.filter((mode) => isRecord(mode) && typeof mode.id === "string") as typeof entry.availableModes;
  state.summary.currentModeId = entry.currentModeId;
  state.summary.modes = entry.availableModes;
}

export function foldConfigOptions(state: FoldState, ctx: FoldContext, options: unknown[]): void {
  const entry = latest(state, ctx, "config-options", () => ({ options: [] }));
  entry.options = options.filter((option) => isRecord(option) && typeof option.id === "string") as typeof entry.options;
}

const HANDLERS: Record<string, Handler> = {
  ...EXTRA_HANDLERS,
  agent_message_chunk: foldChunk("agent_message_chunk"),
  agent_thought_chunk: foldChunk("agent_thought_chunk"),
  user_message_chunk: foldChunk("user_message_chunk"),
  tool_call: foldToolCall,
  tool_call_update: foldToolCall,
  plan: foldPlan,
  usage_update: foldUsage,
  session_info_update: foldSessionInfo,
  available_commands_update: foldCommands,
  current_mode_update: (state, ctx, update) => {
    const modeId = asString(update.currentModeId);
    if (modeId === undefined) malformed(state, ctx, `current_mode_update without a currentModeId: ${describe(update.currentModeId)}`);
    else foldMode(state, ctx, modeId);
  },
  config_option_update: (state, ctx, update) => {
    const options = asArray(update.configOptions);
    if (!options) malformed(state, ctx, `config_option_update without a configOptions list: ${describe(update.configOptions)}`);
    else foldConfigOptions(state, ctx, options);
  },
};
