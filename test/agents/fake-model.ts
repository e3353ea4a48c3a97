/**
 * A scripted stand-in for the model APIs that real coding agents call: one HTTP server on
 * 127.0.0.1 that streams (SSE) in three dialects, each driven by the same script of model turns.
 *
 *   POST /v1/messages          Anthropic Messages API (Claude Code)
 *   POST /v1/responses         OpenAI Responses API (Codex)
 *   POST /v1/chat/completions  OpenAI Chat Completions (OpenCode, through `@ai-sdk/openai-compatible`)
 *
 * The server keeps no conversation state. It finds its place in the script from the request: the
 * turn is the last scripted prompt that appears in the conversation, the step is one past the
 * highest step encoded in a tool-call id it handed out before (`call_t0s2c0`: turn 0, step 2).
 * Requests without tools are the agents' side requests (titles, topic checks) and get a short
 * plain answer. Each abstract tool (read, shell, edit, todo) becomes the agent's own tool call.
 */
import type { FakeModelBackend } from "../../demo/agents.js";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { isAbsolute, join } from "node:path";

export type TodoStatus = "pending" | "in_progress" | "completed";

/** A tool call in agent-neutral terms; paths are relative to the script's `workDir`. */
export type ScriptTool =
  | { kind: "read"; path: string }
  /** A command the agent must ask permission for (Codex: run outside its sandbox). */
  | { kind: "shell"; command: string; description: string }
  | { kind: "edit"; path: string; oldText: string; newText: string }
  | { kind: "todo"; items: { content: string; status: TodoStatus }[] };

/** One model response: optional reasoning, optional markdown text, then tool calls. */
export interface ModelStep {
  thinking?: string;
  text?: string;
  tools?: ScriptTool[];
  /** Pause between streamed chunks, in ms (default 4). A slow step lets a test cancel mid-answer. */
  chunkDelayMs?: number;
}

export interface ModelTurn {
  /** Text that appears in the user's prompt for this turn; it is how a request is placed. */
  prompt: string;
  steps: ModelStep[];
}

export interface ModelScript {
  /** The folder the agent works in, for tools that take absolute paths. */
  workDir: string;
  turns: ModelTurn[];
}

export type Dialect = "anthropic" | "responses" | "chat";

/** What the server saw, for debugging a recording. */
export interface ModelRequestRecord {
  dialect: Dialect | "other";
  method: string;
  path: string;
  /** `main` (scripted step), `side` (no tools: a title or a check) or `unknown`. */
  kind: "main" | "side" | "unknown";
  turn?: number;
  step?: number;
  /** Tool names offered by the request. */
  tools?: string[];
  /** Set when the client went away before the answer was complete. */
  aborted?: boolean;
}

export interface FakeModel {
  /** `http://127.0.0.1:<port>` (Anthropic clients append `/v1/messages`, OpenAI clients are given `<url>/v1`). */
  url: string;
  port: number;
  /** The key agents are given: an obvious dummy, never a real credential. */
  apiKey: string;
  setScript(script: ModelScript): void;
  requests: ModelRequestRecord[];
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

export const FAKE_API_KEY = "dummy-key-for-the-fake-model";
export const FAKE_MODEL_ID = "fake-model";

/** What an agent's slot needs to know of a running fake model (demo/agents.ts `prepareAgentSlot`). */
export function fakeBackend(model: Pick<FakeModel, "url">): FakeModelBackend {
  return { url: model.url, apiKey: FAKE_API_KEY, modelId: FAKE_MODEL_ID };
}

export interface FakeModelOptions {
  script?: ModelScript;
  /** Receives problems worth a look: unknown routes, requests no turn matches (default: silent). */
  onLog?: (line: string) => void;
  /** Sees every request and its parsed body, e.g. to save them while debugging a recording. */
  onRequest?: (record: ModelRequestRecord, body: unknown) => void;
}

export async function startFakeModel(options: FakeModelOptions = {}): Promise<FakeModel> {
  let script: ModelScript = options.script ?? { workDir: "/", turns: [] };
  const requests: ModelRequestRecord[] = [];
  const log = options.onLog ?? (() => {});
  const sockets = new Set<import("node:net").Socket>();

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      log(`fake model: ${req.method} ${req.url} failed: ${(error as Error).stack ?? error}`);
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: String(error) } }));
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0];
    const raw = await readBody(req);
    const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    const dialect: Dialect | undefined = path.endsWith("/messages")
      ? "anthropic"
      : path.endsWith("/responses")
        ? "responses"
        : path.endsWith("/chat/completions")
          ? "chat"
          : undefined;
    if (req.method === "GET" && path.endsWith("/models")) {
      requests.push({ dialect: "other", method: "GET", path, kind: "unknown" });
      return sendJson(res, { object: "list", data: [{ id: FAKE_MODEL_ID, object: "model", type: "model", display_name: "Fake model", created: 0, owned_by: "fake" }] });
    }
    if (req.method === "POST" && path.endsWith("/messages/count_tokens")) {
      requests.push({ dialect: "anthropic", method: "POST", path, kind: "side" });
      return sendJson(res, { input_tokens: 1200 });
    }
    if (req.method !== "POST" || !dialect) {
      requests.push({ dialect: "other", method: req.method ?? "?", path, kind: "unknown" });
      log(`fake model: no route for ${req.method} ${path}`);
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { type: "not_found_error", message: `no route for ${req.method} ${path}` } }));
      return;
    }

    const tools = toolNames(body);
    const record: ModelRequestRecord = { dialect, method: "POST", path, kind: tools.length > 0 ? "main" : "side", tools };
    requests.push(record);
    let step: ModelStep;
    if (record.kind === "side") {
      step = { text: "Review of notes.md" };
    } else {
      const place = locate(script, JSON.stringify(body));
      if (!place) {
        record.kind = "unknown";
        log(`fake model: ${dialect} request matches no scripted turn; answering with a short text`);
        step = { text: "Nothing scripted for this request." };
      } else {
        record.turn = place.turn;
        record.step = place.step;
        step = script.turns[place.turn].steps[place.step];
        for (const tool of step.tools ?? []) {
          const name = agentTool(dialect, tool, script.workDir).name;
          if (!tools.includes(name)) log(`fake model: scripted tool ${name} is not among the request's tools (${tools.join(", ")})`);
        }
      }
    }
    options.onRequest?.(record, body);
    const stream = body.stream !== false;
    const writer = new SseWriter(res, step.chunkDelayMs ?? 4);
    res.once("close", () => {
      if (!res.writableFinished) record.aborted = true;
    });
    const ids = { turn: record.turn ?? 0, step: record.step ?? 0 };
    if (!stream) return sendJson(res, wholeAnswer(dialect, step, script.workDir, ids, body));
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    if (dialect === "anthropic") await streamAnthropic(writer, step, script.workDir, ids);
    else if (dialect === "responses") await streamResponses(writer, step, script.workDir, ids, body);
    else await streamChat(writer, step, script.workDir, ids);
    if (!writer.closed) res.end();
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    apiKey: FAKE_API_KEY,
    setScript: (next) => {
      script = next;
    },
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Turn = last scripted prompt present in the conversation; step = one past the last id we issued in it. */
function locate(script: ModelScript, conversation: string): { turn: number; step: number } | undefined {
  let turn = -1;
  script.turns.forEach((t, index) => {
    if (conversation.includes(jsonFragment(t.prompt))) turn = index;
  });
  if (turn < 0) return undefined;
  let step = 0;
  for (const match of conversation.matchAll(new RegExp(`_t${turn}s(\\d+)c\\d+`, "g"))) step = Math.max(step, Number(match[1]) + 1);
  const steps = script.turns[turn].steps;
  return { turn, step: Math.min(step, steps.length - 1) };
}

/** How `text` looks inside a JSON string. */
function jsonFragment(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

function toolNames(body: Record<string, unknown>): string[] {
  const tools = Array.isArray(body.tools) ? (body.tools as Record<string, unknown>[]) : [];
  return tools
    .map((tool) => {
      const fn = tool.function as Record<string, unknown> | undefined;
      return String(tool.name ?? fn?.name ?? tool.type ?? "");
    })
    .filter(Boolean);
}

interface AgentToolCall {
  name: string;
  input: Record<string, unknown>;
  /** Codex's apply_patch can be a freeform ("custom") tool whose input is the patch itself. */
  freeform?: string;
}

/** The agent's own tool for an abstract one: Claude Code, Codex and OpenCode name and shape them differently. */
function agentTool(dialect: Dialect, tool: ScriptTool, workDir: string, body?: Record<string, unknown>): AgentToolCall {
  const abs = (path: string) => (isAbsolute(path) ? path : join(workDir, path));
  if (dialect === "anthropic") {
    switch (tool.kind) {
      case "read":
        return { name: "Read", input: { file_path: abs(tool.path) } };
      case "shell":
        return { name: "Bash", input: { command: tool.command, description: tool.description } };
      case "edit":
        return { name: "Edit", input: { file_path: abs(tool.path), old_string: tool.oldText, new_string: tool.newText } };
      case "todo":
        return { name: "TodoWrite", input: { todos: tool.items.map((item) => ({ ...item, activeForm: activeForm(item.content) })) } };
    }
  }
  if (dialect === "responses") {
    switch (tool.kind) {
      case "read":
        return { name: "exec_command", input: { cmd: `cat ${tool.path}`, workdir: workDir, yield_time_ms: 10000 } };
      case "shell":
        return {
          name: "exec_command",
          input: { cmd: tool.command, workdir: workDir, yield_time_ms: 10000, sandbox_permissions: "require_escalated", justification: tool.description },
        };
      case "edit": {
        const patch = ["*** Begin Patch", `*** Update File: ${abs(tool.path)}`, "@@", ...tool.oldText.split("\n").map((l) => `-${l}`), ...tool.newText.split("\n").map((l) => `+${l}`), "*** End Patch", ""].join("\n");
        const offered = (Array.isArray(body?.tools) ? (body!.tools as Record<string, unknown>[]) : []).find((t) => t.name === "apply_patch");
        return offered?.type === "custom" ? { name: "apply_patch", input: {}, freeform: patch } : { name: "apply_patch", input: { input: patch } };
      }
      case "todo":
        return { name: "update_plan", input: { plan: tool.items.map((item) => ({ step: item.content, status: item.status })) } };
    }
  }
  switch (tool.kind) {
    case "read":
      return { name: "read", input: { filePath: abs(tool.path) } };
    case "shell":
      return { name: "bash", input: { command: tool.command, description: tool.description } };
    case "edit":
      return { name: "edit", input: { filePath: abs(tool.path), oldString: tool.oldText, newString: tool.newText } };
    case "todo":
      return { name: "todowrite", input: { todos: tool.items.map((item, index) => ({ id: String(index + 1), content: item.content, status: item.status, priority: "medium" })) } };
  }
}

function activeForm(content: string): string {
  const [verb, ...rest] = content.split(" ");
  const ing = verb.endsWith("e") ? `${verb.slice(0, -1)}ing` : `${verb}ing`;
  return [ing, ...rest].join(" ");
}

function callId(ids: { turn: number; step: number }, index: number, prefix: string): string {
  return `${prefix}_t${ids.turn}s${ids.step}c${index}`;
}

/** Splits text into small streamed pieces (a few words each), keeping every character. */
export function chunksOf(text: string, wordsPerChunk = 3): string[] {
  const words = text.match(/\S+\s*|\s+/g) ?? [];
  const chunks: string[] = [];
  for (let i = 0; i < words.length; i += wordsPerChunk) chunks.push(words.slice(i, i + wordsPerChunk).join(""));
  return chunks;
}

class SseWriter {
  closed = false;
  constructor(
    private readonly res: ServerResponse,
    private readonly delayMs: number,
  ) {
    res.once("close", () => (this.closed = true));
  }
  /** Writes one event; resolves false once the client is gone. */
  async send(data: unknown, event?: string): Promise<boolean> {
    if (this.closed) return false;
    this.res.write(`${event ? `event: ${event}\n` : ""}data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`);
    return true;
  }
  async pause(): Promise<boolean> {
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    return !this.closed;
  }
}

const USAGE = { input: 1800, output: 240 };

async function streamAnthropic(w: SseWriter, step: ModelStep, workDir: string, ids: { turn: number; step: number }): Promise<void> {
  const messageId = `msg_fake_t${ids.turn}s${ids.step}`;
  const send = (type: string, data: Record<string, unknown>) => w.send({ type, ...data }, type);
  await send("message_start", {
    message: { id: messageId, type: "message", role: "assistant", model: FAKE_MODEL_ID, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: USAGE.input, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 } },
  });
  let index = 0;
  const block = async (start: Record<string, unknown>, deltas: Record<string, unknown>[]) => {
    await send("content_block_start", { index, content_block: start });
    for (const delta of deltas) {
      if (!(await w.pause())) return false;
      await send("content_block_delta", { index, delta });
    }
    await send("content_block_stop", { index });
    index++;
    return !w.closed;
  };
  if (step.thinking) {
    const deltas = chunksOf(step.thinking).map((thinking) => ({ type: "thinking_delta", thinking }));
    if (!(await block({ type: "thinking", thinking: "", signature: "" }, [...deltas, { type: "signature_delta", signature: "fake-signature" }]))) return;
  }
  if (step.text) {
    if (!(await block({ type: "text", text: "" }, chunksOf(step.text).map((text) => ({ type: "text_delta", text }))))) return;
  }
  const tools = step.tools ?? [];
  for (const [i, tool] of tools.entries()) {
    const call = agentTool("anthropic", tool, workDir);
    const json = JSON.stringify(call.input);
    const parts = json.match(/[\s\S]{1,40}/g) ?? [];
    if (!(await block({ type: "tool_use", id: callId(ids, i, "toolu"), name: call.name, input: {} }, parts.map((partial_json) => ({ type: "input_json_delta", partial_json }))))) return;
  }
  await send("message_delta", { delta: { stop_reason: tools.length > 0 ? "tool_use" : "end_turn", stop_sequence: null }, usage: { output_tokens: USAGE.output } });
  await send("message_stop", {});
}

async function streamResponses(w: SseWriter, step: ModelStep, workDir: string, ids: { turn: number; step: number }, body: Record<string, unknown>): Promise<void> {
  const responseId = `resp_fake_t${ids.turn}s${ids.step}`;
  let seq = 0;
  const send = (type: string, data: Record<string, unknown>) => w.send({ type, sequence_number: seq++, ...data }, type);
  const response = { id: responseId, object: "response", created_at: 0, status: "in_progress", model: FAKE_MODEL_ID, output: [] as unknown[] };
  await send("response.created", { response });
  let outputIndex = 0;
  const output: unknown[] = [];
  if (step.thinking) {
    const id = `rs_fake_t${ids.turn}s${ids.step}`;
    await send("response.output_item.added", { output_index: outputIndex, item: { id, type: "reasoning", summary: [] } });
    await send("response.reasoning_summary_part.added", { item_id: id, output_index: outputIndex, summary_index: 0, part: { type: "summary_text", text: "" } });
    for (const delta of chunksOf(step.thinking)) {
      if (!(await w.pause())) return;
      await send("response.reasoning_summary_text.delta", { item_id: id, output_index: outputIndex, summary_index: 0, delta });
    }
    await send("response.reasoning_summary_text.done", { item_id: id, output_index: outputIndex, summary_index: 0, text: step.thinking });
    await send("response.reasoning_summary_part.done", { item_id: id, output_index: outputIndex, summary_index: 0, part: { type: "summary_text", text: step.thinking } });
    const item = { id, type: "reasoning", summary: [{ type: "summary_text", text: step.thinking }] };
    await send("response.output_item.done", { output_index: outputIndex++, item });
    output.push(item);
  }
  if (step.text) {
    const id = `msg_fake_t${ids.turn}s${ids.step}`;
    await send("response.output_item.added", { output_index: outputIndex, item: { id, type: "message", role: "assistant", status: "in_progress", content: [] } });
    await send("response.content_part.added", { item_id: id, output_index: outputIndex, content_index: 0, part: { type: "output_text", text: "", annotations: [] } });
    for (const delta of chunksOf(step.text)) {
      if (!(await w.pause())) return;
      await send("response.output_text.delta", { item_id: id, output_index: outputIndex, content_index: 0, delta });
    }
    await send("response.output_text.done", { item_id: id, output_index: outputIndex, content_index: 0, text: step.text });
    const part = { type: "output_text", text: step.text, annotations: [] };
    await send("response.content_part.done", { item_id: id, output_index: outputIndex, content_index: 0, part });
    const item = { id, type: "message", role: "assistant", status: "completed", content: [part] };
    await send("response.output_item.done", { output_index: outputIndex++, item });
    output.push(item);
  }
  for (const [i, tool] of (step.tools ?? []).entries()) {
    const call = agentTool("responses", tool, workDir, body);
    const id = `fc_fake_t${ids.turn}s${ids.step}c${i}`;
    const call_id = callId(ids, i, "call");
    if (!(await w.pause())) return;
    if (call.freeform !== undefined) {
      await send("response.output_item.added", { output_index: outputIndex, item: { id, type: "custom_tool_call", status: "in_progress", call_id, name: call.name, input: "" } });
      await send("response.custom_tool_call_input.delta", { item_id: id, output_index: outputIndex, delta: call.freeform });
      await send("response.custom_tool_call_input.done", { item_id: id, output_index: outputIndex, input: call.freeform });
      const item = { id, type: "custom_tool_call", status: "completed", call_id, name: call.name, input: call.freeform };
      await send("response.output_item.done", { output_index: outputIndex++, item });
      output.push(item);
    } else {
      const args = JSON.stringify(call.input);
      await send("response.output_item.added", { output_index: outputIndex, item: { id, type: "function_call", status: "in_progress", call_id, name: call.name, arguments: "" } });
      await send("response.function_call_arguments.delta", { item_id: id, output_index: outputIndex, delta: args });
      await send("response.function_call_arguments.done", { item_id: id, output_index: outputIndex, arguments: args });
      const item = { id, type: "function_call", status: "completed", call_id, name: call.name, arguments: args };
      await send("response.output_item.done", { output_index: outputIndex++, item });
      output.push(item);
    }
  }
  await send("response.completed", {
    response: {
      ...response,
      status: "completed",
      output,
      usage: { input_tokens: USAGE.input, input_tokens_details: { cached_tokens: 0 }, output_tokens: USAGE.output, output_tokens_details: { reasoning_tokens: step.thinking ? 60 : 0 }, total_tokens: USAGE.input + USAGE.output },
    },
  });
}

async function streamChat(w: SseWriter, step: ModelStep, workDir: string, ids: { turn: number; step: number }): Promise<void> {
  const id = `chatcmpl-fake-t${ids.turn}s${ids.step}`;
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    w.send({ id, object: "chat.completion.chunk", created: 0, model: FAKE_MODEL_ID, choices: [{ index: 0, delta, finish_reason: finish }] });
  await chunk({ role: "assistant", content: "" });
  for (const piece of chunksOf(step.thinking ?? "")) {
    if (!(await w.pause())) return;
    await chunk({ reasoning_content: piece });
  }
  for (const piece of chunksOf(step.text ?? "")) {
    if (!(await w.pause())) return;
    await chunk({ content: piece });
  }
  const tools = step.tools ?? [];
  for (const [i, tool] of tools.entries()) {
    const call = agentTool("chat", tool, workDir);
    if (!(await w.pause())) return;
    await chunk({ tool_calls: [{ index: i, id: callId(ids, i, "call"), type: "function", function: { name: call.name, arguments: "" } }] });
    for (const part of JSON.stringify(call.input).match(/[\s\S]{1,40}/g) ?? []) await chunk({ tool_calls: [{ index: i, function: { arguments: part } }] });
  }
  await chunk({}, tools.length > 0 ? "tool_calls" : "stop");
  await w.send({ id, object: "chat.completion.chunk", created: 0, model: FAKE_MODEL_ID, choices: [], usage: { prompt_tokens: USAGE.input, completion_tokens: USAGE.output, total_tokens: USAGE.input + USAGE.output } });
  await w.send("[DONE]");
}

/** A non-streamed answer (agents use these for side requests only). */
function wholeAnswer(dialect: Dialect, step: ModelStep, workDir: string, ids: { turn: number; step: number }, body: Record<string, unknown>): unknown {
  const text = step.text ?? "";
  const tools = (step.tools ?? []).map((tool, i) => ({ call: agentTool(dialect, tool, workDir, body), id: callId(ids, i, dialect === "anthropic" ? "toolu" : "call") }));
  if (dialect === "anthropic") {
    return {
      id: `msg_fake_t${ids.turn}s${ids.step}`,
      type: "message",
      role: "assistant",
      model: FAKE_MODEL_ID,
      content: [...(text ? [{ type: "text", text }] : []), ...tools.map(({ call, id }) => ({ type: "tool_use", id, name: call.name, input: call.input }))],
      stop_reason: tools.length > 0 ? "tool_use" : "end_turn",
      stop_sequence: null,
      usage: { input_tokens: USAGE.input, output_tokens: USAGE.output },
    };
  }
  if (dialect === "chat") {
    return {
      id: `chatcmpl-fake-t${ids.turn}s${ids.step}`,
      object: "chat.completion",
      created: 0,
      model: FAKE_MODEL_ID,
      choices: [{ index: 0, message: { role: "assistant", content: text, ...(tools.length ? { tool_calls: tools.map(({ call, id }) => ({ id, type: "function", function: { name: call.name, arguments: JSON.stringify(call.input) } })) } : {}) }, finish_reason: tools.length ? "tool_calls" : "stop" }],
      usage: { prompt_tokens: USAGE.input, completion_tokens: USAGE.output, total_tokens: USAGE.input + USAGE.output },
    };
  }
  return {
    id: `resp_fake_t${ids.turn}s${ids.step}`,
    object: "response",
    status: "completed",
    model: FAKE_MODEL_ID,
    output: [{ id: "msg_fake", type: "message", role: "assistant", status: "completed", content: [{ type: "output_text", text, annotations: [] }] }],
    usage: { input_tokens: USAGE.input, output_tokens: USAGE.output, total_tokens: USAGE.input + USAGE.output },
  };
}

function sendJson(res: ServerResponse, value: unknown): void {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify(value));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (data += chunk));
    req.on("end", () => resolve(data));
    req.on("error", reject);
  });
}
