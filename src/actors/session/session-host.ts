/**
 * One workspace's sandbox-agent session: connects lazily, resumes the session with its persisted
 * history, runs prompts one at a time, holds permission requests and the agent's questions until a
 * person answers, and says what happened through `emit`. Knows nothing of RivetKit: the actor wires
 * it to broadcasts.
 */
import { SandboxAgent, type SandboxAgentConnectOptions, type Session, type SessionPermissionRequest } from "sandbox-agent";
import type {
  ErrorBroadcast,
  PermissionAnswer,
  PermissionReply,
  PermissionRequestedBroadcast,
  PermissionResolvedBroadcast,
  PromptAccepted,
  QuestionAnswer,
  QuestionRequestedBroadcast,
  QuestionResolvedBroadcast,
  TurnOutcome,
  WorkspaceBroadcasts,
  WorkspaceErrorCode,
  WorkspaceUser,
} from "../../protocol/index.js";
import { checkAnswer, META_KEY, questionFields } from "../../events/index.js";
import { replyOfKind } from "../../protocol/index.js";
import type { WorkspacePersistDriver } from "../storage/persist-driver.js";
import { agentRequestsFetch, type AgentRequest } from "./agent-requests.js";
import { BroadcastPump } from "./broadcast-pump.js";
import { describeFailure, WorkspaceError, withTimeout } from "./errors.js";

/** Where the sandbox-agent daemon is, and the fetch to reach it with. Stays on the server: never sent to a client. */
export type SandboxConnection = Pick<SandboxAgentConnectOptions, "headers" | "token"> & { baseUrl: string; fetch?: typeof fetch };

export interface SessionHostOptions {
  workspaceId: string;
  agent: string;
  sandbox: () => SandboxConnection | Promise<SandboxConnection>;
  persist: WorkspacePersistDriver;
  emit: <K extends keyof WorkspaceBroadcasts>(name: K, payload: WorkspaceBroadcasts[K]) => void;
  /** How many connections a broadcast goes to (paces event broadcasts, see `BroadcastPump`). */
  audience?: () => number;
  /** Records an answer to a permission request (the SDK's log does not). */
  recordPermission: (resolution: PermissionResolvedBroadcast) => Promise<void>;
  /** Records how a question from the agent was answered (the SDK's log does not). */
  recordQuestion: (resolution: QuestionResolvedBroadcast) => Promise<void>;
  /** Working directory for a new agent session. */
  cwd?: string;
}

const REPLIES: readonly PermissionReply[] = ["once", "always", "reject"];

/** ACP's question from the agent, which the SDK cannot answer: `agentRequestsFetch` takes it out of its stream. */
const QUESTION_METHOD = "elicitation/create";
/** Only what the workspace serves: questions as forms (not `url`, not the file system or terminals). */
const CLIENT_CAPABILITIES = { elicitation: { form: {} } };

/** A question held for the room: the agent's request, and what clients are told of it. */
interface HeldQuestion {
  request: AgentRequest;
  held: QuestionRequestedBroadcast;
}

/** "This question was already answered by Grace": how a question went, for an answer that came too late. */
function questionOutcome(resolution: QuestionResolvedBroadcast): string {
  const who = resolution.by?.userName ?? resolution.by?.userId;
  const verb = resolution.action === "cancel" ? "cancelled" : resolution.action === "decline" ? "declined" : "answered";
  if (who) return `This question was already ${verb} by ${who}`;
  return resolution.action === "cancel" ? "This question was cancelled: its turn ended or was stopped" : `This question was already ${verb} by the workspace`;
}

/** sandbox-agent's own way to send `session/cancel` (the one `destroySession` uses), which the public API refuses. */
interface ManagedCancel {
  sendSessionMethodInternal(sessionId: string, method: "session/cancel", params: Record<string, unknown>, options: Record<string, never>, allowManagedCancel: true): Promise<unknown>;
}

/** The option an answer names: by id, or the first of the kind a reply stands for. */
function chosenOption(request: PermissionRequestedBroadcast, answer: PermissionAnswer): PermissionRequestedBroadcast["options"][number] {
  const offered = request.options.map((option) => `“${option.name}”`).join(", ");
  if (answer.optionId !== undefined) {
    const option = request.options.find((candidate) => candidate.optionId === answer.optionId);
    if (!option) throw new WorkspaceError("invalid-argument", `This request offers ${offered}; it has no option “${String(answer.optionId)}”.`);
    return option;
  }
  if (!REPLIES.includes(answer.reply as PermissionReply)) throw new WorkspaceError("invalid-argument", `Answer with one of the options (${offered}) by optionId, or a reply: once, always or reject.`);
  const option = request.options.find((candidate) => replyOfKind(candidate.kind) === answer.reply);
  if (!option) throw new WorkspaceError("invalid-argument", `This request offers ${offered}, none of them “${String(answer.reply)}”.`);
  return option;
}
/** How often a running turn checks that the agent and the daemon are alive. */
const WATCH_INTERVAL_MS = 500;
/** How long connecting to the daemon and resuming the session may take. */
const CONNECT_TIMEOUT_MS = 20_000;
/** Prompt outcomes kept for clients that were away when their turn ended. */
const TURNS_KEPT = 1000;

export class SessionHost {
  #options: SessionHostOptions;
  #broadcasts: BroadcastPump;
  #sdk?: SandboxAgent;
  #session?: Session;
  #connecting?: Promise<Session>;
  #sandbox?: SandboxConnection;
  #unsubscribe: Array<() => void> = [];
  #queue: Promise<unknown> = Promise.resolve();
  #queued = 0;
  #running?: WorkspaceUser;
  #pending = new Map<string, PermissionRequestedBroadcast>();
  #answered = new Map<string, PermissionResolvedBroadcast>();
  #questions = new Map<string, HeldQuestion>();
  #answeredQuestions = new Map<string, QuestionResolvedBroadcast>();
  /** Aborted when the host is disposed: turns then end rather than wait on an SDK that is gone. */
  #stopping = new AbortController();
  /** Prompts given to this host, by id, oldest first. */
  #turns = new Map<string, TurnOutcome>();

  constructor(options: SessionHostOptions) {
    this.#options = options;
    this.#broadcasts = new BroadcastPump({ persist: options.persist, emit: options.emit, audience: options.audience });
  }

  get sessionId(): string {
    return this.#options.workspaceId;
  }

  get running(): boolean {
    return this.#running !== undefined;
  }

  get queued(): number {
    return this.#queued;
  }

  get pendingPermissions(): PermissionRequestedBroadcast[] {
    return [...this.#pending.values()];
  }

  get pendingQuestions(): QuestionRequestedBroadcast[] {
    return [...this.#questions.values()].map(({ held }) => held);
  }

  /**
   * Queues a prompt behind the prompts before it and answers at once; the turn's end is broadcast
   * (`turn`, with the prompt's id) and kept for `turn()`. A prompt id seen before is not run again:
   * a client that cannot tell whether its prompt arrived may send it once more.
   * The author rides along in the prompt's `_meta`, so the persisted log says who asked.
   */
  prompt(user: WorkspaceUser, text: string, promptId: string): PromptAccepted {
    const known = this.#turns.get(promptId);
    if (known) return { promptId, ahead: known.state === "queued" ? this.#queued : 0 };
    const ahead = this.#queued + (this.#running ? 1 : 0);
    const outcome: TurnOutcome = { promptId, state: "queued" };
    this.#remember(outcome);
    this.#queued++;
    const createdAt = Date.now();
    this.#broadcasts.send("chat.user", { userId: user.userId, userName: user.userName, text, createdAt });
    this.#queue = this.#queue.then(async () => {
      this.#queued--;
      this.#running = user;
      outcome.state = "running";
      this.#broadcasts.send("turn", { state: "running", promptId, by: user, queued: this.#queued });
      try {
        if (this.#stopping.signal.aborted) throw new WorkspaceError("prompt-failed", "The workspace stopped before this prompt ran.");
        const session = await this.#ensureSession();
        const meta = { "sandbox-workspace": { user: { id: user.userId, name: user.userName }, promptId } };
        const watchdog = this.#watch();
        const stopped = this.#stopped();
        try {
          const result = await Promise.race([session.prompt([{ type: "text", text, _meta: meta }]), watchdog.failed, stopped.promise]);
          outcome.stopReason = result.stopReason;
        } finally {
          watchdog.stop();
          stopped.release();
        }
      } catch (error) {
        const failure = this.#fail(error, "prompt-failed");
        outcome.stopReason = this.#stopping.signal.aborted ? "interrupted" : "error";
        outcome.error = { code: failure.code, message: failure.message };
      } finally {
        this.#running = undefined;
        this.#settleAbandonedPermissions();
        await this.#cancelQuestions();
        // Ended for getTurn once the broadcast leaves, behind the turn's last events: a client
        // that learns the end from getTurn then has had every event of the turn sent to it.
        const { stopReason, error } = outcome;
        this.#broadcasts.send("turn", { state: "ended", promptId, stopReason, error, by: user, queued: this.#queued }, () => (outcome.state = "ended"));
      }
    }).catch((error: unknown) => console.error("[sandbox-workspace] a turn failed to settle:", error));
    return { promptId, ahead };
  }

  /** What became of a prompt this host was given; undefined if it never was (or has been forgotten). */
  turn(promptId: string): TurnOutcome | undefined {
    const outcome = this.#turns.get(promptId);
    if (!outcome) return undefined;
    return outcome.state === "ended" ? { ...outcome } : { promptId, state: outcome.state };
  }

  /** Settles when every prompt given so far has run: the actor stays awake until then. */
  get settled(): Promise<void> {
    return this.#queue.then(() => undefined);
  }

  /** Keeps an outcome; beyond TURNS_KEPT, the oldest ended ones go (queued and running ones stay). */
  #remember(outcome: TurnOutcome): void {
    this.#turns.set(outcome.promptId, outcome);
    if (this.#turns.size <= TURNS_KEPT) return;
    for (const [id, kept] of this.#turns) {
      if (this.#turns.size <= TURNS_KEPT) break;
      if (kept.state === "ended") this.#turns.delete(id);
    }
  }

  /** First answer wins; a later one learns who answered. The answer is one of the agent's options, by id, or a reply of a kind it offered. */
  async respondPermission(user: WorkspaceUser, answer: PermissionAnswer): Promise<PermissionResolvedBroadcast> {
    const { permissionId } = answer;
    const request = this.#pending.get(permissionId);
    if (!request) {
      const answered = this.#answered.get(permissionId);
      if (answered) {
        const who = answered.by?.userName ?? answered.by?.userId ?? "someone";
        throw new WorkspaceError("permission-answered", `${who} already answered this permission request (${answered.optionName ?? answered.reply}).`);
      }
      throw new WorkspaceError("permission-not-found", `No pending permission request ${permissionId}.`);
    }
    const option = chosenOption(request, answer);
    this.#pending.delete(permissionId);
    const resolution: PermissionResolvedBroadcast = {
      permissionId,
      toolCallId: request.toolCallId,
      reply: replyOfKind(option.kind),
      optionId: option.optionId,
      optionName: option.name,
      kind: option.kind,
      by: user,
      at: Date.now(),
    };
    this.#answered.set(permissionId, resolution);
    try {
      await this.#session!.rawRespondPermission(permissionId, { outcome: { outcome: "selected", optionId: option.optionId } });
    } catch (error) {
      throw this.#fail(error, "prompt-failed");
    }
    await this.#options.recordPermission(resolution);
    this.#broadcasts.send("permission.resolved", resolution);
    return resolution;
  }

  /**
   * Answers a question from the agent for the room: the first answer wins, a later one learns who
   * gave it. `accept` carries the form's values, checked against the question's schema first (a
   * refused answer leaves the question open); `decline` carries none.
   */
  async respondQuestion(user: WorkspaceUser, answer: QuestionAnswer): Promise<QuestionResolvedBroadcast> {
    const { questionId } = answer;
    const question = this.#questions.get(questionId);
    if (!question) {
      const answered = this.#answeredQuestions.get(questionId);
      if (answered) throw new WorkspaceError("question-answered", `${questionOutcome(answered)}.`);
      throw new WorkspaceError("question-not-found", `No pending question ${questionId}.`);
    }
    if (answer.action !== "accept" && answer.action !== "decline") {
      throw new WorkspaceError("invalid-argument", `Answer a question with the action “accept” (and the form's content) or “decline”, not “${String(answer.action)}”.`);
    }
    const content = answer.action === "accept" ? answer.content : undefined;
    if (answer.action === "accept") {
      const problem = checkAnswer(questionFields(question.held.requestedSchema), content);
      if (problem) throw new WorkspaceError("invalid-argument", problem);
    }
    // Taken before anything is awaited: a second answer arriving meanwhile finds it answered.
    this.#questions.delete(questionId);
    const resolution: QuestionResolvedBroadcast = { questionId, action: answer.action, ...(content ? { content } : {}), by: user, at: Date.now() };
    this.#answeredQuestions.set(questionId, resolution);
    try {
      await question.request.respond({ result: content ? { action: "accept", content } : { action: answer.action } });
    } catch (error) {
      // The answer never reached the agent: the question is open again, unless its connection is gone.
      this.#answeredQuestions.delete(questionId);
      if (!question.request.signal.aborted) this.#questions.set(questionId, question);
      throw this.#fail(error, "prompt-failed");
    }
    await this.#options.recordQuestion(resolution);
    this.#broadcasts.send("question.resolved", resolution);
    return resolution;
  }

  /**
   * Stops the running turn with ACP's `session/cancel`, which names who pressed Stop in its `_meta`
   * (the log then says "Stopped by Ada") and keeps the agent session for the next prompt. Pending
   * permission requests are answered `cancelled` first, as ACP asks of a client that cancels.
   * sandbox-agent 0.4.2 sends a cancel only through `destroySession` (no `_meta`; the next prompt
   * then starts a new agent session and replays the history into it): that stays the fallback for
   * an SDK without the method it uses for it.
   */
  async cancel(user: WorkspaceUser): Promise<void> {
    const sdk = this.#sdk;
    const session = this.#session;
    if (!this.#running || !sdk || !session) throw new WorkspaceError("not-running", "No turn is running.");
    // As for permissions, ACP asks a client that cancels to answer its open questions `cancel` first.
    await this.#cancelQuestions();
    const managed = sdk as unknown as Partial<ManagedCancel>;
    if (typeof managed.sendSessionMethodInternal !== "function") {
      await sdk.destroySession(this.sessionId).catch((error: unknown) => {
        throw this.#fail(error, "prompt-failed");
      });
      this.#dropSession();
      return;
    }
    for (const request of this.#pending.values()) {
      await session.rawRespondPermission(request.permissionId, { outcome: { outcome: "cancelled" } }).catch(() => undefined);
    }
    const _meta = { [META_KEY]: { user: { id: user.userId, name: user.userName } } };
    await managed.sendSessionMethodInternal.call(sdk, this.sessionId, "session/cancel", { _meta }, {}, true).catch((error: unknown) => {
      throw this.#fail(error, "prompt-failed");
    });
  }

  async setMode(modeId: string): Promise<unknown> {
    const session = await this.#ensureSession();
    return session.setMode(modeId).catch((error: unknown) => {
      throw this.#fail(error, "invalid-argument");
    });
  }

  async setConfigOption(configId: string, value: string): Promise<unknown> {
    const session = await this.#ensureSession();
    return session.setConfigOption(configId, value).catch((error: unknown) => {
      throw this.#fail(error, "invalid-argument");
    });
  }

  /** Before the actor sleeps or stops: close the SDK (no more events), then write what is queued. */
  async dispose(): Promise<void> {
    // Open questions are answered (and recorded) while the agent connection and storage are still there.
    const questions = this.#cancelQuestions();
    // The running turn and the queued ones end now: the actor waits for them before it stops.
    this.#stopping.abort();
    await questions;
    const sdk = this.#sdk;
    this.#dropSession(false);
    await sdk?.dispose().catch(() => undefined);
    await this.#options.persist.close();
  }

  /** A promise that rejects once the host is disposed; `release` when no longer raced. */
  #stopped(): { promise: Promise<never>; release: () => void } {
    let stop = () => {};
    const promise = new Promise<never>((_, reject) => {
      stop = () => reject(new WorkspaceError("prompt-failed", "The workspace stopped while this prompt ran."));
      if (this.#stopping.signal.aborted) stop();
      else this.#stopping.signal.addEventListener("abort", stop, { once: true });
    });
    return { promise, release: () => this.#stopping.signal.removeEventListener("abort", stop) };
  }

  #ensureSession(): Promise<Session> {
    if (this.#session) return Promise.resolve(this.#session);
    this.#connecting ??= this.#connect().finally(() => (this.#connecting = undefined));
    return this.#connecting;
  }

  async #connect(): Promise<Session> {
    // Resolved once per connection: a host's sandbox function may do real work (look up, provision).
    const sandbox = (this.#sandbox = await this.#options.sandbox());
    let sdk: SandboxAgent;
    if (!(await this.#healthy())) throw this.#fail(new Error("ECONNREFUSED"), "sandbox-unreachable");
    try {
      // The agent's questions, which the SDK cannot answer, come to #holdQuestion through this fetch (see agent-requests.ts).
      const fetch = agentRequestsFetch({
        fetch: sandbox.fetch,
        clientCapabilities: CLIENT_CAPABILITIES,
        methods: [QUESTION_METHOD],
        onRequest: (request) => this.#holdQuestion(request),
      });
      sdk = await SandboxAgent.connect({ ...sandbox, fetch, persist: this.#options.persist, waitForHealth: false });
    } catch (error) {
      throw this.#fail(error, "sandbox-unreachable");
    }
    try {
      const session = await withTimeout(
        sdk.resumeOrCreateSession({ id: this.sessionId, agent: this.#options.agent, cwd: this.#options.cwd }),
        CONNECT_TIMEOUT_MS,
        "Starting the agent session timed out.",
      );
      this.#unsubscribe = [
        session.onEvent((event) => this.#broadcasts.send("session.event", event)),
        session.onPermissionRequest((request) => this.#holdPermission(request)),
      ];
      this.#sdk = sdk;
      this.#session = session;
      return session;
    } catch (error) {
      await sdk.dispose().catch(() => undefined);
      throw this.#fail(error, "sandbox-unreachable");
    }
  }

  /**
   * The SDK's prompt() never settles when the agent process or the daemon dies mid-turn. While a
   * turn runs, watch both: the agent's exit notice the SDK records, and the daemon's health.
   */
  #watch(): { failed: Promise<never>; stop(): void } {
    const startedAt = Date.now();
    const sdk = this.#sdk;
    const agent = this.#options.agent;
    let timer: ReturnType<typeof setInterval> | undefined;
    let misses = 0;
    let checking = false;
    const failed = new Promise<never>((_, reject) => {
      timer = setInterval(async () => {
        // sandbox-agent keeps the daemon's `_adapter/agent_exited` notice on its live connection.
        const live = (sdk as unknown as { liveConnections?: Map<string, { lastAdapterExit?: unknown; lastAdapterExitAt?: number }> })?.liveConnections?.get(agent);
        if (live?.lastAdapterExit && (live.lastAdapterExitAt ?? 0) >= startedAt) {
          reject(new WorkspaceError("agent-exited", "The agent process exited during the turn. The next prompt starts it again and resumes the session."));
          return;
        }
        if (checking) return;
        checking = true;
        misses = (await this.#healthy()) ? 0 : misses + 1;
        checking = false;
        if (misses >= 2) reject(describeFailure(new Error("ECONNREFUSED"), "sandbox-unreachable"));
      }, WATCH_INTERVAL_MS);
    });
    failed.catch(() => undefined);
    return { failed, stop: () => clearInterval(timer) };
  }

  async #healthy(): Promise<boolean> {
    const sandbox = this.#sandbox;
    if (!sandbox) return false;
    try {
      const headers = new Headers(sandbox.headers);
      if (sandbox.token) headers.set("authorization", `Bearer ${sandbox.token}`);
      const response = await (sandbox.fetch ?? fetch)(new URL("/v1/health", sandbox.baseUrl), { headers, signal: AbortSignal.timeout(WATCH_INTERVAL_MS * 2) });
      return response.ok;
    } catch {
      return false;
    }
  }

  #holdPermission(request: SessionPermissionRequest): void {
    const held: PermissionRequestedBroadcast = {
      permissionId: request.id,
      toolCallId: request.toolCall?.toolCallId,
      title: request.toolCall?.title ?? undefined,
      options: request.options as PermissionRequestedBroadcast["options"],
      availableReplies: request.availableReplies as PermissionReply[],
      requestedAt: request.createdAt,
    };
    this.#pending.set(request.id, held);
    this.#broadcasts.send("permission.requested", held);
  }

  /**
   * A question from the agent: held for the room (`question.requested`) until someone answers. The
   * workspace declines what it cannot put to the room itself: a link to open (`url` mode, whose
   * address is the agent's, untrusted) and questions outside a session (no one is there to ask).
   */
  #holdQuestion(request: AgentRequest): void {
    const { params } = request;
    const requestedSchema = params.requestedSchema;
    if (params.mode !== "form" || typeof params.sessionId !== "string" || typeof requestedSchema !== "object" || requestedSchema === null) {
      void request.respond({ result: { action: "decline" } }).catch(() => undefined);
      if (typeof params.sessionId !== "string") return;
      // Its request is in the log: say what became of it.
      const resolution: QuestionResolvedBroadcast = { questionId: request.key, action: "decline", at: Date.now() };
      this.#answeredQuestions.set(request.key, resolution);
      void this.#options.recordQuestion(resolution).catch(() => undefined);
      this.#broadcasts.send("question.resolved", resolution);
      return;
    }
    const held: QuestionRequestedBroadcast = {
      questionId: request.key,
      message: typeof params.message === "string" ? params.message : "",
      requestedSchema: requestedSchema as QuestionRequestedBroadcast["requestedSchema"],
      ...(typeof params.toolCallId === "string" ? { toolCallId: params.toolCallId } : {}),
      requestedAt: Date.now(),
    };
    this.#questions.set(request.key, { request, held });
    this.#broadcasts.send("question.requested", held);
  }

  /** Answers every open question `cancel` (a turn ended or was stopped, or the workspace stops), records it and says so. */
  async #cancelQuestions(): Promise<void> {
    const open = [...this.#questions.values()];
    this.#questions.clear();
    await Promise.all(
      open.map(async ({ request, held }) => {
        const resolution: QuestionResolvedBroadcast = { questionId: held.questionId, action: "cancel", at: Date.now() };
        this.#answeredQuestions.set(held.questionId, resolution);
        await request.respond({ result: { action: "cancel" } }).catch(() => undefined);
        await this.#options.recordQuestion(resolution).catch((error: unknown) => console.error("[sandbox-workspace] recording a cancelled question failed:", error));
        this.#broadcasts.send("question.resolved", resolution);
      }),
    );
  }

  /** A turn that ended (cancelled, failed) took its open permission requests with it. */
  #settleAbandonedPermissions(): void {
    for (const request of this.#pending.values()) {
      const resolution: PermissionResolvedBroadcast = { permissionId: request.permissionId, toolCallId: request.toolCallId, reply: "cancelled", at: Date.now() };
      this.#answered.set(request.permissionId, resolution);
      this.#broadcasts.send("permission.resolved", resolution);
      void this.#options.recordPermission(resolution);
    }
    this.#pending.clear();
  }

  /** Forgets the SDK client: after a failure it may be wedged, so the next prompt connects afresh. */
  #dropSession(dispose = true): void {
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#unsubscribe = [];
    const sdk = this.#sdk;
    this.#sdk = undefined;
    this.#session = undefined;
    if (dispose) void sdk?.dispose().catch(() => undefined);
  }

  /** Turns any failure into a WorkspaceError with a message a person can act on, and broadcasts it. */
  #fail(error: unknown, fallback: WorkspaceErrorCode): WorkspaceError {
    const failure = error instanceof WorkspaceError ? error : describeFailure(error, fallback);
    if (failure.code === "sandbox-unreachable" || failure.code === "agent-exited") this.#dropSession();
    const payload: ErrorBroadcast = { code: failure.code, message: failure.message, at: Date.now() };
    this.#broadcasts.send("error", payload);
    return failure;
  }
}
