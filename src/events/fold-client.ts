/**
 * ACP's client methods: what the agent asks the client to do for it (read and write files, run
 * terminals) and the client's answers. Each read or write is an entry; a terminal is an entry of
 * its own until a tool call refers to it (its `terminal` content), then it shows in that tool call.
 *
 * sandbox-agent's SDK may not log the client's answers (it drops responses it cannot tie to a
 * session), so every call reads well without its answer, and one left unanswered when its turn
 * ends says so.
 */
import { addEntry, adopt, touch, type FoldContext, type FoldState, type PendingCall, type PendingRequest } from "./fold-state.js";
import { asArray, asNumber, asString, isRecord } from "./parse.js";
import type { Entry, FileWriteEntry, TerminalCall, TerminalState, ToolCallEntry } from "./types.js";

/** The terminal methods other than `terminal/create`: each names its terminal by `terminalId`. */
const TERMINAL_CALLS = new Set(["terminal/output", "terminal/wait_for_exit", "terminal/kill", "terminal/release"]);

export const CLIENT_METHODS: ReadonlySet<string> = new Set(["fs/read_text_file", "fs/write_text_file", "terminal/create", ...TERMINAL_CALLS]);

/** Folds an agent→client request of a client method into `pending` (the request waiting for its answer). */
export function foldClientRequest(state: FoldState, ctx: FoldContext, rpcId: string | number, method: string, params: unknown, pending: PendingRequest): void {
  const p = isRecord(params) ? params : {};
  if (method === "fs/read_text_file") {
    const entry = addEntry(state, ctx, "file-read", {
      rpcId,
      path: asString(p.path) ?? "",
      line: asNumber(p.line),
      limit: asNumber(p.limit),
      status: "pending",
    });
    pending.entry = entry;
    waitFor(state, { call: entry, entry });
    return;
  }
  if (method === "fs/write_text_file") {
    const entry = fileWrite(state, ctx, rpcId, asString(p.path) ?? "", asString(p.content) ?? "");
    pending.entry = entry;
    waitFor(state, { call: entry, entry });
    return;
  }
  if (method === "terminal/create") {
    const terminal: TerminalState = {
      command: asString(p.command) ?? "",
      args: (asArray(p.args) ?? []).filter((arg): arg is string => typeof arg === "string"),
      cwd: asString(p.cwd),
      env: (asArray(p.env) ?? []).filter((v): v is { name: string; value: string } => isRecord(v) && typeof v.name === "string" && typeof v.value === "string"),
      outputByteLimit: asNumber(p.outputByteLimit),
      killed: false,
      released: false,
      calls: [{ method, status: "pending", at: ctx.createdAt }],
    };
    const entry = addEntry(state, ctx, "terminal", { terminal });
    state.terminalOwners.set(terminal, entry);
    state.unnamedTerminals.push(terminal);
    pending.entry = entry;
    pending.terminal = terminal;
    pending.call = terminal.calls[0];
    waitFor(state, { call: terminal.calls[0], terminal });
    return;
  }
  // A call about a terminal: it joins the terminal's entry, or the tool call showing the terminal.
  const terminalId = asString(p.terminalId);
  const terminal = terminalFor(state, ctx, terminalId);
  const call: TerminalCall = { method, status: "pending", at: ctx.createdAt };
  terminal.calls.push(call);
  if (method === "terminal/kill") terminal.killed = true;
  if (method === "terminal/release") terminal.released = true;
  const owner = state.terminalOwners.get(terminal)!;
  if (owner.events.at(-1) !== ctx.raw) touch(owner, ctx);
  pending.entry = owner;
  pending.terminal = terminal;
  pending.call = call;
  waitFor(state, { call, terminal });
}

export function isClientMethod(method: string): boolean {
  return CLIENT_METHODS.has(method);
}

function waitFor(state: FoldState, call: PendingCall): void {
  if (state.summary.running) state.turnCalls.add(call);
}

/** The terminal a call names: known by id, else the oldest whose id no answer told, else a new one. */
function terminalFor(state: FoldState, ctx: FoldContext, terminalId: string | undefined): TerminalState {
  const known = terminalId === undefined ? undefined : state.terminals.get(terminalId);
  if (known) return known;
  const unnamed = state.unnamedTerminals.shift();
  if (unnamed) {
    if (terminalId !== undefined) name(state, unnamed, terminalId);
    return unnamed;
  }
  const terminal: TerminalState = { terminalId, command: "", args: [], env: [], killed: false, released: false, calls: [] };
  state.terminalOwners.set(terminal, addEntry(state, ctx, "terminal", { terminal }));
  if (terminalId !== undefined) name(state, terminal, terminalId);
  return terminal;
}

/** Records a terminal's id, and moves it into the tool call that refers to it, if any. */
function name(state: FoldState, terminal: TerminalState, terminalId: string): void {
  terminal.terminalId = terminalId;
  state.terminals.set(terminalId, terminal);
  const tool = state.terminalRefs.get(terminalId);
  if (tool) attachTerminal(state, tool, terminal);
}

/** A tool call's `terminal` content names `terminalId`: show that terminal in the tool call. */
export function referTerminal(state: FoldState, tool: ToolCallEntry, terminalId: string): void {
  if (state.terminalRefs.get(terminalId) === tool) return;
  state.terminalRefs.set(terminalId, tool);
  const terminal = state.terminals.get(terminalId);
  if (terminal) attachTerminal(state, tool, terminal);
}

function attachTerminal(state: FoldState, tool: ToolCallEntry, terminal: TerminalState): void {
  const owner = state.terminalOwners.get(terminal);
  if (owner === tool) return;
  if (owner) {
    adopt(state, owner, tool);
    if (owner.type === "tool-call") {
      owner.terminals = owner.terminals.filter((t) => t !== terminal);
      owner.rev++;
    }
  }
  state.terminalOwners.set(terminal, tool);
  tool.terminals.push(terminal);
  tool.rev++;
}

/** The client's answer to a client method's request. */
export function foldClientResult(state: FoldState, ctx: FoldContext, request: PendingRequest, result: unknown): void {
  const r = isRecord(result) ? result : {};
  const entry = request.entry;
  if (entry) touch(entry, ctx);
  if (entry?.type === "file-read") {
    entry.status = "done";
    entry.content = asString(r.content);
    if (entry.content !== undefined && entry.line === undefined && entry.limit === undefined) state.files.set(entry.path, { text: entry.content, from: "read" });
    return;
  }
  if (entry?.type === "file-write") {
    entry.status = "done";
    return;
  }
  const terminal = request.terminal;
  if (!terminal || !request.call) return;
  request.call.status = "done";
  if (request.method === "terminal/create") {
    const terminalId = asString(r.terminalId);
    if (terminalId !== undefined && terminal.terminalId === undefined) {
      state.unnamedTerminals = state.unnamedTerminals.filter((t) => t !== terminal);
      name(state, terminal, terminalId);
    }
  } else if (request.method === "terminal/output") {
    terminal.output = asString(r.output) ?? terminal.output;
    terminal.truncated = r.truncated === true;
    if (isRecord(r.exitStatus)) terminal.exitStatus = exitStatus(r.exitStatus);
  } else if (request.method === "terminal/wait_for_exit") {
    terminal.exitStatus = exitStatus(r);
  }
}

/** A JSON-RPC error answering a client method: the call failed, and its entry says why. */
export function foldClientError(ctx: FoldContext, request: PendingRequest, message: string): void {
  const entry = request.entry;
  if (entry) touch(entry, ctx);
  if (entry?.type === "file-read" || entry?.type === "file-write") {
    entry.status = "failed";
    entry.error = message;
  } else if (request.call) {
    request.call.status = "failed";
    request.call.error = message;
  }
}

function exitStatus(value: Record<string, unknown>): TerminalState["exitStatus"] {
  return {
    exitCode: typeof value.exitCode === "number" ? value.exitCode : null,
    signal: typeof value.signal === "string" ? value.signal : null,
  };
}

/**
 * A write, shown as a diff against what the log shows of the file: an earlier whole read or write,
 * else the tool call (or permission request) whose diff it applies (its `newText` is the content).
 */
function fileWrite(state: FoldState, ctx: FoldContext, rpcId: string | number, path: string, content: string): FileWriteEntry {
  const known = state.files.get(path);
  const source = diffSource(state, path, content);
  const entry = addEntry(state, ctx, "file-write", {
    rpcId,
    path,
    content,
    before: known?.text ?? source?.oldText,
    beforeFrom: known?.from ?? (source?.oldText !== undefined ? "tool-call" : undefined),
    toolCallEntryId: source?.toolCallEntryId,
    status: "pending",
  });
  state.files.set(path, { text: content, from: "write" });
  return entry;
}

function diffSource(state: FoldState, path: string, content: string): { oldText?: string; toolCallEntryId?: string } | undefined {
  const entries = [...state.entries.values()];
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry: Entry = entries[i];
    const items = entry.type === "tool-call" ? entry.content : entry.type === "permission-request" ? asArray(entry.toolCall.content) ?? [] : [];
    for (const item of items) {
      if (!isRecord(item) || item.type !== "diff" || item.path !== path || item.newText !== content) continue;
      const toolCallEntryId = entry.type === "tool-call" ? entry.id : entry.type === "permission-request" ? entry.toolCallEntryId : undefined;
      return { oldText: typeof item.oldText === "string" ? item.oldText : undefined, toolCallEntryId };
    }
  }
  return undefined;
}

/** The turn ended: calls the log shows no answer for will not get one in this turn's light. */
export function settleCalls(state: FoldState): void {
  for (const { call, entry, terminal } of state.turnCalls) {
    if (call.status !== "pending") continue;
    call.status = "unanswered";
    const owner = entry ?? (terminal ? state.terminalOwners.get(terminal) : undefined);
    if (owner) owner.rev++;
  }
  state.turnCalls.clear();
}
