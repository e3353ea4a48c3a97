/**
 * One workspace's sandbox-agent session: connects lazily, resumes the session with its persisted
 * history, runs prompts one at a time, holds permission requests and the agent's questions until a
 * person answers, and says what happened through `emit`. Knows nothing of RivetKit: the actor wires
 * it to broadcasts.
 */
import { SandboxAgent, type Session, type SessionPermissionRequest } from "sandbox-agent";
import type {
  AttributionRecord,
  ErrorBroadcast,
  PermissionAnswer,
  PermissionReply,
  PermissionRequestedBroadcast,
  PermissionResolvedBroadcast,
  PromptAccepted,
  QuestionAnswer,
  QuestionRequestedBroadcast,
  QuestionResolvedBroadcast,
  QueuedPrompt,
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
import { sandboxHealth, type SandboxConnection, type WorkspaceSandbox } from "./sandbox.js";

export type { SandboxConnection } from "./sandbox.js";

export interface SessionHostOptions {
  workspaceId: string;
  agent: string;
  /** The workspace's sandbox, in whichever form the host gave it (see sandbox.ts). */
  sandbox: WorkspaceSandbox;
  persist: WorkspacePersistDriver;
  emit: <K extends keyof WorkspaceBroadcasts>(name: K, payload: WorkspaceBroadcasts[K]) => void;
  /** How many connections a broadcast goes to (paces event broadcasts, see `BroadcastPump`). */
  audience?: () => number;
  /** Records an answer to a permission request (the SDK's log does not). */
  recordPermission: (resolution: PermissionResolvedBroadcast) => Promise<void>;
  /** Records how a question from the agent was answered (the SDK's log does not). */
  recordQuestion: (resolution: QuestionResolvedBroadcast) => Promise<void>;
  /** Records who did what (a mode or option changed, a prompt withdrawn): the SDK's log does not say. */
  recordAttribution: (record: AttributionRecord) => Promise<void>;
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
/** Prompts that may wait at once: each is up to 32 KiB, and the queue goes out whole to everyone. */
const MAX_QUEUED = 50;
/** How much of a prompt's text the queue shows (the agent gets all of it). */
const QUEUE_TEXT_CHARS = 2000;

function queueText(text: string): string {
  return text.length > QUEUE_TEXT_CHARS ? `${text.slice(0, QUEUE_TEXT_CHARS)}…` : text;
}

/** A prompt given to the host whose turn has not started. */
interface WaitingPrompt {
  item: QueuedPrompt;
  user: WorkspaceUser;
  text: string;
  outcome: TurnOutcome;
  /** Whether it was ever shown in the queue (it had to wait). */
  shown: boolean;
}

/** How often a running turn checks that the agent and the daemon are alive. */
const WATCH_INTERVAL_MS = 500;
/** How long one check of the daemon's health may take while a turn runs. */
const WATCH_CHECK_MS = 2 * WATCH_INTERVAL_MS;
/**
 * Checks in a row that may fail before a running turn is failed: a daemon that is gone refuses at
 * once, twice is enough; one that does not answer within `WATCH_CHECK_MS` may only be busy (20
 * workspaces starting their agents at once on 2 cores), so that takes eight seconds of silence.
 */
const WATCH_REFUSALS = 2;
const WATCH_SILENCES = 8;
/**
 * How long the check before connecting to the daemon may take. A daemon that is down refuses at
 * once; one busy starting other agents may take seconds to answer, and is not down.
 */
const CONNECT_CHECK_MS = 5_000;
/**
 * How long connecting to the daemon and resuming the session may take. Generous: on a busy machine
 * starting the agent is the slow part (20 workspaces starting at once on 2 cores took over 20 s).
 */
const CONNECT_TIMEOUT_MS = 60_000;
/** Messages the daemon dropped are said once for all that go within this long. */
const LOST_SAY_MS = 1_000;
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
  /** Prompts waiting for their turn, in the order they will run. */
  #waiting: WaitingPrompt[] = [];
  #running?: WorkspaceUser;
  #pending = new Map<string, PermissionRequestedBroadcast>();
  #answered = new Map<string, PermissionResolvedBroadcast>();
  #questions = new Map<string, HeldQuestion>();
  #answeredQuestions = new Map<string, QuestionResolvedBroadcast>();
  /** Aborted when the host is disposed: turns then end rather than wait on an SDK that is gone. */
  #stopping = new AbortController();
  /** Messages lost and not yet said (see #lost). */
  #lostCount = 0;
  /** Prompts given to this host, by id, oldest first. */
  #turns = new Map<string, TurnOutcome>();
  #disposed?: Promise<void>;

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
    return this.#waiting.length;
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
    if (known) return { promptId, ahead: known.state === "queued" ? this.#ahead(promptId) : 0 };
    if (this.#waiting.length >= MAX_QUEUED) {
      throw new WorkspaceError("queue-full", `${MAX_QUEUED} prompts are waiting already: send this one once some have run, or withdraw one of yours.`);
    }
    const ahead = this.#waiting.length + (this.#running ? 1 : 0);
    const outcome: TurnOutcome = { promptId, state: "queued" };
    this.#remember(outcome);
    const createdAt = Date.now();
    // Shown in the queue only when it has to wait: a prompt that runs at once never flickers there.
    const waiting: WaitingPrompt = { item: { promptId, by: user, text: queueText(text), queuedAt: createdAt }, user, text, outcome, shown: ahead > 0 };
    this.#waiting.push(waiting);
    this.#broadcasts.send("chat.user", { userId: user.userId, userName: user.userName, text, createdAt });
    if (waiting.shown) this.#sendQueue();
    // One link per prompt; each runs whichever prompt is first when its turn comes (the queue may
    // have been reordered), and a withdrawn prompt's link finds one fewer and does nothing.
    this.#queue = this.#queue.then(async () => {
      const next = this.#waiting.shift();
      if (!next) return;
      if (next.shown) this.#sendQueue();
      await this.#runTurn(next);
    }).catch((error: unknown) => console.error("[sandbox-workspace] a turn failed to settle:", error));
    return { promptId, ahead };
  }

  /** The prompts waiting, in the order they will run. */
  get queue(): QueuedPrompt[] {
    return this.#waiting.map(({ item }) => item);
  }

  /**
   * Takes a queued prompt out of the queue: it never reaches the agent, and its turn ends as
   * `withdrawn` for its author. Only its author or, with `asOwner`, an owner may; recorded as who withdrew it.
   */
  async withdraw(user: WorkspaceUser, promptId: string, asOwner: boolean): Promise<AttributionRecord> {
    const at = this.#waiting.findIndex((waiting) => waiting.item.promptId === promptId);
    if (at < 0) {
      const known = this.#turns.get(promptId);
      if (known?.state === "running") throw new WorkspaceError("not-queued", "This prompt is running already, so it cannot be withdrawn: an owner can stop its turn.");
      if (known) throw new WorkspaceError("not-queued", known.stopReason === "withdrawn" ? "This prompt was withdrawn already." : "This prompt has run already.");
      throw new WorkspaceError("not-queued", `No queued prompt ${promptId}.`);
    }
    const waiting = this.#waiting[at];
    if (!asOwner && waiting.user.userId !== user.userId) {
      throw new WorkspaceError("forbidden", `Only whoever sent a prompt (here ${waiting.user.userName ?? waiting.user.userId}) or an owner can withdraw it.`);
    }
    // Taken before anything is awaited: its link in the chain then finds one prompt fewer.
    this.#waiting.splice(at, 1);
    const { outcome } = waiting;
    outcome.state = "ended";
    outcome.stopReason = "withdrawn";
    const record: AttributionRecord = {
      kind: "withdraw",
      promptId,
      text: waiting.item.text,
      author: waiting.user,
      by: user,
      at: Date.now(),
      afterEventIndex: await this.#options.persist.maxEventIndex(this.sessionId),
    };
    this.#sendQueue();
    await this.record(record);
    this.#broadcasts.send("turn", { state: "ended", promptId, stopReason: "withdrawn", by: waiting.user, withdrawnBy: user, queued: this.#waiting.length });
    return record;
  }

  /**
   * Reorders the queue: the prompts named come first, in that order; any not named keep their order
   * after them, and names no longer queued (they ran or were withdrawn meanwhile) are ignored.
   */
  reorder(promptIds: readonly string[]): QueuedPrompt[] {
    if (new Set(promptIds).size !== promptIds.length) throw new WorkspaceError("invalid-argument", "Name each queued prompt at most once.");
    const rank = new Map(promptIds.map((id, i) => [id, i]));
    const named = this.#waiting.filter((waiting) => rank.has(waiting.item.promptId)).sort((a, b) => rank.get(a.item.promptId)! - rank.get(b.item.promptId)!);
    const rest = this.#waiting.filter((waiting) => !rank.has(waiting.item.promptId));
    this.#waiting = [...named, ...rest];
    this.#sendQueue();
    return this.queue;
  }

  /** Stores who did what (the log does not say) and tells everyone, after what was sent before. */
  async record(record: AttributionRecord): Promise<void> {
    await this.#options.recordAttribution(record);
    this.#broadcasts.send("attribution", record);
  }

  /** Tells everyone something the workspace keeps beside the session (comments), in order with everything else it sends. */
  announce<K extends keyof WorkspaceBroadcasts>(name: K, payload: WorkspaceBroadcasts[K]): void {
    this.#broadcasts.send(name, payload);
  }

  #sendQueue(): void {
    this.#broadcasts.send("queue", this.queue);
  }

  /** Prompts before this queued one, the running one included. */
  #ahead(promptId: string): number {
    return Math.max(0, this.#waiting.findIndex((waiting) => waiting.item.promptId === promptId)) + (this.#running ? 1 : 0);
  }

  /** Runs one prompt's turn to its end, and says how it ended. */
  async #runTurn({ user, text, outcome }: WaitingPrompt): Promise<void> {
    const { promptId } = outcome;
    this.#running = user;
    outcome.state = "running";
    this.#broadcasts.send("turn", { state: "running", promptId, by: user, queued: this.#waiting.length });
    try {
      // `connection-lost`, as for a restart (LOST_IN_RESTART): its author's element offers to send it again.
      if (this.#stopping.signal.aborted) throw new WorkspaceError("connection-lost", "The workspace stopped before this prompt ran. Send it again if you still need it.");
      const session = await this.#ensureSession();
      const meta = { [META_KEY]: { user: { id: user.userId, name: user.userName }, promptId } };
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
      this.#broadcasts.send("turn", { state: "ended", promptId, stopReason, error, by: user, queued: this.#waiting.length }, () => (outcome.state = "ended"));
    }
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

  /** Before the actor sleeps or stops: close the SDK (no more events), then write what is queued. Once only. */
  dispose(): Promise<void> {
    this.#disposed ??= this.#dispose();
    return this.#disposed;
  }

  async #dispose(): Promise<void> {
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
      stop = () => reject(new WorkspaceError("connection-lost", "The workspace stopped while this prompt ran, so its turn did not finish. Send it again if you still need it."));
      if (this.#stopping.signal.aborted) stop();
      else this.#stopping.signal.addEventListener("abort", stop, { once: true });
    });
    return { promise, release: () => this.#stopping.signal.removeEventListener("abort", stop) };
  }

  async #ensureSession(): Promise<Session> {
    // A sandbox the workspace owns is checked before it is used: one that died is replaced on the way (see #connect).
    const session = this.#session;
    if (session && this.#options.sandbox.owned && !(await this.#healthy(CONNECT_CHECK_MS)) && this.#session === session) this.#dropSession();
    if (this.#session) return this.#session;
    this.#connecting ??= this.#connect().finally(() => (this.#connecting = undefined));
    return this.#connecting;
  }

  async #connect(): Promise<Session> {
    const { connection: sandbox, replaced } = await this.#options.sandbox.connect();
    this.#sandbox = sandbox;
    if (replaced) {
      this.#broadcasts.send("error", {
        code: "sandbox-recreated",
        message: `The workspace's sandbox ${replaced}, so it has a new one: the conversation goes on, but files and processes in the old sandbox are gone.`,
        at: Date.now(),
      });
    }
    let sdk: SandboxAgent;
    if (!(await this.#healthy(CONNECT_CHECK_MS))) throw this.#fail(new Error("ECONNREFUSED"), "sandbox-unreachable");
    try {
      // The agent's questions, which the SDK cannot answer, come to #holdQuestion through this fetch (see agent-requests.ts).
      const fetch = agentRequestsFetch({
        fetch: sandbox.fetch,
        clientCapabilities: CLIENT_CAPABILITIES,
        methods: [QUESTION_METHOD],
        onRequest: (request) => this.#holdQuestion(request),
        onLost: (count) => this.#lost(count),
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
    let refusals = 0;
    let silences = 0;
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
        const health = this.#sandbox ? await sandboxHealth(this.#sandbox, WATCH_CHECK_MS) : "down";
        if (health === "ok") refusals = silences = 0;
        else if (health === "silent") silences++;
        else refusals++;
        checking = false;
        if (refusals >= WATCH_REFUSALS || silences >= WATCH_SILENCES) reject(describeFailure(new Error("ECONNREFUSED"), "sandbox-unreachable"));
      }, WATCH_INTERVAL_MS);
    });
    failed.catch(() => undefined);
    return { failed, stop: () => clearInterval(timer) };
  }

  async #healthy(timeoutMs: number): Promise<boolean> {
    const sandbox = this.#sandbox;
    return !!sandbox && (await sandboxHealth(sandbox, timeoutMs)) === "ok";
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

  /**
   * The daemon dropped messages the workspace could not get again: said once for those that go
   * together (a reader that fell behind tends to lose several runs at once). The log marks each run.
   */
  #lost(count: number): void {
    const first = this.#lostCount === 0;
    this.#lostCount += count;
    if (!first) return;
    // Said even as the workspace stops; it does not keep the process up.
    setTimeout(() => {
      const lost = this.#lostCount;
      this.#lostCount = 0;
      this.#broadcasts.send("error", {
        code: "events-lost",
        message: `The sandbox-agent daemon dropped ${lost.toLocaleString("en-US")} of the agent's ${lost === 1 ? "message" : "messages"} while the workspace's read of its stream was behind, and no longer held them. The transcript marks where.`,
        at: Date.now(),
      });
    }, LOST_SAY_MS).unref?.();
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
