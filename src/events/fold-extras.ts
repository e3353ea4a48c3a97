/**
 * The newer `session/update`s: ACP v1's `notice`, `compaction_update` and
 * `compaction_summary_chunk`, and the unstable schema's `plan_update` / `plan_removed`,
 * `subagent_update` and `session_message` / `session_message_chunk`.
 */
import type { ContentBlock } from "@agentclientprotocol/sdk";
import { addEntry, adopt, appendContent, malformed, touch, type FoldContext, type FoldState } from "./fold-state.js";
import { asArray, asString, describe, isRecord } from "./parse.js";
import type { CompactionEntry, Entry, MessagePart, PlanUpdateEntry, SessionMessageState, SubagentEntry } from "./types.js";

type Update = Record<string, unknown>;
type Handler = (state: FoldState, ctx: FoldContext, update: Update) => void;

/** Content blocks as message parts: text runs joined, other blocks kept. */
function partsOf(blocks: unknown[]): MessagePart[] {
  const holder = { parts: [] as MessagePart[] };
  for (const block of blocks) if (isContent(block)) appendContent(holder, block);
  return holder.parts;
}

function isContent(block: unknown): block is ContentBlock {
  return isRecord(block) && typeof block.type === "string" && (block.type !== "text" || typeof block.text === "string");
}

/** A patch field: `undefined` keeps the value, `null` clears it. */
function patch<T>(value: unknown, current: T | undefined, read: (value: unknown) => T | undefined): T | undefined {
  if (value === undefined) return current;
  if (value === null) return undefined;
  return read(value) ?? current;
}

function required(state: FoldState, ctx: FoldContext, update: Update, field: string): string | undefined {
  const value = asString(update[field]);
  if (value === undefined) malformed(state, ctx, `${String(update.sessionUpdate)} without a ${field}: ${describe(update[field])}`);
  return value;
}

const notice: Handler = (state, ctx, update) => {
  addEntry(state, ctx, "notice", {
    severity: asString(update.severity) ?? "info",
    title: asString(update.title) ?? "",
    description: asString(update.description),
    meta: isRecord(update._meta) ? update._meta : undefined,
  });
};

function compaction(state: FoldState, ctx: FoldContext, compactionId: string): CompactionEntry {
  const known = state.compactions.get(compactionId);
  if (known) {
    touch(known, ctx);
    return known;
  }
  const entry = addEntry(state, ctx, "compaction", { compactionId, status: "in_progress", parts: [] });
  state.compactions.set(compactionId, entry);
  return entry;
}

const compactionUpdate: Handler = (state, ctx, update) => {
  const id = required(state, ctx, update, "compactionId");
  if (id === undefined) return;
  const entry = compaction(state, ctx, id);
  entry.status = asString(update.status) ?? entry.status;
  const summary = asArray(update.summary);
  if (summary) entry.parts = partsOf(summary);
  entry.error = patch(update.error, entry.error, asString);
};

const compactionChunk: Handler = (state, ctx, update) => {
  const id = required(state, ctx, update, "compactionId");
  if (id === undefined) return;
  if (!isContent(update.content)) {
    malformed(state, ctx, `compaction_summary_chunk with unreadable content: ${describe(update.content)}`);
    return;
  }
  appendContent(compaction(state, ctx, id), update.content);
};

/** One plan of several, by `planId`: each version replaces the previous, in the entry where the plan began. */
function planUpdateEntry(state: FoldState, ctx: FoldContext, planId: string, kind: string): PlanUpdateEntry {
  const known = state.planUpdates.get(planId);
  if (known) {
    touch(known, ctx);
    return known;
  }
  const entry = addEntry(state, ctx, "plan-update", { planId, kind, entries: [], completed: 0, removed: false, versions: 0 });
  state.planUpdates.set(planId, entry);
  return entry;
}

const planUpdate: Handler = (state, ctx, update) => {
  const plan = update.plan;
  const planId = isRecord(plan) ? asString(plan.planId) : undefined;
  if (!isRecord(plan) || planId === undefined) {
    malformed(state, ctx, `plan_update without a plan id: ${describe(isRecord(plan) ? plan.planId : plan)}`);
    return;
  }
  const kind = asString(plan.type) ?? "unknown";
  const entry = planUpdateEntry(state, ctx, planId, kind);
  entry.kind = kind;
  entry.removed = false;
  entry.versions++;
  entry.endedAs = undefined;
  entry.entries = (asArray(plan.entries) ?? []).filter(isRecord).map((item) => ({
    ...item,
    content: typeof item.content === "string" ? item.content : JSON.stringify(item.content ?? ""),
    priority: asString(item.priority) ?? "medium",
    status: asString(item.status) ?? "pending",
  })) as unknown as PlanUpdateEntry["entries"];
  entry.completed = entry.entries.filter((item) => item.status === "completed").length;
  entry.uri = asString(plan.uri);
  entry.markdown = kind === "markdown" ? asString(plan.content) : undefined;
  if (state.summary.running) state.turnPlans.add(entry);
};

const planRemoved: Handler = (state, ctx, update) => {
  const planId = required(state, ctx, update, "planId");
  if (planId === undefined) return;
  const entry = planUpdateEntry(state, ctx, planId, "unknown");
  entry.removed = true;
  entry.endedAs = undefined;
};

const subagentUpdate: Handler = (state, ctx, update) => {
  const sessionId = required(state, ctx, update, "sessionId");
  if (sessionId === undefined) return;
  let entry = state.subagents.get(sessionId);
  if (entry) touch(entry, ctx);
  else {
    entry = addEntry(state, ctx, "subagent", { sessionId, canCancel: false, messages: [] });
    state.subagents.set(sessionId, entry);
  }
  entry.title = patch(update.title, entry.title, asString);
  entry.description = patch(update.description, entry.description, asString);
  entry.cwd = patch(update.cwd, entry.cwd, asString);
  entry.additionalDirectories = patch(update.additionalDirectories, entry.additionalDirectories, (value) =>
    asArray(value)?.filter((dir): dir is string => typeof dir === "string"),
  );
  if (update.capabilities !== undefined) entry.canCancel = isRecord(update.capabilities) && isRecord(update.capabilities.cancel);
  if (update.state === null) {
    entry.state = undefined;
    entry.stopReason = undefined;
  } else if (isRecord(update.state) && typeof update.state.state === "string") {
    entry.state = update.state.state;
    entry.stopReason = asString(update.state.stopReason);
  }
  // Messages to or from this child that came before it was announced now show under it.
  for (const held of state.sessionMessages.values()) {
    if (held.owner.type === "session-message" && (held.message.senderSessionId === sessionId || held.message.recipientSessionId === sessionId)) {
      adopt(state, held.owner, entry);
      entry.messages.push(held.message);
      held.owner = entry;
    }
  }
};

/** A message between sessions: under its subagent when it names one, else an entry of its own. */
function sessionMessage(state: FoldState, ctx: FoldContext, messageId: string): { message: SessionMessageState; owner: Entry } {
  let held = state.sessionMessages.get(messageId);
  if (held) touch(held.owner, ctx);
  else {
    const message: SessionMessageState = { messageId, parts: [], at: ctx.createdAt };
    held = { message, owner: addEntry(state, ctx, "session-message", { message }) };
    state.sessionMessages.set(messageId, held);
  }
  return held;
}

function placeMessage(state: FoldState, held: { message: SessionMessageState; owner: Entry }): void {
  if (held.owner.type !== "session-message") return;
  const { senderSessionId, recipientSessionId } = held.message;
  const subagent = (senderSessionId && state.subagents.get(senderSessionId)) || (recipientSessionId && state.subagents.get(recipientSessionId)) || undefined;
  if (!subagent) return;
  adopt(state, held.owner, subagent);
  subagent.messages.push(held.message);
  held.owner = subagent;
}

const sessionMessageUpdate: Handler = (state, ctx, update) => {
  const messageId = required(state, ctx, update, "messageId");
  if (messageId === undefined) return;
  const held = sessionMessage(state, ctx, messageId);
  const message = held.message;
  message.senderSessionId = patch(update.senderSessionId, message.senderSessionId, asString);
  message.recipientSessionId = patch(update.recipientSessionId, message.recipientSessionId, asString);
  if (update.content === null) message.parts = [];
  else if (Array.isArray(update.content)) message.parts = partsOf(update.content);
  placeMessage(state, held);
};

const sessionMessageChunk: Handler = (state, ctx, update) => {
  const messageId = required(state, ctx, update, "messageId");
  if (messageId === undefined) return;
  if (!isContent(update.content)) {
    malformed(state, ctx, `session_message_chunk with unreadable content: ${describe(update.content)}`);
    return;
  }
  const held = sessionMessage(state, ctx, messageId);
  appendContent(held.message, update.content);
};

export const EXTRA_HANDLERS: Record<string, Handler> = {
  notice,
  compaction_update: compactionUpdate,
  compaction_summary_chunk: compactionChunk,
  plan_update: planUpdate,
  plan_removed: planRemoved,
  subagent_update: subagentUpdate,
  session_message: sessionMessageUpdate,
  session_message_chunk: sessionMessageChunk,
};
