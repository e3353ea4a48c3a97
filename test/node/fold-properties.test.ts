/**
 * Properties of the fold, over generated sessions: realistic ones (prompts, streamed blocks, tool
 * calls and their updates, permission requests and answers, plans, usage, session state, unknown
 * updates and methods), the same with events broken in every field, and plain noise.
 *
 *   - folding never throws, and never writes to the events it is given;
 *   - no event is dropped: each lands in `timeline.events` and in some entry;
 *   - an event that cannot be read is an error entry, and only such events are;
 *   - the timeline depends on the set of events, not on their order or on duplicates;
 *   - the summary agrees with the entries.
 *
 * FOLD_RUNS scales the runs per property (default 500).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { LATEST_TYPES, Timeline, type Entry } from "../../src/events/index.js";

const RUNS = Number(process.env.FOLD_RUNS ?? 500);
// A failure says what broke, not only the input that broke it.
fc.configureGlobal({ includeErrorInReport: true });

// ---------------------------------------------------------------------------------------------
// Building sessions
// ---------------------------------------------------------------------------------------------

type Sender = "client" | "agent";

/** An event before it gets its place in the log, and whether the fold must call it unreadable. */
interface Draft {
  sender: Sender;
  payload: unknown;
  malformed: boolean;
}

/** One generated event, as the fold receives it, with what we know about it. */
interface Item {
  event: unknown;
  malformed: boolean;
  /** Has a usable `eventIndex`: takes part in ordering and de-duplication. */
  indexed: boolean;
}

type Step =
  | { kind: "new" }
  | { kind: "prompt"; user: number; text: string; echo: boolean }
  | { kind: "block"; update: "agent_message_chunk" | "agent_thought_chunk"; pieces: string[]; messageId: string | null }
  | { kind: "tool"; id: string; title: string; updates: ToolUpdate[]; asToolCall: boolean }
  | { kind: "permission"; toolCallId: string; answer: "selected" | "cancelled" | "none"; option: number }
  | { kind: "plan"; entries: Array<{ content: string; status: string; priority: string }> }
  | { kind: "usage"; used: number; size: number; cost: boolean }
  | { kind: "info"; title: string }
  | { kind: "commands"; names: string[] }
  | { kind: "mode"; id: string }
  | { kind: "config"; value: string }
  | { kind: "end"; stopReason: string }
  | { kind: "unknownUpdate"; type: string }
  | { kind: "unknownMethod"; method: string; from: Sender; request: boolean; answered: boolean }
  | { kind: "rpcError"; message: string; code: number };

interface ToolUpdate {
  title?: string;
  status?: string;
  rawInput?: unknown;
  rawOutput?: unknown;
  locations?: Array<{ path: string; line?: number }>;
  content?: unknown[];
  _meta?: Record<string, unknown>;
}

const USERS = [
  { id: "u_ada", name: "Ada" },
  { id: "u_grace", name: "Grace" },
  { id: "guest-7f3a" },
];
const OPTIONS = [
  { optionId: "allow", name: "Allow", kind: "allow_once" },
  { optionId: "always", name: "Always allow", kind: "allow_always" },
  { optionId: "reject", name: "Reject", kind: "reject_once" },
];
const KNOWN_UPDATES = new Set(["user_message_chunk", "agent_message_chunk", "agent_thought_chunk", "tool_call", "tool_call_update", "plan", "available_commands_update", "current_mode_update", "config_option_update", "session_info_update", "usage_update"]);
const KNOWN_METHODS = new Set(["session/update", "session/prompt", "session/request_permission", "session/new"]);
/** Names an agent may well use for something new, and names that are also Object's own. */
const ODD_NAMES = ["workspace_snapshot", "x/custom", "constructor", "__proto__", "toString", "hasOwnProperty", "valueOf", "prototype"];

const text = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom("## Heading\n", "\n\n", "```ts\nconst a = 1;\n", "```\n", "| a | b |\n|---|---|\n", "- item\n", "**bold** ", "`code` ") },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 8 }) },
);
const json = fc.jsonValue({ maxDepth: 2 });
const toolId = fc.constantFrom("t1", "t2", "t3");
const status = fc.constantFrom("pending", "in_progress", "completed", "failed");

const toolUpdate: fc.Arbitrary<ToolUpdate> = fc.record(
  {
    title: fc.oneof(fc.constantFrom("Terminal", "Read", "`npm test`"), text),
    status,
    rawInput: fc.oneof(fc.constant({}), fc.dictionary(fc.string({ maxLength: 6 }), json, { maxKeys: 3 })),
    rawOutput: json,
    locations: fc.array(fc.record({ path: fc.string({ maxLength: 10 }), line: fc.nat(500) }, { requiredKeys: ["path"] }), { maxLength: 2 }),
    content: fc.array(
      fc.oneof(
        fc.record({ type: fc.constant("content"), content: fc.record({ type: fc.constant("text"), text }) }),
        fc.record({ type: fc.constant("diff"), path: fc.string({ maxLength: 10 }), oldText: fc.option(text, { nil: null }), newText: text }),
        fc.record({ type: fc.constant("terminal"), terminalId: fc.string({ maxLength: 6 }) }),
      ),
      { maxLength: 3 },
    ),
    _meta: fc.dictionary(fc.string({ maxLength: 6 }), json, { maxKeys: 2 }),
  },
  { requiredKeys: [] },
);

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 1, arbitrary: fc.constant({ kind: "new" as const }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("prompt" as const), user: fc.nat(USERS.length - 1), text, echo: fc.boolean() }) },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("block" as const),
      update: fc.constantFrom("agent_message_chunk" as const, "agent_thought_chunk" as const),
      pieces: fc.array(text, { minLength: 1, maxLength: 6 }),
      messageId: fc.option(fc.constantFrom("m1", "m2", "m3"), { nil: null }),
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("tool" as const), id: toolId, title: fc.constantFrom("Terminal", "Edit", "Read"), updates: fc.array(toolUpdate, { maxLength: 3 }), asToolCall: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("permission" as const), toolCallId: toolId, answer: fc.constantFrom("selected" as const, "cancelled" as const, "none" as const), option: fc.nat(OPTIONS.length - 1) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("plan" as const), entries: fc.array(fc.record({ content: text, status, priority: fc.constantFrom("high", "medium", "low") }), { maxLength: 5 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("usage" as const), used: fc.nat(200_000), size: fc.integer({ min: 1, max: 200_000 }), cost: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("info" as const), title: text }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("commands" as const), names: fc.array(fc.string({ minLength: 1, maxLength: 8 }), { maxLength: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("mode" as const), id: fc.constantFrom("default", "plan", "acceptEdits") }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("config" as const), value: fc.constantFrom("default", "plan", "acceptEdits") }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("end" as const), stopReason: fc.oneof(fc.constantFrom("end_turn", "cancelled", "refusal", "max_tokens", "max_turn_requests"), fc.string({ maxLength: 8 })) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("unknownUpdate" as const), type: fc.oneof(fc.constantFrom(...ODD_NAMES), fc.string({ maxLength: 10 })).filter((type) => !KNOWN_UPDATES.has(type)) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("unknownMethod" as const),
      method: fc.oneof(fc.constantFrom(...ODD_NAMES, "session/cancel", "session/set_mode", "fs/read_text_file"), fc.string({ maxLength: 10 })).filter((method) => !KNOWN_METHODS.has(method)),
      from: fc.constantFrom("client" as const, "agent" as const),
      request: fc.boolean(),
      answered: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("rpcError" as const), message: text, code: fc.integer({ min: -32700, max: -32000 }) }) },
);

/** Turns steps into the JSON-RPC messages sandbox-agent would log for them. */
function draftsOf(steps: Step[]): Draft[] {
  const out: Draft[] = [];
  let clientId = 1;
  let agentId = 0;
  let prompt: number | undefined;
  const sessionId = "agent-session";
  const push = (sender: Sender, payload: unknown) => out.push({ sender, payload, malformed: false });
  const update = (value: Record<string, unknown>) => push("agent", { jsonrpc: "2.0", method: "session/update", params: { sessionId, update: value } });
  for (const s of steps) {
    switch (s.kind) {
      case "new": {
        const id = clientId++;
        push("client", { jsonrpc: "2.0", id, method: "session/new", params: { cwd: "/workspace", mcpServers: [] } });
        push("agent", {
          jsonrpc: "2.0",
          id,
          result: {
            sessionId,
            modes: { currentModeId: "default", availableModes: [{ id: "default", name: "Default" }, { id: "plan", name: "Plan" }] },
            configOptions: [{ id: "mode", name: "Mode", category: "mode", type: "select", currentValue: "default", options: [{ value: "default", name: "Default" }] }],
          },
        });
        break;
      }
      case "prompt": {
        prompt = clientId++;
        const user = USERS[s.user];
        push("client", { jsonrpc: "2.0", id: prompt, method: "session/prompt", params: { sessionId, prompt: [{ type: "text", text: s.text }], _meta: { "sandbox-workspace": { user } } } });
        if (s.echo) for (const piece of [s.text.slice(0, 3), s.text.slice(3)]) update({ sessionUpdate: "user_message_chunk", content: { type: "text", text: piece } });
        break;
      }
      case "block":
        for (const piece of ["", ...s.pieces]) {
          update({ sessionUpdate: s.update, ...(s.messageId === null ? {} : { messageId: s.messageId }), content: { type: "text", text: piece } });
        }
        break;
      case "tool":
        update({ sessionUpdate: "tool_call", toolCallId: s.id, title: s.title, kind: "execute", status: "pending", rawInput: {} });
        for (const fields of s.updates) update({ sessionUpdate: s.asToolCall ? "tool_call" : "tool_call_update", toolCallId: s.id, ...fields });
        break;
      case "permission": {
        const id = agentId++;
        push("agent", { jsonrpc: "2.0", id, method: "session/request_permission", params: { sessionId, toolCall: { toolCallId: s.toolCallId, title: "Run it" }, options: OPTIONS } });
        if (s.answer === "selected") push("client", { jsonrpc: "2.0", id, result: { outcome: { outcome: "selected", optionId: OPTIONS[s.option].optionId } } });
        if (s.answer === "cancelled") push("client", { jsonrpc: "2.0", id, result: { outcome: { outcome: "cancelled" } } });
        break;
      }
      case "plan":
        update({ sessionUpdate: "plan", entries: s.entries });
        break;
      case "usage":
        update({ sessionUpdate: "usage_update", used: s.used, size: s.size, ...(s.cost ? { cost: { amount: s.used / 1e6, currency: "USD" } } : {}) });
        break;
      case "info":
        update({ sessionUpdate: "session_info_update", title: s.title });
        break;
      case "commands":
        update({ sessionUpdate: "available_commands_update", availableCommands: s.names.map((name) => ({ name, description: `Run ${name}` })) });
        break;
      case "mode":
        update({ sessionUpdate: "current_mode_update", currentModeId: s.id });
        break;
      case "config":
        update({ sessionUpdate: "config_option_update", configOptions: [{ id: "mode", name: "Mode", type: "select", currentValue: s.value, options: [{ value: s.value, name: s.value }] }] });
        break;
      case "end":
        if (prompt !== undefined) push("agent", { jsonrpc: "2.0", id: prompt, result: { stopReason: s.stopReason, usage: { inputTokens: 10, outputTokens: 5 } } });
        prompt = undefined;
        break;
      case "unknownUpdate":
        update({ sessionUpdate: s.type, value: { detail: 1 } });
        break;
      case "unknownMethod": {
        if (!s.request) {
          push(s.from, { jsonrpc: "2.0", method: s.method, params: { sessionId } });
          break;
        }
        const id = s.from === "client" ? clientId++ : agentId++;
        push(s.from, { jsonrpc: "2.0", id, method: s.method, params: { sessionId } });
        if (s.answered) push(s.from === "client" ? "agent" : "client", { jsonrpc: "2.0", id, result: { ok: true } });
        break;
      }
      case "rpcError": {
        const id = clientId++;
        push("client", { jsonrpc: "2.0", id, method: "session/set_mode", params: { sessionId, modeId: "plan" } });
        push("agent", { jsonrpc: "2.0", id, error: { code: s.code, message: s.message } });
        break;
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Breaking events
// ---------------------------------------------------------------------------------------------

type Json = Record<string, any>;
const isRecord = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);
const updateOf = (payload: unknown): Json | undefined => (isRecord(payload) && isRecord(payload.params) && isRecord(payload.params.update) ? payload.params.update : undefined);
const isUpdate = (...types: string[]) => (payload: unknown) => types.includes(updateOf(payload)?.sessionUpdate);

/** A change to one message. `malformed`: the fold must report the result as unreadable. */
interface PayloadBreak {
  name: string;
  applies(payload: unknown): boolean;
  apply(payload: Json): void;
  malformed: boolean;
}

const PAYLOAD_BREAKS: PayloadBreak[] = [
  { name: "method is a number", applies: (p) => isRecord(p) && typeof p.method === "string", apply: (p) => void (p.method = 7), malformed: true },
  { name: "neither method, result nor error", applies: isRecord, apply: (p) => { for (const key of Object.keys(p)) if (key !== "jsonrpc") delete p[key]; }, malformed: true },
  { name: "result without an id", applies: (p) => isRecord(p) && "result" in p, apply: (p) => void delete p.id, malformed: true },
  { name: "session/update without an update", applies: (p) => !!updateOf(p), apply: (p) => void delete p.params.update, malformed: true },
  { name: "sessionUpdate is a number", applies: (p) => !!updateOf(p), apply: (p) => void (p.params.update.sessionUpdate = 5), malformed: true },
  { name: "chunk without content", applies: isUpdate("agent_message_chunk", "agent_thought_chunk", "user_message_chunk"), apply: (p) => void delete p.params.update.content, malformed: true },
  { name: "chunk text is a number", applies: isUpdate("agent_message_chunk", "agent_thought_chunk"), apply: (p) => void (p.params.update.content = { type: "text", text: 5 }), malformed: true },
  { name: "tool call without an id", applies: isUpdate("tool_call", "tool_call_update"), apply: (p) => void delete p.params.update.toolCallId, malformed: true },
  { name: "plan entries not a list", applies: isUpdate("plan"), apply: (p) => void (p.params.update.entries = "all"), malformed: true },
  { name: "commands not a list", applies: isUpdate("available_commands_update"), apply: (p) => void (p.params.update.availableCommands = {}), malformed: true },
  { name: "mode update without a mode", applies: isUpdate("current_mode_update"), apply: (p) => void (p.params.update.currentModeId = 5), malformed: true },
  { name: "config options not a list", applies: isUpdate("config_option_update"), apply: (p) => void (p.params.update.configOptions = "x"), malformed: true },
  // Wrong types the fold tolerates by design: it uses what it can read and ignores the rest.
  { name: "jsonrpc is a number", applies: isRecord, apply: (p) => void (p.jsonrpc = 2), malformed: false },
  { name: "tool title, status and locations of wrong types", applies: isUpdate("tool_call", "tool_call_update"), apply: (p) => void Object.assign(p.params.update, { title: 5, status: "exploded", locations: "x", kind: 9, content: [null, 3, { text: "no type" }] }), malformed: false },
  { name: "usage of wrong types", applies: isUpdate("usage_update"), apply: (p) => void Object.assign(p.params.update, { used: "many", size: null, cost: { amount: "1", currency: 5 } }), malformed: false },
  { name: "title is a number", applies: isUpdate("session_info_update"), apply: (p) => void (p.params.update.title = 5), malformed: false },
  { name: "plan items of wrong types", applies: isUpdate("plan"), apply: (p) => void (p.params.update.entries = [null, 5, { content: 5, status: 7, priority: [] }]), malformed: false },
  { name: "message id is a number", applies: isUpdate("agent_message_chunk", "agent_thought_chunk"), apply: (p) => void (p.params.update.messageId = 5), malformed: false },
  { name: "content block of another type", applies: isUpdate("agent_message_chunk"), apply: (p) => void (p.params.update.content = { type: "image", mimeType: 5 }), malformed: false },
  { name: "prompt is not a list", applies: (p) => isRecord(p) && p.method === "session/prompt", apply: (p) => void (p.params = { prompt: "x", _meta: 5 }), malformed: false },
  { name: "permission options of wrong types", applies: (p) => isRecord(p) && p.method === "session/request_permission", apply: (p) => void (p.params = { toolCall: 5, options: [null, { optionId: 5 }] }), malformed: false },
  { name: "stop reason is a number", applies: (p) => isRecord(p) && isRecord(p.result) && "stopReason" in p.result, apply: (p) => void (p.result = { stopReason: 5, usage: "lots" }), malformed: false },
  { name: "error of wrong types", applies: (p) => isRecord(p) && "error" in p, apply: (p) => void (p.error = { code: {}, message: 5 }), malformed: false },
];

/** A change to the envelope. */
interface EnvelopeBreak {
  name: string;
  apply(event: Json): void;
  malformed: boolean;
  indexed: boolean;
}

const ENVELOPE_BREAKS: EnvelopeBreak[] = [
  ...[undefined, "7", 7.5, -1, null, true, {}, 2 ** 53].map((value) => ({
    name: `eventIndex ${JSON.stringify(value) ?? "missing"}`,
    apply: (e: Json) => void (value === undefined ? delete e.eventIndex : (e.eventIndex = value)),
    malformed: true,
    indexed: false,
  })),
  ...[undefined, "robot", "Agent", 1, null, ["agent"]].map((value) => ({
    name: `sender ${JSON.stringify(value) ?? "missing"}`,
    apply: (e: Json) => void (value === undefined ? delete e.sender : (e.sender = value)),
    malformed: true,
    indexed: true,
  })),
  ...[undefined, null, 42, "text", [], [{ jsonrpc: "2.0" }]].map((value) => ({
    name: `payload ${JSON.stringify(value) ?? "missing"}`,
    apply: (e: Json) => void (value === undefined ? delete e.payload : (e.payload = value)),
    malformed: true,
    indexed: true,
  })),
  // The rest of the envelope is the SDK's bookkeeping: the fold does not depend on it.
  ...(["id", "sessionId", "createdAt", "connectionId"] as const).flatMap((key) =>
    [undefined, null, {}, "soon", -5, Number.MAX_VALUE].map((value) => ({
      name: `${key} ${JSON.stringify(value) ?? "missing"}`,
      apply: (e: Json) => void (value === undefined ? delete e[key] : (e[key] = value)),
      malformed: false,
      indexed: true,
    })),
  ),
];

/** Where and how to break events: each picks a victim among the session's messages, by position. */
const payloadBreak = fc.record({ at: fc.nat(), how: fc.nat(PAYLOAD_BREAKS.length - 1) });
const envelopeBreak = fc.record({ at: fc.nat(), how: fc.nat(ENVELOPE_BREAKS.length - 1) });
/** Values that are not events at all; never objects with an `eventIndex`. */
const noise = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.anything({ maxDepth: 2 })).filter((value) => !(isRecord(value) && "eventIndex" in value));

interface Session {
  steps: Step[];
  payloadBreaks: Array<{ at: number; how: number }>;
  envelopeBreaks: Array<{ at: number; how: number }>;
  noise: unknown[];
}

const realistic: fc.Arbitrary<Session> = fc.array(step, { maxLength: 40, size: "medium" }).map((steps) => ({ steps, payloadBreaks: [], envelopeBreaks: [], noise: [] }));
const broken: fc.Arbitrary<Session> = fc.record({
  steps: fc.array(step, { minLength: 1, maxLength: 40, size: "medium" }),
  payloadBreaks: fc.array(payloadBreak, { maxLength: 6 }),
  envelopeBreaks: fc.array(envelopeBreak, { maxLength: 6 }),
  // Unique, so that even a primitive can be told apart from the others by value.
  noise: fc.uniqueArray(noise, { maxLength: 4, comparator: "SameValueZero" }),
});

/**
 * The session as the fold receives it: broken copies of some messages slotted in after their
 * original, noise at the end; eventIndex counts from 1 over the log, `createdAt` never goes back.
 */
function build(session: Session): Item[] {
  const drafts = draftsOf(session.steps);
  for (const { at, how } of session.payloadBreaks) {
    const candidates = drafts.filter((draft) => !draft.malformed && PAYLOAD_BREAKS[how].applies(draft.payload));
    if (candidates.length === 0) continue;
    const victim = candidates[at % candidates.length];
    const payload = structuredClone(victim.payload) as Json;
    PAYLOAD_BREAKS[how].apply(payload);
    drafts.splice(drafts.indexOf(victim) + 1, 0, { sender: victim.sender, payload, malformed: PAYLOAD_BREAKS[how].malformed });
  }
  const items: Item[] = drafts.map((draft, i) => ({
    event: { id: `evt_${i + 1}`, eventIndex: i + 1, sessionId: "ses_1", createdAt: 1767225600000 + i * 5, connectionId: "conn_1", sender: draft.sender, payload: draft.payload },
    malformed: draft.malformed,
    indexed: true,
  }));
  const broke = new Set<number>();
  for (const { at, how } of session.envelopeBreaks) {
    if (items.length === 0) break;
    const i = at % items.length;
    if (broke.has(i)) continue; // one break per event, so each event's class is known
    broke.add(i);
    const change = ENVELOPE_BREAKS[how];
    change.apply(items[i].event as Json);
    items[i] = { event: items[i].event, malformed: items[i].malformed || change.malformed, indexed: change.indexed };
  }
  // Messages arrive as JSON: plain objects and arrays, whatever the generator built them from.
  const wire = items.map((item) => ({ ...item, event: JSON.parse(JSON.stringify(item.event)) as unknown }));
  for (const value of session.noise) wire.push({ event: value, malformed: true, indexed: false });
  return wire.map((item) => ({ ...item, event: deepFreeze(item.event) }));
}

/** Frozen, so a fold that writes to its input fails loudly instead of changing history. */
function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<PropertyKey, unknown>)[key]);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// What is compared
// ---------------------------------------------------------------------------------------------

const indexOf = (event: unknown) => (isRecord(event) && typeof event.eventIndex === "number" ? event.eventIndex : JSON.stringify(event));

/** What a reader sees of a timeline: every entry's content, in order, the events each came from, and the summary. */
function snapshot(timeline: Timeline): unknown {
  return {
    summary: { ...timeline.summary },
    events: timeline.events.map(indexOf),
    entries: [...timeline.entries].map(({ rev: _rev, events, ...rest }) => ({ ...rest, events: events.map(indexOf) })),
  };
}

/** `items` in another order, some more than once (the same event, or a copy as read again from JSON), in batches of 1 to 4. */
function redeliver(items: Item[], keys: number[], duplicates: number[], batches: number[]): unknown[][] {
  const events = items.map((item) => item.event);
  const copies = duplicates.filter(() => events.length > 0).map((d, i) => (i % 2 ? events[d % events.length] : JSON.parse(JSON.stringify(events[d % events.length]))));
  const all = [...events, ...copies];
  const order = all.map((_, i) => i).sort((a, b) => (keys[a % Math.max(keys.length, 1)] ?? 0) - (keys[b % Math.max(keys.length, 1)] ?? 0) || a - b);
  const out: unknown[][] = [];
  for (let i = 0, b = 0; i < order.length; b++) {
    const size = batches.length ? batches[b % batches.length] : 1;
    out.push(order.slice(i, i + size).map((j) => all[j]));
    i += size;
  }
  return out;
}

/** Summary figures that must agree with the entries. */
function summaryAgrees(timeline: Timeline): void {
  const entries = [...timeline.entries];
  const summary = timeline.summary;
  assert.equal(summary.eventCount, timeline.events.length, "eventCount counts the events folded");
  assert.equal(summary.malformedCount, entries.filter((entry) => entry.type === "error" && entry.reason === "malformed").length, "malformedCount counts the malformed-event entries");
  assert.equal(summary.pendingPermissions, entries.filter((entry) => entry.type === "permission-request" && entry.status === "pending").length, "pendingPermissions counts the pending requests");
  assert.equal(new Set(entries.map((entry) => entry.id)).size, entries.length, "entry ids are unique");
}

/** The fold wrote to a frozen event if an entry says so. */
function wroteToInput(entries: Entry[]): string[] {
  return entries.filter((entry) => entry.type === "error" && /read[- ]only|not extensible|Cannot (?:add|delete|assign)/i.test(entry.message)).map((entry) => (entry as { message: string }).message);
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

describe("the fold, over generated sessions", () => {
  it("never throws, whatever it is given, all at once or one event at a time", () => {
    const envelopeish = fc.record(
      {
        eventIndex: fc.oneof(fc.nat(30), fc.anything({ maxDepth: 1 })),
        sender: fc.oneof(fc.constantFrom("client", "agent"), fc.anything({ maxDepth: 1 })),
        createdAt: fc.oneof(fc.integer(), fc.double(), fc.anything({ maxDepth: 1 })),
        payload: fc.oneof(
          fc.record(
            {
              jsonrpc: fc.constant("2.0"),
              id: fc.oneof(fc.nat(5), fc.string({ maxLength: 3 }), fc.anything({ maxDepth: 1 })),
              method: fc.oneof(fc.constantFrom(...KNOWN_METHODS, ...ODD_NAMES), fc.anything({ maxDepth: 1 })),
              params: fc.oneof(
                fc.record({ update: fc.oneof(fc.dictionary(fc.constantFrom("sessionUpdate", "content", "toolCallId", "entries", "title", "status", "rawInput", "locations", "availableCommands", "currentModeId", "configOptions", "used", "cost", "messageId"), fc.anything({ maxDepth: 2 })), fc.record({ sessionUpdate: fc.constantFrom(...KNOWN_UPDATES) }, { requiredKeys: ["sessionUpdate"] })) }, { requiredKeys: [] }),
                fc.record({ prompt: fc.anything({ maxDepth: 2 }), toolCall: fc.anything({ maxDepth: 2 }), options: fc.anything({ maxDepth: 2 }), _meta: fc.anything({ maxDepth: 3 }) }, { requiredKeys: [] }),
                fc.anything({ maxDepth: 2 }),
              ),
              result: fc.anything({ maxDepth: 3 }),
              error: fc.anything({ maxDepth: 2 }),
            },
            { requiredKeys: [] },
          ),
          fc.anything({ maxDepth: 2 }),
        ),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(envelopeish, fc.anything({ maxDepth: 2 })), { maxLength: 30 }), (raw) => {
        const events = raw.map(deepFreeze);
        const whole = new Timeline(events);
        const one = new Timeline();
        for (const event of events) one.add(event);
        // An event whose eventIndex an earlier one already had is a duplicate: ignored, by design.
        const seen = new Set<number>();
        const expected = events.filter((event) => {
          const index = isRecord(event) ? event.eventIndex : undefined;
          if (typeof index !== "number" || !Number.isSafeInteger(index) || index < 0) return true;
          if (seen.has(index)) return false;
          seen.add(index);
          return true;
        });
        for (const timeline of [whole, one]) {
          assert.equal(timeline.events.length, expected.length, "every event but a duplicate is folded");
          for (const event of expected) assert.ok(timeline.events.includes(event), "every event but a duplicate is in timeline.events");
          assert.deepEqual(wroteToInput([...timeline.entries]), []);
          summaryAgrees(timeline);
        }
      }),
      { numRuns: RUNS * 3 },
    );
  });

  it("drops no event: each is in timeline.events once and in some entry's events", () => {
    fc.assert(
      fc.property(fc.oneof(realistic, broken), (session) => {
        const items = build(session);
        const timeline = new Timeline(items.map((item) => item.event));
        const inEntries = new Set<unknown>();
        for (const entry of timeline.entries) for (const event of entry.events) inEntries.add(event);
        assert.equal(timeline.events.length, items.length, "every event is folded once");
        for (const item of items) {
          assert.equal(timeline.events.filter((event) => event === item.event).length, items.filter((other) => other.event === item.event).length, `${JSON.stringify(indexOf(item.event))} is in timeline.events`);
          assert.ok(inEntries.has(item.event), `event ${JSON.stringify(indexOf(item.event))} is reflected in an entry`);
        }
        const indexed = new Set(items.filter((item) => item.indexed).map((item) => item.event));
        const indices = timeline.events.filter((event) => indexed.has(event)).map((event) => (event as Json).eventIndex as number);
        assert.deepEqual(indices, [...indices].sort((a, b) => a - b), "events are kept in eventIndex order");
        assert.deepEqual(wroteToInput([...timeline.entries]), []);
        summaryAgrees(timeline);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it("shows an unreadable event as a malformed-event error entry, and only those", () => {
    fc.assert(
      fc.property(broken, (session) => {
        const items = build(session);
        const timeline = new Timeline(items.map((item) => item.event));
        const reported = [...timeline.entries].filter((entry) => entry.type === "error" && entry.reason === "malformed").map((entry) => entry.events[0]);
        for (const item of items) {
          const shown = reported.filter((event) => event === item.event).length;
          const times = items.filter((other) => other.event === item.event).length;
          const what = JSON.stringify(item.event)?.slice(0, 300);
          if (item.malformed) assert.equal(shown, times, `reported as malformed: ${what}`);
          else assert.equal(shown, 0, `not reported as malformed: ${what}`);
        }
        assert.equal(timeline.summary.malformedCount, items.filter((item) => item.malformed).length);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it("depends on the set of events only: any order, with duplicates, in any batches, gives the in-order timeline", () => {
    const orderings = fc.record({
      keys: fc.array(fc.integer(), { minLength: 1, maxLength: 120 }),
      duplicates: fc.array(fc.nat(), { maxLength: 8 }),
      batches: fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 5 }),
    });
    fc.assert(
      fc.property(fc.oneof(realistic, broken), orderings, (session, { keys, duplicates, batches }) => {
        // Events without a usable eventIndex are placed where they arrive: their order is theirs.
        const items = build(session).filter((item) => item.indexed);
        const reference = snapshot(new Timeline(items.map((item) => item.event)));
        const timeline = new Timeline();
        for (const batch of redeliver(items, keys, duplicates, batches)) {
          if (batch.length === 1) timeline.add(batch[0]);
          else timeline.addAll(batch);
        }
        assert.deepStrictEqual(snapshot(timeline), reference);
      }),
      { numRuns: RUNS },
    );
  });

  it("keeps entries in the order things happened: each where it began, a latest-wins entry where its latest version came", () => {
    fc.assert(
      fc.property(fc.oneof(realistic, broken), (session) => {
        const timeline = new Timeline(build(session).map((item) => item.event));
        const position = new Map(timeline.events.map((event, i) => [event, i]));
        const entries = [...timeline.entries];
        for (const type of LATEST_TYPES) assert.ok(entries.filter((entry) => entry.type === type).length <= 1, `one ${type} entry at most`);
        const anchors = entries.map((entry) => position.get(LATEST_TYPES.has(entry.type) ? entry.events.at(-1) : entry.events[0])!);
        for (let i = 1; i < entries.length; i++) {
          assert.ok(anchors[i - 1] <= anchors[i], `${entries[i - 1].type} (event #${anchors[i - 1] + 1}) comes before ${entries[i].type} (event #${anchors[i] + 1})`);
        }
      }),
      // Found by this property: something logged between session/new and its result.
      { numRuns: RUNS * 2, examples: [[{ steps: [{ kind: "new" }], payloadBreaks: [{ at: 0, how: 0 }], envelopeBreaks: [], noise: [] }]] },
    );
  });

  it("starts a new message when an update of another kind comes between two chunks", () => {
    const other = fc.oneof(fc.constantFrom("plan", "usage_update", "session_info_update", "tool_call", ...ODD_NAMES), fc.string({ maxLength: 10 }).filter((type) => !KNOWN_UPDATES.has(type)));
    fc.assert(
      fc.property(other, fc.constantFrom("agent_message_chunk", "agent_thought_chunk"), (type, chunk) => {
        const fields: Record<string, unknown> = { plan: { entries: [] }, usage_update: { used: 1, size: 2 }, session_info_update: { title: "t" }, tool_call: { toolCallId: "t1", title: "Read" } }[type] ?? {};
        const payload = (update: Record<string, unknown>) => ({ jsonrpc: "2.0", method: "session/update", params: { sessionId: "s", update } });
        const events = [
          { sessionUpdate: chunk, content: { type: "text", text: "before" } },
          { sessionUpdate: type, ...fields },
          { sessionUpdate: chunk, content: { type: "text", text: "after" } },
        ].map((update, i) => ({ id: `evt_${i + 1}`, eventIndex: i + 1, sessionId: "ses", createdAt: 1, connectionId: "c", sender: "agent", payload: payload(update) }));
        const messages = [...new Timeline(events).entries].filter((entry) => entry.type === (chunk === "agent_message_chunk" ? "agent-message" : "agent-thought"));
        assert.equal(messages.length, 2, `a ${JSON.stringify(type)} update between two chunks splits the message`);
      }),
      { numRuns: RUNS, examples: [["constructor", "agent_message_chunk"]] },
    );
  });
});

describe("the fold's record of what it holds", () => {
  const chunk = (eventIndex: number) => ({
    id: `evt_${eventIndex}`,
    eventIndex,
    sessionId: "s",
    createdAt: eventIndex,
    connectionId: "c",
    sender: "agent",
    payload: { jsonrpc: "2.0", method: "session/update", params: { sessionId: "s", update: { sessionUpdate: "agent_message_chunk", content: { type: "text", text: `${eventIndex} ` } } } },
  });

  it("knows which indices it holds and up to where nothing is missing, whatever order they come in", () => {
    fc.assert(
      fc.property(
        // Indices as they arrive (repeats included), in batches, with the history trimmed up to some index at some point.
        fc.array(fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 8 }), { maxLength: 12 }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 12 }),
        (batches, trimmedThrough, trimAt) => {
          const timeline = new Timeline();
          const held = new Set<number>();
          let skipped = 0;
          batches.forEach((batch, i) => {
            if (i === trimAt) timeline.skipTo((skipped = trimmedThrough));
            if (batch.length === 1) timeline.add(chunk(batch[0]));
            else timeline.addAll(batch.map(chunk));
            for (const index of batch) held.add(index);
          });
          for (let index = 0; index <= 41; index++) assert.equal(timeline.has(index), held.has(index), `has(${index})`);
          let contiguous = 0;
          while (held.has(contiguous + 1) || contiguous + 1 <= skipped) contiguous++;
          assert.equal(timeline.contiguousIndex, contiguous);
          assert.deepEqual(
            timeline.events.map((event) => (event as { eventIndex: number }).eventIndex),
            [...held].sort((a, b) => a - b),
          );
        },
      ),
      // Trimmed up to just below the first event held, with a later one waiting apart.
      { numRuns: RUNS, examples: [[[[5], [10]], 4, 2]] },
    );
  });
});

describe("the fold, on huge fields", () => {
  const envelope = (eventIndex: number, update: Record<string, unknown>) => ({
    id: `evt_${eventIndex}`,
    eventIndex,
    sessionId: "ses_huge",
    createdAt: 1767225600000 + eventIndex,
    connectionId: "conn_1",
    sender: "agent" as const,
    payload: { jsonrpc: "2.0", method: "session/update", params: { sessionId: "s", update } },
  });

  it("keeps a 5 MB agent_message_chunk whole, in one message", () => {
    const huge = "lorem ipsum dolor sit amet, `code` and **bold**\n\n".repeat(Math.ceil((5 * 1024 * 1024) / 48)).slice(0, 5 * 1024 * 1024);
    const timeline = new Timeline([
      envelope(1, { sessionUpdate: "agent_message_chunk", content: { type: "text", text: "" } }),
      envelope(2, { sessionUpdate: "agent_message_chunk", content: { type: "text", text: huge } }),
      envelope(3, { sessionUpdate: "agent_message_chunk", content: { type: "text", text: " end" } }),
    ]);
    const messages = [...timeline.entries].filter((entry) => entry.type === "agent-message");
    assert.equal(messages.length, 1);
    const parts = messages[0].type === "agent-message" ? messages[0].parts : [];
    assert.equal(parts.map((part) => (part.kind === "text" ? part.text : "")).join(""), `${huge} end`);
    assert.equal(timeline.summary.malformedCount, 0);
  });

  it("keeps a plan of 100,000 entries, with its progress", () => {
    const entries = Array.from({ length: 100_000 }, (_, i) => ({ content: `Step ${i}`, priority: "medium", status: i % 4 === 0 ? "completed" : "pending" }));
    const timeline = new Timeline([envelope(1, { sessionUpdate: "plan", entries: entries.slice(0, 10) }), envelope(2, { sessionUpdate: "plan", entries })]);
    const plans = [...timeline.entries].filter((entry) => entry.type === "plan");
    assert.equal(plans.length, 1);
    const plan = plans[0].type === "plan" ? plans[0] : undefined;
    assert.equal(plan?.entries.length, 100_000);
    assert.equal(plan?.completed, 25_000);
    assert.equal(plan?.versions, 2);
    assert.equal(plan?.entries[99_999].content, "Step 99999");
  });
});
