/**
 * The demo ACP agent: a scripted stand-in for Claude Code's ACP adapter, run by the sandbox-agent
 * daemon in its `mock` slot (see demo/daemon.ts). It speaks newline-delimited JSON-RPC on
 * stdin/stdout and behaves like the real adapter did when recorded through the daemon:
 *
 * - `session/new` answers with `modes`, `configOptions` (mode, model, thinking) and an extra
 *   `models` field, then sends `available_commands_update`. The first prompt sends a
 *   `session_info_update` whose title comes from the prompt.
 * - Thinking and text blocks each open with an empty chunk; no chunk carries a message id.
 * - Tool calls are announced before their input (`rawInput: {}`, a generic title, `pending`); the
 *   input arrives in a second `tool_call` with the same id (Read) or in a `tool_call_update`
 *   (Terminal); one update carries only `_meta`; `in_progress` is optional; the last update is
 *   `completed` or `failed` with `content` and `rawOutput`.
 * - Edits ask `session/request_permission` first (Always Allow / Allow / Reject). Rejecting fails
 *   the tool call and still ends the turn with `end_turn`; a `cancelled` outcome stops the turn.
 * - `session/cancel` stops the turn at the next chunk (mid-sentence) with stopReason `cancelled`.
 * - `usage_update` carries `used`, `size`, `cost`; the prompt result carries token `usage`; one
 *   more `usage_update` lands just after the prompt result.
 *
 * The prompt's text picks a scenario (see SCENARIOS): anything that is not a command below runs the
 * default turn.
 *
 *   (anything else)      the full turn: thinking, plan, text, Read, Terminal, Edit (asks permission),
 *                        mode switch, usage
 *   /firehose N [size] [every] [after]   N agent_message_chunk events as fast as possible (or
 *                        one every `every` ms), `after` ms after the prompt came, then end_turn;
 *                        each chunk's `_meta` holds its index and send time (FIREHOSE_META)
 *   /long N              one long markdown message in N chunks (the empty opener included)
 *   /slow MS             the default turn with MS ms between chunks
 *   /permission          only the permission round (an Edit tool call), then end_turn
 *   /error               the prompt fails with a JSON-RPC error
 *   /refusal             a short reply, then stopReason `refusal`
 *   /max-tokens          a reply cut mid-sentence, then stopReason `max_tokens`
 *   /exit                the agent process exits (code 1) mid-turn, like a crash
 *   /echo [text]         echoes the prompt as `user_message_chunk`, then a short reply
 *   /question            asks the room a question (`elicitation/create`, a form) if the client
 *                        advertised `elicitation.form`, then replies with the answer; says so if not
 *
 * Pacing: DEMO_AGENT_DELAY_MS is the mean delay between chunks (default 10; 0 = as fast as
 * possible, for tests). Pauses that stand for tool work scale with it.
 */
import { randomUUID } from "node:crypto";
import { realpathSync } from "node:fs";
import { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import * as acp from "@agentclientprotocol/sdk";
import type {
  AvailableCommand,
  ClientCapabilities,
  ContentBlock,
  CreateElicitationResponse,
  ElicitationSchema,
  PlanEntry,
  PromptResponse,
  RequestPermissionOutcome,
  SessionModeState,
  SessionUpdate,
  ToolCallContent,
} from "@agentclientprotocol/sdk";
// Shared with the recorded fixture, so the live demo and the tests tell the same story.
import {
  configOptions,
  FIREHOSE_META,
  FIXED,
  INTRO,
  lines,
  longMarkdown,
  MIDDLEWARE_HEAD,
  MIDDLEWARE_NEW,
  MIDDLEWARE_OLD,
  MIDDLEWARE_REL,
  MODELS,
  MODES,
  PERMISSION_OPTIONS,
  plan,
  rejectedUpdate,
  ROOT_CAUSE,
  testOutput,
  THOUGHT,
} from "./material.js";

// ---------------------------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------------------------

export interface Scenario {
  /** The command that starts the prompt text, or "" for the default turn. */
  command: string;
  usage: string;
  description: string;
}

export const SCENARIOS: readonly Scenario[] = [
  {
    command: "",
    usage: "(any other text)",
    description:
      "The full turn: thinking, plan, text blocks, a Read, a Terminal run and an Edit that asks permission; usage at the end.",
  },
  {
    command: "/firehose",
    usage: "/firehose N [size] [every] [after]",
    description:
      "N agent_message_chunk events as fast as possible or one every `every` ms, beginning `after` ms after the prompt (text `chunk <i> `, or `size` characters; 0 keeps the default), each with its index and send time in `_meta`.",
  },
  { command: "/long", usage: "/long N", description: "One long markdown message in N chunks, the empty opener included." },
  { command: "/tools", usage: "/tools N", description: "N Read tool calls, each done at once, as fast as possible: a transcript of N entries and more." },
  { command: "/slow", usage: "/slow MS", description: "The default turn with MS ms between chunks." },
  {
    command: "/permission",
    usage: "/permission [toolCallId]",
    description: "Only the permission round: an Edit tool call that asks first (with this tool call id, reused as some agents do, when given).",
  },
  { command: "/error", usage: "/error", description: "The prompt fails with a JSON-RPC error (-32603)." },
  { command: "/refusal", usage: "/refusal", description: "A short reply, then stopReason `refusal`." },
  { command: "/max-tokens", usage: "/max-tokens", description: "A reply cut mid-sentence, then stopReason `max_tokens`." },
  { command: "/exit", usage: "/exit", description: "The agent process exits with code 1 mid-turn, like a crash." },
  { command: "/echo", usage: "/echo [text]", description: "Echoes the prompt as user_message_chunk, then a short reply." },
  {
    command: "/question",
    usage: "/question",
    description: "Asks the room a question (a form: a colour to pick, a reason, a yes/no) if the client can show one, then replies with the answer.",
  },
];

export const DEFAULT_DELAY_MS = 10;

// ---------------------------------------------------------------------------------------------
// What the session offers (mirrors Claude Code's adapter)
// ---------------------------------------------------------------------------------------------

/** Names carry no leading slash, as the adapter sends them. */
const COMMANDS: AvailableCommand[] = [
  ...SCENARIOS.filter((s) => s.command).map((s) => {
    const hint = s.usage.split(" ").slice(1).join(" ");
    return { name: s.command.slice(1), description: `Demo: ${s.description}`, input: hint ? { hint } : null };
  }),
  { name: "review", description: "Review a pull request", input: { hint: "[pr number or branch]" } },
  { name: "compact", description: "Clear conversation history but keep a summary in context", input: { hint: "<optional custom summarization instructions>" } },
];

const CONTEXT_SIZE = 200_000;

interface SessionState {
  id: string;
  cwd: string;
  modeId: string;
  modelId: string;
  thinking: boolean;
  commandsSent: boolean;
  titled: boolean;
  /** Aborted by `session/cancel`; set while a prompt runs. */
  turn: AbortController | null;
  /** Context tokens used and dollars spent so far, growing each turn. */
  used: number;
  cost: number;
}

const sessions = new Map<string, SessionState>();

/** What the client said it can do, in `initialize` (one client per agent process). */
let clientCapabilities: ClientCapabilities | undefined;

function modeState(s: SessionState): SessionModeState {
  return { currentModeId: s.modeId, availableModes: MODES };
}

function requireSession(sessionId: string): SessionState {
  const s = sessions.get(sessionId);
  if (!s) throw acp.RequestError.invalidParams({ sessionId }, `unknown session ${sessionId}`);
  return s;
}

// ---------------------------------------------------------------------------------------------
// Pacing and cancellation
// ---------------------------------------------------------------------------------------------

/** Thrown inside a turn once `session/cancel` arrived; the prompt then answers `cancelled`. */
class Cancelled extends Error {}

class Pacer {
  private calls = 0;
  constructor(
    /** Mean ms between chunks; 0 = no waiting at all. */
    readonly chunkMs: number,
    private readonly signal: AbortSignal,
  ) {}

  /** The gap between two chunks: the mean ±50%, so the stream looks like a model's. */
  chunk(): Promise<void> {
    return this.sleep(this.chunkMs * (0.5 + Math.random()));
  }

  /** A pause standing for work (a tool running, the model thinking), scaled with the pacing. */
  pause(msAtDefaultPace: number): Promise<void> {
    return this.sleep((msAtDefaultPace * this.chunkMs) / DEFAULT_DELAY_MS);
  }

  private async sleep(ms: number): Promise<void> {
    if (this.signal.aborted) throw new Cancelled();
    if (ms <= 0) {
      // Without an occasional macrotask an unpaced turn never reads stdin, and a `session/cancel`
      // would only be seen once the turn had ended.
      if (++this.calls % 64 === 0) await new Promise((r) => setImmediate(r));
    } else {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.signal.removeEventListener("abort", done);
          resolve();
        };
        const timer = setTimeout(done, ms);
        this.signal.addEventListener("abort", done, { once: true });
      });
    }
    if (this.signal.aborted) throw new Cancelled();
  }
}

function readDelay(): number {
  const raw = process.env.DEMO_AGENT_DELAY_MS;
  const value = raw === undefined || raw.trim() === "" ? NaN : Number(raw);
  return Number.isFinite(value) && value >= 0 ? value : DEFAULT_DELAY_MS;
}

/** Everything a scenario needs: where to send, when to stop, how fast to go. */
class Turn {
  constructor(
    readonly session: SessionState,
    readonly client: acp.AgentContext,
    readonly signal: AbortSignal,
    readonly pace: Pacer,
  ) {}

  async send(update: SessionUpdate): Promise<void> {
    if (this.signal.aborted) throw new Cancelled();
    await this.client.notify(acp.methods.client.session.update, { sessionId: this.session.id, update });
  }

  /** One thinking or text block: an empty opener, then small chunks. */
  async block(kind: "agent_message_chunk" | "agent_thought_chunk", text: string): Promise<void> {
    for (const piece of ["", ...chunks(text)]) {
      if (piece) await this.pace.chunk();
      await this.send({ sessionUpdate: kind, content: { type: "text", text: piece } });
    }
  }

  async plan(entries: PlanEntry[]): Promise<void> {
    await this.send({ sessionUpdate: "plan", entries });
  }

  /** Asks the client; a `session/cancel` meanwhile wins even if the answer never comes. */
  async askPermission(toolCall: acp.RequestPermissionRequest["toolCall"]): Promise<RequestPermissionOutcome> {
    const answer = this.client.request(acp.methods.client.session.requestPermission, {
      sessionId: this.session.id,
      toolCall,
      options: PERMISSION_OPTIONS,
    });
    const cancelled = new Promise<never>((_, reject) => {
      if (this.signal.aborted) reject(new Cancelled());
      this.signal.addEventListener("abort", () => reject(new Cancelled()), { once: true });
    });
    const { outcome } = await Promise.race([answer, cancelled]);
    return outcome;
  }

  /** Asks the client a question (a form); a `session/cancel` meanwhile wins even if the answer never comes. */
  async ask(message: string, requestedSchema: ElicitationSchema): Promise<CreateElicitationResponse> {
    const answer = this.client.request(acp.methods.client.elicitation.create, { sessionId: this.session.id, mode: "form", message, requestedSchema });
    const cancelled = new Promise<never>((_, reject) => {
      if (this.signal.aborted) reject(new Cancelled());
      this.signal.addEventListener("abort", () => reject(new Cancelled()), { once: true });
    });
    return Promise.race([answer, cancelled]);
  }

  /** Grows the context and the bill, and reports both as Claude's adapter does. */
  async usage(inputTokens: number, outputTokens: number): Promise<PromptResponse> {
    const s = this.session;
    s.used += inputTokens + outputTokens;
    s.cost += inputTokens * 3e-6 + outputTokens * 15e-6;
    await this.send({ sessionUpdate: "usage_update", ...usageNow(s) });
    return endTurn("end_turn", inputTokens, outputTokens);
  }
}

function usageNow(s: SessionState) {
  return { used: s.used, size: CONTEXT_SIZE, cost: { amount: Math.round(s.cost * 1e4) / 1e4, currency: "USD" } };
}

/** The prompt result with token `usage` (an unstable ACP field, hence the cast). */
function endTurn(stopReason: PromptResponse["stopReason"], inputTokens: number, outputTokens: number): PromptResponse {
  const cachedReadTokens = Math.floor(inputTokens * 0.8);
  return {
    stopReason,
    usage: { inputTokens, outputTokens, cachedReadTokens, totalTokens: inputTokens + outputTokens },
  } as PromptResponse;
}

/** Random split into 2..16-character pieces, never inside a surrogate pair. */
function chunks(text: string): string[] {
  const chars = Array.from(text);
  const out: string[] = [];
  for (let i = 0; i < chars.length; ) {
    const size = 2 + Math.floor(Math.random() * 15);
    out.push(chars.slice(i, i + size).join(""));
    i += size;
  }
  return out;
}

/** Exactly `count` non-empty pieces, cut anywhere (inside fences and tables too). */
function splitInto(text: string, count: number): string[] {
  const chars = Array.from(text);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    out.push(chars.slice(Math.floor((i * chars.length) / count), Math.floor(((i + 1) * chars.length) / count)).join(""));
  }
  return out;
}

function toolCallId(): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  let id = "toolu_01";
  for (let i = 0; i < 22; i++) id += alphabet[Math.floor(Math.random() * alphabet.length)];
  return id;
}

// ---------------------------------------------------------------------------------------------
// The default turn's material: a flaky auth test in the session's working directory (material.ts)
// ---------------------------------------------------------------------------------------------

// Unlike the fixture's turn, this one goes on to edit without waiting for a reply (the permission
// request asks instead), and sums up rather than re-running the suite.
const ROOT_CAUSE_THEN_FIX = lines(ROOT_CAUSE, "", "I'll make the clock injectable so the test can pin it.");
const LAST_STEP = "Summarize the fix";

const REJECTED_TEXT = "Understood, I left `src/auth/middleware.ts` unchanged. Tell me if you want a different fix.";

// ---------------------------------------------------------------------------------------------
// The default turn, one function per step
// ---------------------------------------------------------------------------------------------

async function defaultTurn(t: Turn): Promise<PromptResponse> {
  await t.pace.pause(150); // time to first token
  if (t.session.thinking) await t.block("agent_thought_chunk", THOUGHT);
  await t.plan(plan(0, 0, LAST_STEP));
  await t.block("agent_message_chunk", INTRO);
  await readTool(t);
  await t.plan(plan(1, 1, LAST_STEP));
  await terminalTool(t);
  await t.plan(plan(2, 2, LAST_STEP));
  await t.block("agent_message_chunk", ROOT_CAUSE_THEN_FIX);
  const outcome = await editTool(t);
  if (outcome === "cancelled") return endTurn("cancelled", 0, 0);
  if (outcome === "rejected") {
    await t.block("agent_message_chunk", REJECTED_TEXT);
    return t.usage(9_800, 120);
  }
  await t.plan(plan(3, 3, LAST_STEP));
  await t.block("agent_message_chunk", FIXED);
  await t.plan(plan(4, -1, LAST_STEP));
  return t.usage(15_210, 1_187);
}

/** Read, in the adapter style that sends a SECOND `tool_call` (same id) with the real input. */
async function readTool(t: Turn): Promise<void> {
  const id = toolCallId();
  const path = `${t.session.cwd}/${MIDDLEWARE_REL}`;
  await t.send({ sessionUpdate: "tool_call", toolCallId: id, title: "Read", kind: "read", status: "pending", rawInput: {} });
  await t.send({
    sessionUpdate: "tool_call",
    toolCallId: id,
    title: `Read ${MIDDLEWARE_REL}`,
    kind: "read",
    status: "pending",
    rawInput: { file_path: path },
    locations: [{ path, line: 1 }],
  });
  // Nothing but agent-specific extras.
  await t.send({ sessionUpdate: "tool_call_update", toolCallId: id, _meta: { claudeCode: { toolName: "Read" } } });
  await t.pace.pause(120);
  const source = `${MIDDLEWARE_HEAD}\n${MIDDLEWARE_OLD}\n`;
  const numLines = source.split("\n").length - 1;
  // No `in_progress`: straight from pending to completed.
  await t.send({
    sessionUpdate: "tool_call_update",
    toolCallId: id,
    status: "completed",
    content: [{ type: "content", content: { type: "text", text: "```ts\n" + source + "```" } }],
    rawOutput: { type: "text", file: { filePath: path, content: source, numLines, startLine: 1, totalLines: numLines } },
  });
}

/** Terminal, in the adapter style that sends the real input in a `tool_call_update`. */
async function terminalTool(t: Turn): Promise<void> {
  const id = toolCallId();
  const command = "npm test -- auth";
  await t.pace.pause(80);
  await t.send({ sessionUpdate: "tool_call", toolCallId: id, title: "Terminal", kind: "execute", status: "pending", rawInput: {} });
  await t.send({
    sessionUpdate: "tool_call_update",
    toolCallId: id,
    title: "`" + command + "`", // markdown in a title
    status: "in_progress",
    rawInput: { command, description: "Run the auth tests" },
  });
  await t.pace.pause(400);
  const stdout = testOutput(t.session.cwd);
  await t.send({
    sessionUpdate: "tool_call_update",
    toolCallId: id,
    status: "completed", // the command ran; the tests failed (exitCode 1)
    content: [{ type: "content", content: { type: "text", text: "```console\n" + stdout + "\n```" } }],
    rawOutput: { exitCode: 1, stdout, stderr: "", interrupted: false },
  });
}

type EditOutcome = "applied" | "rejected" | "cancelled";

/** Edit: announced, then permission, then the diff (or a failure if rejected). */
async function editTool(t: Turn, id = toolCallId()): Promise<EditOutcome> {
  const path = `${t.session.cwd}/${MIDDLEWARE_REL}`;
  const rawInput = { file_path: path, old_string: MIDDLEWARE_OLD, new_string: MIDDLEWARE_NEW };
  await t.send({ sessionUpdate: "tool_call", toolCallId: id, title: "Edit", kind: "edit", status: "pending", rawInput: {} });
  const outcome = await t.askPermission({
    toolCallId: id,
    title: `Edit ${MIDDLEWARE_REL}`,
    kind: "edit",
    rawInput,
    content: [{ type: "diff", path, oldText: MIDDLEWARE_OLD, newText: MIDDLEWARE_NEW }],
    locations: [{ path }],
  });
  if (outcome.outcome === "cancelled") {
    await t.send({ sessionUpdate: "tool_call_update", toolCallId: id, status: "failed", rawOutput: { error: "cancelled" } });
    return "cancelled";
  }
  const option = PERMISSION_OPTIONS.find((o) => o.optionId === outcome.optionId);
  if (!option || option.kind.startsWith("reject")) {
    await t.send(rejectedUpdate(id));
    return "rejected";
  }
  await t.pace.pause(60);
  const content: ToolCallContent[] = [{ type: "diff", path, oldText: MIDDLEWARE_OLD, newText: MIDDLEWARE_NEW }];
  await t.send({
    sessionUpdate: "tool_call_update",
    toolCallId: id,
    status: "completed",
    title: `Edit ${MIDDLEWARE_REL}`,
    rawInput,
    content,
    locations: [{ path, line: 4 }],
    rawOutput: { filePath: path, structuredPatch: [{ oldStart: 4, oldLines: 12, newStart: 4, newLines: 20 }] },
  });
  // Having edited once, the agent moves on to accepting edits by itself, as the adapter does after
  // "Always Allow"; the `mode` config option follows in a full-list update.
  if (t.session.modeId === "default") await switchMode(t.session, t.client, "acceptEdits");
  return "applied";
}

async function switchMode(s: SessionState, client: acp.AgentContext, modeId: string): Promise<void> {
  s.modeId = modeId;
  const notify = (update: SessionUpdate) =>
    client.notify(acp.methods.client.session.update, { sessionId: s.id, update });
  await notify({ sessionUpdate: "current_mode_update", currentModeId: modeId });
  await notify({ sessionUpdate: "config_option_update", configOptions: configOptions(s) });
}

// ---------------------------------------------------------------------------------------------
// The other scenarios
// ---------------------------------------------------------------------------------------------

/** As fast as the pipe goes (or one chunk every `everyMs`): no empty opener; `_meta` says when each chunk left. */
async function firehose(t: Turn, count: number, size: number | undefined, everyMs = 0, afterMs = 0): Promise<PromptResponse> {
  if (afterMs > 0) await new Promise((r) => setTimeout(r, afterMs));
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    if (t.signal.aborted) return endTurn("cancelled", 1_000, i);
    if (everyMs > 0) {
      // On a schedule, not a fixed sleep: timer lateness does not pile up.
      const due = start + i * everyMs - performance.now();
      await new Promise((r) => setTimeout(r, Math.max(0, due)));
    } else if (i % 256 === 255) {
      await new Promise((r) => setImmediate(r)); // let a cancel in
    }
    let text = `chunk ${i} `;
    if (size !== undefined) text = text.padEnd(size, "lorem ipsum dolor sit amet ").slice(0, size);
    await t.send({
      sessionUpdate: "agent_message_chunk",
      content: { type: "text", text },
      _meta: { [FIREHOSE_META.sentAt]: performance.timeOrigin + performance.now(), [FIREHOSE_META.index]: i },
    });
  }
  return endTurn("end_turn", 1_000, count);
}

async function manyTools(t: Turn, count: number): Promise<PromptResponse> {
  for (let i = 0; i < count; i++) {
    if (t.signal.aborted) return endTurn("cancelled", 1_000, i);
    if (i % 64 === 63) await new Promise((r) => setImmediate(r)); // let a cancel in
    const path = `src/file-${i}.ts`;
    await t.send({ sessionUpdate: "tool_call", toolCallId: toolCallId(), title: `Read ${path}`, kind: "read", status: "completed", rawInput: { file_path: path }, locations: [{ path }] });
  }
  return endTurn("end_turn", 1_000, count);
}

async function longMessage(t: Turn, count: number): Promise<PromptResponse> {
  const pieces = Math.max(1, count - 1); // the empty opener counts as one chunk
  const text = longMarkdown(pieces * 12);
  await t.pace.pause(150);
  await t.send({ sessionUpdate: "agent_message_chunk", content: { type: "text", text: "" } });
  // A long answer streams faster than a short one: a quarter of the usual gap.
  const fast = new Pacer(t.pace.chunkMs / 4, t.signal);
  for (const piece of splitInto(text, pieces)) {
    await fast.chunk();
    await t.send({ sessionUpdate: "agent_message_chunk", content: { type: "text", text: piece } });
  }
  return t.usage(25_940, Math.ceil(text.length / 4));
}

async function permissionOnly(t: Turn, id?: string): Promise<PromptResponse> {
  const outcome = await editTool(t, id || undefined);
  if (outcome === "cancelled") return endTurn("cancelled", 0, 0);
  return t.usage(4_000, outcome === "applied" ? 300 : 20);
}

async function failing(t: Turn): Promise<never> {
  await t.block("agent_thought_chunk", "Let me look at that.");
  await t.pace.pause(100);
  throw acp.RequestError.internalError(
    { scenario: "/error", retryable: true },
    "the model provider returned 529 overloaded (simulated by the demo agent's /error)",
  );
}

async function refusal(t: Turn): Promise<PromptResponse> {
  await t.block("agent_message_chunk", "I can't help with that request.");
  return endTurn("refusal", 2_000, 12);
}

async function maxTokens(t: Turn): Promise<PromptResponse> {
  await t.block(
    "agent_message_chunk",
    lines("Here is the full migration plan:", "", "1. Replace `jwt.verify` with `jose.jwtVerify` in `src/auth/tokens.ts`, which means the"),
  );
  return endTurn("max_tokens", 3_000, 4_096);
}

/** Streams a few chunks, then dies without answering: what a crashed adapter looks like. */
async function crash(t: Turn): Promise<never> {
  await t.block("agent_message_chunk", "Starting on it: first I'll check the");
  process.exit(1);
}

async function echo(t: Turn, prompt: ContentBlock[]): Promise<PromptResponse> {
  for (const block of prompt) await t.send({ sessionUpdate: "user_message_chunk", content: block });
  const text = promptText(prompt).replace(/^\/echo\s*/, "");
  await t.block("agent_message_chunk", text ? `You said: ${text}` : "You said nothing.");
  return endTurn("end_turn", 500, 10);
}

/** The demo's question: one choice, a free text and a yes/no. */
export const QUESTION_SCHEMA: ElicitationSchema = {
  type: "object",
  title: "Status badge",
  properties: {
    color: { type: "string", title: "Colour", description: "The badge's background.", enum: ["teal", "amber", "violet"] },
    reason: { type: "string", title: "Why this one?", maxLength: 200 },
    darkMode: { type: "boolean", title: "Use it in dark mode too", default: true },
  },
  required: ["color"],
};

/** Asks the room, if the client can show a form, and replies with what it answered. */
async function question(t: Turn): Promise<PromptResponse> {
  if (!clientCapabilities?.elicitation?.form) {
    await t.block("agent_message_chunk", "I wanted to ask which colour the status badge should be, but this client did not advertise `elicitation.form`: it cannot show me a form. I'll keep the current colour.");
    return endTurn("end_turn", 500, 40);
  }
  await t.block("agent_message_chunk", "Before I repaint the status badge, one question for the room.");
  const answer = await t.ask("Which colour should the **status badge** be?", QUESTION_SCHEMA);
  if (answer.action === "cancel") return endTurn("cancelled", 0, 0);
  if (answer.action !== "accept") {
    await t.block("agent_message_chunk", "Understood, I'll keep the current colour.");
    return endTurn("end_turn", 800, 20);
  }
  const content = (answer as { content?: Record<string, unknown> | null }).content ?? {};
  const reason = typeof content.reason === "string" && content.reason ? ` because “${content.reason}”` : "";
  const dark = content.darkMode === false ? ", in light mode only" : ", in dark mode too";
  await t.block("agent_message_chunk", `Going with **${String(content.color)}**${reason}${dark}. (Answer received: \`${JSON.stringify(content)}\`)`);
  return endTurn("end_turn", 1_200, 60);
}

// ---------------------------------------------------------------------------------------------
// Dispatch
// ---------------------------------------------------------------------------------------------

/** The SDK prepends the session's history as a text block when it resumes into a new agent session. */
const REPLAY_PREFIX = "Previous session history is replayed below";

function promptText(prompt: ContentBlock[]): string {
  return prompt
    .map((b) => (b.type === "text" && !b.text.startsWith(REPLAY_PREFIX) ? b.text : ""))
    .join("\n")
    .trim();
}

function intArg(value: string | undefined, fallback: number): number {
  const n = Number.parseInt(value ?? "", 10);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}

function runScenario(t: Turn, prompt: ContentBlock[]): Promise<PromptResponse> {
  const [command, ...args] = promptText(prompt).split(/\s+/);
  switch (command) {
    case "/firehose":
      return firehose(t, intArg(args[0], 1000), intArg(args[1], 0) > 0 ? intArg(args[1], 10) : undefined, intArg(args[2], 0), intArg(args[3], 0));
    case "/long":
      return longMessage(t, Math.max(2, intArg(args[0], 400)));
    case "/tools":
      return manyTools(t, intArg(args[0], 100));
    case "/slow":
      return defaultTurn(new Turn(t.session, t.client, t.signal, new Pacer(intArg(args[0], 200), t.signal)));
    case "/permission":
      return permissionOnly(t, args[0]);
    case "/error":
      return failing(t);
    case "/refusal":
      return refusal(t);
    case "/max-tokens":
      return maxTokens(t);
    case "/exit":
      return crash(t);
    case "/echo":
      return echo(t, prompt);
    case "/question":
      return question(t);
    default:
      return defaultTurn(t);
  }
}

/** Once per session, after `session/new`'s response, and before any prompt's first update. */
async function announceCommands(s: SessionState, client: acp.AgentContext): Promise<void> {
  if (s.commandsSent) return;
  s.commandsSent = true;
  await client.notify(acp.methods.client.session.update, {
    sessionId: s.id,
    update: { sessionUpdate: "available_commands_update", availableCommands: COMMANDS },
  });
}

/** Claude titles a session after its first prompt. */
function titleFrom(prompt: ContentBlock[]): string {
  const text = promptText(prompt).split("\n")[0].replace(/\s+/g, " ").trim() || "New session";
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

async function prompt(client: acp.AgentContext, params: acp.PromptRequest, requestSignal: AbortSignal): Promise<PromptResponse> {
  const s = requireSession(params.sessionId);
  if (s.turn) throw acp.RequestError.invalidRequest({ sessionId: s.id }, "a prompt is already running in this session");
  const turn = new AbortController();
  s.turn = turn;
  const signal = AbortSignal.any([turn.signal, requestSignal]);
  const t = new Turn(s, client, signal, new Pacer(readDelay(), signal));
  try {
    await announceCommands(s, client);
    if (!s.titled) {
      s.titled = true;
      await t.send({ sessionUpdate: "session_info_update", title: titleFrom(params.prompt), updatedAt: new Date().toISOString() });
    }
    const result = await runScenario(t, params.prompt);
    if (result.stopReason === "end_turn") lateUsageUpdate(s, client);
    return result;
  } catch (error) {
    if (error instanceof Cancelled) return endTurn("cancelled", 0, 0);
    throw error;
  } finally {
    s.turn = null;
  }
}

/** Updates can land after the prompt's response: the adapter reports final usage a moment late. */
function lateUsageUpdate(s: SessionState, client: acp.AgentContext): void {
  setTimeout(() => {
    s.used += 158;
    void client
      .notify(acp.methods.client.session.update, { sessionId: s.id, update: { sessionUpdate: "usage_update", ...usageNow(s) } })
      .catch(() => {});
  }, 1);
}

function setConfigOption(client: acp.AgentContext, params: acp.SetSessionConfigOptionRequest) {
  const s = requireSession(params.sessionId);
  const value: unknown = params.value;
  const reject = () => acp.RequestError.invalidParams({ configId: params.configId, value }, `invalid value for ${params.configId}`);
  switch (params.configId) {
    case "mode":
      if (!MODES.some((m) => m.id === value)) throw reject();
      return switchMode(s, client, value as string).then(() => ({ configOptions: configOptions(s) }));
    case "model":
      if (!MODELS.some((m) => m.modelId === value)) throw reject();
      s.modelId = value as string;
      break;
    case "thinking":
      // The sandbox-agent SDK sends every value as a string.
      if (value !== true && value !== false && value !== "true" && value !== "false") throw reject();
      s.thinking = value === true || value === "true";
      break;
    default:
      throw acp.RequestError.invalidParams({ configId: params.configId }, `unknown config option ${params.configId}`);
  }
  const configs = configOptions(s);
  return client
    .notify(acp.methods.client.session.update, { sessionId: s.id, update: { sessionUpdate: "config_option_update", configOptions: configs } })
    .then(() => ({ configOptions: configs }));
}

export function createAgent(): acp.AgentApp {
  return acp
    .agent({ name: "sandbox-workspace-demo-agent" })
    .onRequest(acp.methods.agent.initialize, ({ params }) => {
      clientCapabilities = params.clientCapabilities ?? undefined;
      return {
        protocolVersion: acp.PROTOCOL_VERSION,
        agentCapabilities: {
          loadSession: false,
          promptCapabilities: { image: false, audio: false, embeddedContext: true },
        },
        agentInfo: { name: "sandbox-workspace-demo-agent", title: "Demo agent (scripted)", version: "0.1.0" },
        authMethods: [],
      };
    })
    .onRequest(acp.methods.agent.session.new, ({ params, client }) => {
      const s: SessionState = {
        id: randomUUID(),
        cwd: params.cwd,
        modeId: "default",
        modelId: MODELS[0].modelId,
        thinking: true,
        commandsSent: false,
        titled: false,
        turn: null,
        used: 12_000,
        cost: 0,
      };
      sessions.set(s.id, s);
      // Right after the response (a client cannot route an update for a session it does not know yet).
      setImmediate(() => void announceCommands(s, client).catch(() => {}));
      // `models` is not part of ACP v1 any more, but Claude's adapter still sends it.
      const models = { currentModelId: s.modelId, availableModels: MODELS };
      return { sessionId: s.id, modes: modeState(s), configOptions: configOptions(s), models } as acp.NewSessionResponse;
    })
    .onRequest(acp.methods.agent.session.prompt, ({ params, client, signal }) => prompt(client, params, signal))
    .onNotification(acp.methods.agent.session.cancel, ({ params }) => {
      sessions.get(params.sessionId)?.turn?.abort();
    })
    .onRequest(acp.methods.agent.session.setMode, async ({ params, client }) => {
      const s = requireSession(params.sessionId);
      if (!MODES.some((m) => m.id === params.modeId)) {
        throw acp.RequestError.invalidParams({ modeId: params.modeId, availableModes: MODES.map((m) => m.id) });
      }
      await switchMode(s, client, params.modeId);
      return {};
    })
    .onRequest(acp.methods.agent.session.setConfigOption, ({ params, client }) => setConfigOption(client, params));
}

function main(): void {
  const stream = acp.ndJsonStream(
    Writable.toWeb(process.stdout) as WritableStream<Uint8Array>,
    Readable.toWeb(process.stdin) as ReadableStream<Uint8Array>,
  );
  const connection = createAgent().connect(stream);
  // The daemon closing our stdin is the end of the session.
  void connection.closed.then(() => process.exit(0));
}

/** Run only as a program, so tests can import SCENARIOS without starting an agent on their stdin. */
function isMain(): boolean {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) main();
