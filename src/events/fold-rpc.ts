/**
 * JSON-RPC requests and responses: the session's start, prompts and the ends of their turns,
 * permission requests and their answers, errors, and methods we have no view for.
 */
import { foldClientError, foldClientRequest, foldClientResult, isClientMethod, settleCalls } from "./fold-client.js";
import { foldQuestion, foldQuestionAnswer, QUESTION_METHOD, settleQuestions } from "./fold-questions.js";
import { addEntry, claimReported, closeOpen, latest, replyFor, settlePermission, touch, type FoldContext, type FoldState, type PendingRequest } from "./fold-state.js";
import { currentToolCall, foldConfigOptions, foldMode, foldSessionUpdate, malformed, mergeToolCall } from "./fold-updates.js";
import { asArray, asString, isRecord, type Message, type Sender } from "./parse.js";
import type { Author, EndedAs, PermissionRequestEntry, SessionInfoEntry, UserMessageEntry } from "./types.js";

/** sandbox-agent prepends this text block to the first prompt after it resumed into a new agent session. */
const REPLAY_PREFIX = "Previous session history is replayed below as JSON-RPC envelopes.";

/** Where a host's prompt carries its author: `params._meta["sandbox-workspace"].user`. */
export const META_KEY = "sandbox-workspace";

/**
 * The workspace's own notification, in the log where the agent's messages it stands for were:
 * `{ sessionId, count }`, `count` messages the daemon dropped and could not send again.
 */
export const LOST_METHOD = "_sandbox-workspace/lost";

export function foldMessage(state: FoldState, ctx: FoldContext, sender: Sender, message: Message): void {
  switch (message.kind) {
    case "notification":
      if (message.method === "session/update") foldSessionUpdate(state, ctx, message.params);
      else if (message.method === "session/cancel" && sender === "client") foldCancel(state, ctx, message.params);
      else if (message.method === QUESTION_METHOD && sender === "agent") foldQuestion(state, ctx, message.params);
      else if (message.method === LOST_METHOD && sender === "agent") foldLost(state, ctx, message.params);
      else unknown(state, ctx, message.method, message.params);
      return;
    case "request":
      closeOpen(state);
      foldRequest(state, ctx, sender, message.id, message.method, message.params);
      return;
    case "result":
    case "error": {
      const open = state.open;
      closeOpen(state);
      // Both senders number their own requests: a response answers the other sender's request.
      const key = message.id === null ? undefined : `${other(sender)}:${message.id}`;
      const request = key === undefined ? undefined : state.pending.get(key);
      if (key !== undefined) state.pending.delete(key);
      if (request?.method === "session/prompt" && open && open.type !== "user-message") state.ended = open;
      if (message.kind === "result") foldResult(state, ctx, request, message.result);
      else foldError(state, ctx, request, message.error);
      return;
    }
    case "malformed":
      closeOpen(state);
      malformed(state, ctx, message.reason);
  }
}

function other(sender: Sender): Sender {
  return sender === "client" ? "agent" : "client";
}

function foldRequest(state: FoldState, ctx: FoldContext, sender: Sender, id: string | number, method: string, params: unknown): void {
  const pending: PendingRequest = { method };
  // Both senders number from low integers: the SDK files the prompt's response under this request instead.
  if (sender === "agent" && state.prompt && state.summary.running && state.pending.get(`client:${id}`)?.entry === state.prompt) state.summary.endUnlogged = true;
  if (method === "session/prompt") pending.entry = startTurn(state, ctx, params);
  else if (method === "session/request_permission") pending.entry = requestPermission(state, ctx, id, params);
  else if (method === QUESTION_METHOD && sender === "agent") pending.entry = foldQuestion(state, ctx, params, id);
  else if (sender === "agent" && isClientMethod(method)) foldClientRequest(state, ctx, id, method, params, pending);
  else if (method === "session/new") {
    const info = latest(state, ctx, "session-info", () => ({}));
    info.cwd = isRecord(params) ? asString(params.cwd) : undefined;
    pending.entry = info;
  }
  else pending.entry = unknown(state, ctx, method, params);
  state.pending.set(`${sender}:${id}`, pending);
}

function unknown(state: FoldState, ctx: FoldContext, label: string, value: unknown) {
  closeOpen(state);
  return addEntry(state, ctx, "unknown", { label, value });
}

/**
 * The client's `session/cancel` (Stop): it belongs to the running turn. Its prompt says a stop was
 * asked for, and so does the turn's end once it comes. With no turn running, a notice says so.
 */
function foldCancel(state: FoldState, ctx: FoldContext, params: unknown): void {
  const request = { at: ctx.createdAt, by: authorOf(params) };
  const prompt = state.summary.running ? state.prompt : undefined;
  if (!prompt) {
    closeOpen(state);
    addEntry(state, ctx, "notice", { severity: "info", title: "Stop pressed while no turn was running", method: "session/cancel", by: request.by });
    return;
  }
  // The message it stopped stays open: the agent's last chunks may still come.
  prompt.stop = request;
  touch(prompt, ctx);
  state.stop = request;
}

/** Messages the daemon dropped: a notice where they were, which splits the message they fell in. */
function foldLost(state: FoldState, ctx: FoldContext, params: unknown): void {
  closeOpen(state);
  const count = isRecord(params) ? params.count : undefined;
  if (typeof count !== "number" || !Number.isSafeInteger(count) || count < 1) {
    malformed(state, ctx, `${LOST_METHOD} without a count of messages`);
    return;
  }
  addEntry(state, ctx, "notice", {
    severity: "warning",
    title: `${count.toLocaleString("en-US")} ${count === 1 ? "message" : "messages"} from the agent lost here`,
    description:
      "The sandbox-agent daemon skipped them while the workspace's read of its stream was behind (it keeps 512 messages for a reader that falls behind), and no longer held them when the workspace asked again. What the agent said or did in them is not in this transcript.",
    method: LOST_METHOD,
  });
}

function startTurn(state: FoldState, ctx: FoldContext, params: unknown): UserMessageEntry {
  if (state.summary.running) endTurn(state, undefined);
  const prompt = isRecord(params) ? asArray(params.prompt) ?? [] : [];
  const parts: UserMessageEntry["parts"] = [];
  let replayed: number | undefined;
  for (const block of prompt) {
    if (!isRecord(block)) continue;
    if (block.type === "text" && typeof block.text === "string" && block.text.startsWith(REPLAY_PREFIX)) {
      // The SDK's replay of the history into a new agent session: not the user's words.
      replayed = block.text.length;
      continue;
    }
    if (block.type === "text" && typeof block.text === "string") {
      const last = parts.at(-1);
      if (last?.kind === "text") last.text += `\n\n${block.text}`;
      else parts.push({ kind: "text", text: block.text });
    } else if (typeof block.type === "string") {
      parts.push({ kind: "block", block: block as never });
    }
  }
  const entry = addEntry(state, ctx, "user-message", { parts, source: "prompt", author: authorOf(params), replayed });
  state.prompt = entry;
  state.echoed = "";
  state.turnHasOutput = false;
  state.summary.running = true;
  return entry;
}

/** The prompt's author as the host recorded it, from the request's or its first block's `_meta`. */
function authorOf(params: unknown): Author | undefined {
  if (!isRecord(params)) return undefined;
  const candidates = [params._meta, ...(asArray(params.prompt) ?? []).map((block) => (isRecord(block) ? block._meta : undefined))];
  for (const meta of candidates) {
    const ours = isRecord(meta) ? meta[META_KEY] : undefined;
    const user = isRecord(ours) ? ours.user : undefined;
    if (isRecord(user)) {
      const author = { id: asString(user.id), name: asString(user.name) };
      if (author.id !== undefined || author.name !== undefined) return author;
    }
  }
  return undefined;
}

/** Ends the running turn. `stopReason` is undefined when the log never said how it ended. */
export function endTurn(state: FoldState, stopReason: string | undefined): void {
  state.summary.running = false;
  state.summary.endUnlogged = undefined;
  if (stopReason !== undefined) state.summary.lastStopReason = stopReason;
  const prompt = state.prompt;
  if (prompt && stopReason !== undefined) {
    prompt.stopReason = stopReason as UserMessageEntry["stopReason"];
    prompt.rev++;
  }
  // A permission request blocks its turn, so a turn that ended had them answered, even if the
  // log holds no answer.
  for (const permission of state.turnPermissions) {
    if (permission.status === "pending") settlePermission(state, permission, "resolved", permission.resolution);
  }
  state.turnPermissions = [];
  settleOpenWork(state, stopReason === "cancelled" || state.stop ? "cancelled" : "interrupted");
  state.prompt = undefined;
  state.stop = undefined;
}

/** Nothing of an ended turn may still look like it runs: tool calls, plans, a streaming thought, client calls. */
function settleOpenWork(state: FoldState, endedAs: EndedAs): void {
  for (const tool of state.turnToolCalls) {
    if ((tool.status === "pending" || tool.status === "in_progress") && tool.endedAs === undefined) {
      tool.endedAs = endedAs;
      tool.rev++;
    }
  }
  state.turnToolCalls.clear();
  for (const plan of state.turnPlans) {
    if (plan.type !== "plan" && plan.type !== "plan-update") continue;
    if (plan.entries.some((item) => item.status !== "completed")) {
      plan.endedAs = endedAs;
      plan.rev++;
    }
  }
  state.turnPlans.clear();
  settleQuestions(state, endedAs);
  const open = state.open ?? state.ended;
  if (open?.type === "agent-thought" && open.streaming) {
    open.streaming = false;
    open.rev++;
  }
  settleCalls(state);
}

function requestPermission(state: FoldState, ctx: FoldContext, rpcId: string | number, params: unknown): PermissionRequestEntry {
  const toolCall = isRecord(params) && isRecord(params.toolCall) ? params.toolCall : {};
  const options = (isRecord(params) ? asArray(params.options) ?? [] : []).filter((option) => isRecord(option) && typeof option.optionId === "string");
  const entry = addEntry(state, ctx, "permission-request", {
    rpcId,
    toolCall: toolCall as unknown as PermissionRequestEntry["toolCall"],
    options: options as PermissionRequestEntry["options"],
    status: "pending",
  });
  state.summary.pendingPermissions++;
  state.turnPermissions.push(entry);
  const toolCallId = asString(toolCall.toolCallId);
  const tool = toolCallId === undefined ? undefined : currentToolCall(state, toolCallId);
  if (tool) {
    // The request says more about the tool call (its real title and input): keep the tool call current.
    mergeToolCall(tool, { ...toolCall, status: undefined });
    tool.permissions.push(entry.id);
    tool.rev++;
    entry.toolCallEntryId = tool.id;
  }
  claimReported(state, entry);
  return entry;
}

function foldResult(state: FoldState, ctx: FoldContext, request: PendingRequest | undefined, result: unknown): void {
  const entry = request?.entry;
  if (request && isClientMethod(request.method) && (request.terminal || entry?.type === "file-read" || entry?.type === "file-write")) {
    foldClientResult(state, ctx, request, result);
    return;
  }
  if (entry?.type === "question") return foldQuestionAnswer(state, ctx, entry, result);
  if (entry?.type === "permission-request") {
    touch(entry, ctx);
    const outcome = isRecord(result) && isRecord(result.outcome) ? result.outcome : undefined;
    if (outcome?.outcome === "selected" && typeof outcome.optionId === "string") {
      const option = entry.options.find((candidate) => candidate.optionId === outcome.optionId);
      const reported = state.claims.get(entry);
      settlePermission(state, entry, "resolved", { ...reported, optionId: outcome.optionId, reply: replyFor(option?.kind) ?? reported?.reply });
    } else {
      settlePermission(state, entry, "cancelled", { reply: "cancelled" });
    }
    return;
  }
  if (entry?.type === "session-info" && request?.method === "session/new") {
    // Latest wins: the session's start moves its info entry to where the answer came.
    foldSessionStart(state, ctx, latest(state, ctx, "session-info", () => ({})), result);
    return;
  }
  if (request?.method === "session/prompt" || (!request && isRecord(result) && typeof result.stopReason === "string")) {
    const stopReason = isRecord(result) && typeof result.stopReason === "string" ? result.stopReason : "unknown";
    const promptEntryId = entry?.type === "user-message" ? entry.id : undefined;
    const usage = isRecord(result) && isRecord(result.usage) ? result.usage : undefined;
    const turnEnd = addEntry(state, ctx, "turn-end", { stopReason, usage, promptEntryId });
    const stop = entry?.type === "user-message" ? entry.stop : undefined;
    // The Stop's event is the prompt's (where the turn began); its end says it was stopped.
    if (stop) turnEnd.stop = stop;
    if (!entry || entry === state.prompt) endTurn(state, stopReason);
    else if (entry.type === "user-message") {
      entry.stopReason = stopReason as UserMessageEntry["stopReason"];
      entry.rev++;
    }
    return;
  }
  if (entry?.type === "unknown") {
    touch(entry, ctx);
    entry.response = result;
    return;
  }
  addEntry(state, ctx, "unknown", { label: request ? `${request.method} result` : "result of an unknown request", value: result });
}

function foldSessionStart(state: FoldState, ctx: FoldContext, entry: SessionInfoEntry, result: unknown): void {
  if (!isRecord(result)) return;
  entry.sessionId = asString(result.sessionId);
  state.summary.sessionId = entry.sessionId;
  if (isRecord(result.models)) entry.models = result.models as typeof entry.models;
  const modes = result.modes;
  if (isRecord(modes)) foldMode(state, ctx, asString(modes.currentModeId), asArray(modes.availableModes));
  const options = asArray(result.configOptions);
  if (options) foldConfigOptions(state, ctx, options);
}

function foldError(state: FoldState, ctx: FoldContext, request: PendingRequest | undefined, error: { code?: number | string; message: string; data?: unknown }): void {
  if (request && isClientMethod(request.method) && (request.terminal || request.entry?.type === "file-read" || request.entry?.type === "file-write")) {
    foldClientError(ctx, request, error.message);
    return;
  }
  addEntry(state, ctx, "error", { message: error.message, reason: "rpc", code: error.code, data: error.data, method: request?.method });
  const entry = request?.entry;
  if (entry?.type === "permission-request") settlePermission(state, entry, "failed");
  if (request?.method === "session/prompt" && entry === state.prompt) endTurn(state, "error");
}
