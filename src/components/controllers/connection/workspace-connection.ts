/**
 * The element's link to its workspace actor, as a reactive controller that updates its host. It
 * connects with rivetkit/client (loaded on demand, so a page that only replays never downloads it),
 * applies live broadcasts, reconnects when the link drops, asks the workspace on every (re)open and
 * heartbeat where things stand, and reconciles from the answer: broadcasts can be lost, the history
 * and the session info cannot. The history reader and the prompt ledger are its two helpers.
 *
 * Every async path checks that its link is still the current one (`isCurrent`): a late callback of
 * a link that was replaced does nothing.
 */
import type { ReactiveController, ReactiveControllerHost } from "lit";
import type { RawEvent } from "../../../events/index.js";
import {
  can,
  LINK_TEXT_BYTES,
  tooLarge,
  turnResult,
  type AttributionRecord,
  type CommentDeletedBroadcast,
  type ErrorBroadcast,
  type PermissionRequestedBroadcast,
  type PermissionResolvedBroadcast,
  type PresenceBroadcast,
  type QuestionContent,
  type QuestionRequestedBroadcast,
  type QuestionResolvedBroadcast,
  type QueuedPrompt,
  type SessionInfo,
  type TurnBroadcast,
  type WorkspaceComment,
  type WorkspaceRole,
  type WorkspaceUser,
} from "../../../protocol/index.js";
import { CommentBook, mentions } from "./comment-book.js";
import { Heartbeat, HEARTBEAT_TIMEOUT_MS } from "./heartbeat.js";
import { HistoryReader } from "./history-reader.js";
import { answered, message, NoAnswer, subprotocolSafe, type Client, type Conn, type TimelineWrites } from "./link.js";
import { PromptLedger, type LinkState } from "./prompt-ledger.js";

export type ConnectionStatus = "idle" | "connecting" | "live" | "reconnecting" | "error";

export interface ConnectionTarget {
  endpoint: string;
  workspaceId: string;
  actor: string;
  userName?: string;
  token?: string;
}

export interface ConnectionCallbacks {
  /** The element's timeline, for what the connection itself settles in it (events go through `onEvents`). */
  timeline(): TimelineWrites;
  onStatus(status: ConnectionStatus, reason?: string): void;
  onEvents(events: RawEvent[]): void;
  onError(code: string, message: string): void;
  /** A turn started or ended (the `turn` broadcast). */
  onTurn?(turn: TurnBroadcast): void;
  /** Something needs this user: a permission request or question they may answer, a comment that mentions them. Once per thing. */
  onAttention?(attention: Attention): void;
}

/** What needs this element's user (`sandbox-workspace-attention`). */
export interface Attention {
  kind: "permission" | "question" | "mention";
  /** The permission request's, question's or comment's id. */
  id: string;
  /** The entry it is about, when known (a mention's entry; a permission's tool call). */
  entryId?: string;
  toolCallId?: string;
  /** A sentence for a notification. */
  message: string;
}

const RETRY_MS = [500, 1000, 2000, 4000, 8000];
/** How long after a turn's end the element asks where the log stands (see `#checkAfterTurn`). */
const AFTER_TURN_MS = 500;
/** How long a new link waits for its session info before asking again. */
const OPEN_INFO_TIMEOUT_MS = 5_000;
/** How long text sent while joining waits for the workspace's limits. */
const LIMITS_WAIT_MS = 60_000;
/** How long a link may stay unanswered before the element says the registry is unreachable. */
const UNREACHABLE_MS = 5_000;
/** How often a live link reads the comments changed, besides on opening (a lost broadcast is made good by then). */
const COMMENTS_EVERY_MS = 10_000;

export class WorkspaceConnection implements ReactiveController {
  #status: ConnectionStatus = "idle";
  #reason?: string;
  #users: PresenceBroadcast["users"] = [];
  /** Permission requests waiting for an answer, by id. */
  #pending = new Map<string, PermissionRequestedBroadcast>();
  /** Questions from the agent waiting for an answer, by id. */
  #questions = new Map<string, QuestionRequestedBroadcast>();
  #turn?: TurnBroadcast;
  #limits?: SessionInfo["limits"];
  /** Callers waiting for the limits (see `#limitsWithin`). */
  #limitWaiters = new Set<() => void>();
  /** This connection's role and user, as the workspace reported them. */
  #role?: WorkspaceRole;
  #self?: WorkspaceUser;
  /** Prompts waiting for their turn, as the workspace last said. */
  #queue: QueuedPrompt[] = [];
  #comments = new CommentBook();
  #readingComments?: Promise<void>;
  /** When the comments were last read. */
  #commentsReadAt = -Infinity;
  /** What `onAttention` was called for already (by kind and id). */
  #attended = new Set<string>();

  #host: ReactiveControllerHost;
  #callbacks: ConnectionCallbacks;
  #history: HistoryReader;
  #prompts: PromptLedger;
  #heartbeat: Heartbeat;
  #target?: ConnectionTarget;
  #client?: Client;
  #conn?: Conn;
  /** Bumped whenever the link is replaced or closed: callbacks of older links see it and stop. */
  #generation = 0;
  #retries = 0;
  #retryTimer?: ReturnType<typeof setTimeout>;
  #wasLive = false;
  #afterTurn?: ReturnType<typeof setTimeout>;
  /** Links opened so far (RivetKit's own reconnects included): a prompt remembers the one it went out on. */
  #linksOpened = 0;
  /** The workspace's start, as last reported: a change means it restarted. */
  #bootId?: string;
  /** `#linksOpened` when the info behind `#bootId` arrived. */
  #bootIdLink = -1;
  /** The workspace's last event when it last reported running no turn. */
  #idleAt?: number;
  /** The workspace's last event, as it last reported it. */
  #reportedAt = 0;

  constructor(host: ReactiveControllerHost, callbacks: ConnectionCallbacks) {
    this.#host = host;
    this.#callbacks = callbacks;
    this.#history = new HistoryReader({
      timeline: () => callbacks.timeline(),
      link: () => (this.#conn ? { conn: this.#conn, generation: this.#generation } : undefined),
      isCurrent: (generation) => this.#isCurrent(generation),
      live: () => this.live,
      onEvents: (events) => callbacks.onEvents(events),
      onAnswer: (answer) => this.#resolved(answer),
      onQuestionAnswer: (answer) => this.#questionResolved(answer),
      onAttribution: (record) => this.#attributed(record),
      onError: (code, text) => {
        callbacks.onError(code, text);
        host.requestUpdate();
      },
    });
    this.#prompts = new PromptLedger(() => this.#linkState());
    this.#heartbeat = new Heartbeat({
      isCurrent: (generation) => this.#isCurrent(generation),
      live: () => this.live,
      onInfo: (conn, generation, info) => this.#takeInfo(conn, generation, info, false),
      bootId: () => (this.#bootIdLink === this.#linksOpened ? this.#bootId : undefined),
      probe: (signal) => this.#probe(signal),
      onDead: (generation, moved) => {
        this.#setStatus("reconnecting", moved ? "The workspace moved; reconnecting…" : "The workspace stopped answering; reconnecting…");
        // It answers elsewhere already: no reason to wait before the new link.
        this.#retry(generation, moved ? 0 : undefined);
      },
    });
    host.addController(this);
  }

  hostDisconnected(): void {
    this.close();
  }

  get status(): ConnectionStatus {
    return this.#status;
  }

  get live(): boolean {
    return this.#status === "live";
  }

  /** Why the link is not live, when it is not. */
  get reason(): string | undefined {
    return this.#reason;
  }

  /** Who is connected to the workspace. */
  get users(): readonly PresenceBroadcast["users"][number][] {
    return this.#users;
  }

  /** Permission requests waiting for an answer, by id. */
  get pending(): ReadonlyMap<string, PermissionRequestedBroadcast> {
    return this.#pending;
  }

  /** Questions from the agent waiting for an answer, by id. */
  get questions(): ReadonlyMap<string, QuestionRequestedBroadcast> {
    return this.#questions;
  }

  /**
   * Whether the timeline holds the whole history the workspace reported on this link: its session
   * info came, no history read is under way, and nothing up to its newest event is missing.
   */
  get caughtUp(): boolean {
    return this.live && this.#bootIdLink === this.#linksOpened && !this.#history.reading && this.#callbacks.timeline().contiguousIndex >= this.#reportedAt;
  }

  /** The workspace's turn as last broadcast or reported. */
  get turn(): TurnBroadcast | undefined {
    return this.#turn;
  }

  /** This connection's role (undefined until the workspace said). */
  get role(): WorkspaceRole | undefined {
    return this.#role;
  }

  /** This connection's user, as the workspace knows it. */
  get self(): WorkspaceUser | undefined {
    return this.#self;
  }

  /** Prompts waiting for their turn, in the order they will run. */
  get queue(): readonly QueuedPrompt[] {
    return this.#queue;
  }

  /** The comments on entries. */
  get comments(): CommentBook {
    return this.#comments;
  }

  /** The workspace's limits, once known. */
  get limits(): SessionInfo["limits"] | undefined {
    return this.#limits;
  }

  /** Joins `target`, leaving any workspace joined before. */
  open(target: ConnectionTarget): void {
    const switching = this.#target !== undefined;
    this.#reset();
    this.#target = target;
    // Text waiting for the last workspace's limits fails now (see #checkSize); text sent before the first join waits on.
    if (switching) this.#releaseLimitWaiters();
    void this.#connect(++this.#generation);
  }

  /** Leaves the workspace: prompts waiting for their turn or for the workspace's limits fail. */
  close(): void {
    this.#reset();
    this.#releaseLimitWaiters();
  }

  #reset(): void {
    this.#prompts.rejectAll(Object.assign(new Error("The element left the workspace before this prompt's turn ended."), { code: "connection-lost" }));
    this.#generation++;
    clearTimeout(this.#retryTimer);
    this.#disposeLink();
    this.#pending.clear();
    this.#questions.clear();
    this.#users = [];
    this.#turn = undefined;
    this.#role = undefined;
    this.#self = undefined;
    this.#queue = [];
    this.#limits = undefined;
    this.#comments.clear();
    this.#attended.clear();
    this.#wasLive = false;
    this.#setStatus("idle");
  }

  /**
   * Sends a prompt; resolves with its stop reason when its turn ends, rejects with the workspace's
   * error (`code`, `message`). It outlives a dropped link (see PromptLedger).
   */
  async prompt(text: string): Promise<{ stopReason: string }> {
    await this.#checkSize("prompt", text);
    return this.#prompts.send(this.#require(), text);
  }

  /** Answers a pending permission request with one of the agent's options. */
  async respondPermission(permissionId: string, optionId: string): Promise<void> {
    await this.#require().respondPermission({ permissionId, optionId });
  }

  /** Answers a pending question from the agent: `accept` with the form's values, or `decline`. */
  async respondQuestion(questionId: string, action: "accept" | "decline", content?: QuestionContent): Promise<void> {
    await this.#require().respondQuestion({ questionId, action, content });
  }

  async cancel(): Promise<void> {
    await this.#require().cancel();
  }

  /** Takes a queued prompt out of the queue (its author or an owner). */
  async withdrawPrompt(promptId: string): Promise<void> {
    await this.#require().withdrawPrompt({ promptId });
  }

  /** Puts the queue in a new order (owners). */
  async reorderQueue(promptIds: string[]): Promise<void> {
    const queue = await this.#require().reorderQueue({ promptIds });
    this.#queue = queue;
    this.#host.requestUpdate();
  }

  /** Comments on an entry; the comment shows at once, without waiting for its broadcast. */
  async comment(entryId: string, text: string): Promise<void> {
    await this.#checkSize("comment", text);
    const comment = await this.#require().comment({ entryId, text });
    this.#comments.add(comment);
    this.#host.requestUpdate();
  }

  async deleteComment(commentId: string): Promise<void> {
    const deletion = await this.#require().deleteComment({ commentId });
    this.#comments.remove(deletion);
    this.#host.requestUpdate();
  }

  async setMode(modeId: string): Promise<void> {
    await this.#require().setMode({ modeId });
  }

  async setConfigOption(configId: string, value: string): Promise<void> {
    await this.#require().setConfigOption({ configId, value });
  }

  #require(): Conn {
    if (!this.#conn || this.#status !== "live") throw new Error(this.#reason ?? "Not connected to the workspace.");
    return this.#conn;
  }

  /**
   * The session info over a connection of its own rather than the link (see Heartbeat). A socket,
   * not a stateless action: RivetKit's browser client sends an action's body as a stream, which
   * Chromium sends only over HTTP/2, so on a plain-HTTP engine every stateless action fails.
   */
  async #probe(signal: AbortSignal): Promise<SessionInfo> {
    const target = this.#target;
    const client = this.#client as unknown as Record<string, Client["workspace"]> | undefined;
    if (!target || !client) throw new Error("not connected");
    const params = { userName: subprotocolSafe(target.userName), token: target.token, probe: true };
    const probe = (client[target.actor] ?? client.workspace).getOrCreate([target.workspaceId], { params }).connect();
    const dispose = () => void probe.dispose().catch(() => undefined);
    signal.addEventListener("abort", dispose, { once: true });
    try {
      return await probe.getSessionInfo();
    } finally {
      dispose();
    }
  }

  /**
   * Refuses a prompt or comment over the workspace's limit here, not in the workspace: a message over
   * the transport's limit would close the link. A link's limits come with its first session info, so
   * text sent while joining waits for them (as it would for the link); if they do not come, because
   * the element gave up or left, or within `LIMITS_WAIT_MS`, the transport's limit applies.
   */
  async #checkSize(what: "prompt" | "comment", text: string): Promise<void> {
    const target = this.#target;
    const limits = this.#limits ?? (await this.#limitsWithin(LIMITS_WAIT_MS));
    // Text written for one workspace (or as one user) is not sent to what the element joined meanwhile.
    if (target !== undefined && this.#target !== target) {
      throw Object.assign(new Error(`The element left workspace “${target.workspaceId}” before this ${what} was sent.`), { code: "connection-lost" });
    }
    const max = what === "prompt" ? limits?.maxPromptBytes : limits?.maxCommentBytes;
    // A host may allow more than one message of the link carries: the link's limit holds anyway.
    const refused = tooLarge(what, text, Math.min(max ?? LINK_TEXT_BYTES, LINK_TEXT_BYTES));
    if (refused) throw Object.assign(new Error(refused), { code: `${what}-too-large` });
  }

  /** The workspace's limits, waiting up to `ms` for a link to report them (no longer once the element gives up or leaves). */
  #limitsWithin(ms: number): Promise<SessionInfo["limits"] | undefined> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#limitWaiters.delete(done);
        resolve(this.#limits);
      };
      const timer = setTimeout(done, ms);
      this.#limitWaiters.add(done);
    });
  }

  #releaseLimitWaiters(): void {
    for (const done of [...this.#limitWaiters]) done();
  }

  #isCurrent(generation: number): boolean {
    return generation === this.#generation;
  }

  #linkState(): LinkState {
    const generation = this.#generation;
    return {
      link: this.#linksOpened,
      bootId: this.#bootId,
      // The start is known only from this link's own info: the workspace may have restarted between links.
      linkBootId: this.#bootIdLink === this.#linksOpened ? this.#bootId : undefined,
      isCurrent: () => this.#isCurrent(generation),
    };
  }

  async #connect(generation: number): Promise<void> {
    const target = this.#target!;
    this.#setStatus(this.#wasLive ? "reconnecting" : "connecting");
    let createClient: typeof import("rivetkit/client").createClient;
    try {
      ({ createClient } = await import("rivetkit/client"));
    } catch (error) {
      this.#fail(`Could not load the connection code: ${message(error)}`, "client-load-failed");
      return;
    }
    if (!this.#isCurrent(generation)) return;
    const client = createClient<import("../../../actors/index.js").WorkspaceRegistry>({ endpoint: target.endpoint, devtools: false });
    const handle = (client as unknown as Record<string, Client["workspace"]>)[target.actor] ?? client.workspace;
    const params = { userName: subprotocolSafe(target.userName), token: target.token };
    const conn = handle.getOrCreate([target.workspaceId], { params }).connect();
    this.#client = client;
    this.#conn = conn;
    const current = () => this.#isCurrent(generation);

    conn.onOpen(() => {
      if (!current()) return;
      this.#linksOpened++;
      this.#retries = 0;
      this.#wasLive = true;
      this.#setStatus("live");
      this.#heartbeat.start(conn, generation);
      // Subscriptions are re-sent after onOpen: read the history a tick later so nothing slips between.
      setTimeout(() => current() && void this.#history.catchUp(), 0);
      void this.#openingInfo(conn, generation);
    });
    conn.onStatusChange((status: string) => {
      if (!current()) return;
      if (status === "connected") return;
      if (this.#status === "live") this.#setStatus("reconnecting", "The connection dropped; reconnecting…");
      // RivetKit retries on its own, but gives up when the engine itself restarted: start over then.
      if (status === "idle" || status === "disconnected") this.#retry(generation);
    });
    conn.onError((error: { code?: string; message: string }) => {
      if (!current()) return;
      if (error.code === "unauthorized" || error.code === "forbidden") {
        this.#fail(`Not allowed to join workspace “${target.workspaceId}”: ${error.message}`, error.code);
        return;
      }
      if (this.#status !== "live") this.#reason = `Cannot reach the workspace at ${target.endpoint}: ${error.message}`;
      this.#retry(generation);
    });

    conn.on("session.event", (event: RawEvent) => current() && this.#receive([event]));
    conn.on("session.events", (events: RawEvent[]) => current() && this.#receive(events));
    conn.on("presence", (presence: PresenceBroadcast) => {
      if (!current()) return;
      this.#users = presence.users;
      this.#host.requestUpdate();
    });
    conn.on("permission.requested", (request: PermissionRequestedBroadcast) => {
      if (!current()) return;
      this.#pending.set(request.permissionId, request);
      this.#attend();
      this.#host.requestUpdate();
    });
    conn.on("permission.resolved", (answer: PermissionResolvedBroadcast) => current() && this.#resolved(answer));
    conn.on("question.requested", (question: QuestionRequestedBroadcast) => {
      if (!current()) return;
      this.#questions.set(question.questionId, question);
      this.#attend();
      this.#host.requestUpdate();
    });
    conn.on("question.resolved", (answer: QuestionResolvedBroadcast) => current() && this.#questionResolved(answer));
    conn.on("queue", (queue: QueuedPrompt[]) => {
      if (!current()) return;
      this.#queue = queue;
      this.#host.requestUpdate();
    });
    conn.on("comment", (comment: WorkspaceComment) => {
      if (!current() || !this.#comments.add(comment)) return;
      this.#noticeMention(comment);
      this.#host.requestUpdate();
    });
    conn.on("comment.deleted", (deletion: CommentDeletedBroadcast) => current() && this.#comments.remove(deletion) && this.#host.requestUpdate());
    conn.on("attribution", (record: AttributionRecord) => current() && this.#attributed(record));
    conn.on("turn", (turn: TurnBroadcast) => {
      if (!current()) return;
      if (turn.state === "ended" && turn.promptId) this.#prompts.settle(turn.promptId, turnResult(turn));
      // A withdrawn prompt never ran: it ends no turn (the one running goes on).
      if (turn.stopReason === "withdrawn") {
        this.#host.requestUpdate();
        return;
      }
      this.#turn = turn;
      this.#callbacks.onTurn?.(turn);
      if (turn.state === "ended") {
        this.#callbacks.timeline().endTurn(turn.stopReason);
        this.#checkAfterTurn(conn, generation);
      }
      this.#host.requestUpdate();
    });
    conn.on("error", (error: ErrorBroadcast) => current() && this.#callbacks.onError(error.code, error.message));

    // No answer at all (wrong port, nothing listening): say so rather than spin silently.
    setTimeout(() => {
      if (current() && this.#status === "connecting") {
        this.#reason = `Cannot reach the workspace registry at ${target.endpoint}. Is it running? Retrying…`;
        this.#callbacks.onError("unreachable", this.#reason);
        this.#host.requestUpdate();
      }
    }, UNREACHABLE_MS);
  }

  #receive(events: RawEvent[]): void {
    this.#heartbeat.heard();
    this.#callbacks.onEvents(events);
    const timeline = this.#callbacks.timeline();
    if (timeline.lastIndex > timeline.contiguousIndex) void this.#history.catchUp();
  }

  /** The session info a new link starts from, asked for again when its answer does not come. */
  async #openingInfo(conn: Conn, generation: number): Promise<void> {
    for (let attempt = 0; attempt < 3 && this.#isCurrent(generation); attempt++) {
      try {
        const info = await answered(conn.getSessionInfo(), OPEN_INFO_TIMEOUT_MS);
        if (this.#isCurrent(generation)) this.#takeInfo(conn, generation, info, true);
        return;
      } catch (error) {
        if (!(error instanceof NoAnswer)) return;
      }
    }
  }

  /**
   * Takes the workspace's word for where things stand. Broadcasts sent while the link was down are
   * lost, and RivetKit drops an odd broadcast or action answer under load even on a live link, so
   * this runs on every (re)open, every heartbeat and after every turn: no answer button, Stop, turn
   * or prompt then outlives what it was for, and events missed at the end of a stream are read.
   */
  #takeInfo(conn: Conn, generation: number, info: SessionInfo, linkOpened: boolean): void {
    // A new start of the workspace over the same link (on a cluster the engine keeps the socket open
    // while the workspace moves to another runner) is taken as a new link would be.
    const opened = linkOpened || (this.#bootId !== undefined && info.bootId !== this.#bootId);
    this.#users = info.users;
    this.#limits = info.limits;
    this.#releaseLimitWaiters();
    // A workspace from before roles reports none: everyone was an owner there.
    this.#role = info.role ?? "owner";
    this.#self = info.user;
    this.#queue = info.queue ?? [];
    this.#bootId = info.bootId;
    this.#bootIdLink = this.#linksOpened;
    this.#prompts.startReported(info.bootId);
    this.#pending = new Map(info.pendingPermissions.map((request) => [request.permissionId, request]));
    // A workspace from before questions reports none.
    this.#questions = new Map((info.pendingQuestions ?? []).map((question) => [question.questionId, question]));
    this.#attend();
    // Comments are read on opening and at most once a heartbeat: a quiet link is asked more often.
    if (linkOpened || performance.now() - this.#commentsReadAt >= COMMENTS_EVERY_MS) {
      this.#commentsReadAt = performance.now();
      void this.#readComments(conn, generation);
    }
    if (info.running && this.#turn?.state !== "running") this.#turn = { state: "running", queued: info.queued };
    else if (!info.running && (opened || this.#turn?.state === "running")) this.#turn = undefined;
    this.#prompts.check(conn);
    // While a turn streams, its events are on their way over the link: read the history only when the
    // timeline is behind what the workspace reported last time, not just now. With no turn running
    // nothing is on its way, so what is missing is lost (a stream's end has no later event to show the gap).
    const contiguous = this.#callbacks.timeline().contiguousIndex;
    if (contiguous < info.lastEventIndex && (opened || !info.running || contiguous < this.#reportedAt)) void this.#history.catchUp(info.lastEventIndex);
    this.#reportedAt = info.lastEventIndex;
    // A turn's last events may still be on their way: settle a turn the log leaves open on opening,
    // or once the workspace has reported the same idle state twice in a row.
    const idle = info.running ? undefined : info.lastEventIndex;
    if (idle !== undefined && (opened || idle === this.#idleAt)) void this.#settleInterruptedTurn(generation, idle);
    this.#idleAt = idle;
    this.#host.requestUpdate();
  }

  /**
   * The workspace runs no turn, yet the log leaves one open (its prompt has no response): the turn
   * died with the workspace (a registry restart) and nothing will end it. Once the history is in up
   * to what the workspace reported, and nothing newer arrived, end it as interrupted.
   */
  async #settleInterruptedTurn(generation: number, lastEventIndex: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 0));
    await this.#history.catchUp();
    const timeline = this.#callbacks.timeline();
    if (!this.#isCurrent(generation) || this.#turn?.state === "running" || !timeline.summary.running) return;
    if (timeline.contiguousIndex < lastEventIndex || timeline.lastIndex > lastEventIndex) return;
    timeline.endTurn("interrupted");
    this.#host.requestUpdate();
  }

  #resolved(answer: PermissionResolvedBroadcast): void {
    this.#pending.delete(answer.permissionId);
    if (answer.toolCallId) {
      this.#callbacks.timeline().resolvePermission(answer.toolCallId, {
        permissionId: answer.permissionId,
        reply: answer.reply,
        optionId: answer.optionId,
        by: answer.by && { id: answer.by.userId, name: answer.by.userName },
        at: answer.at,
      });
    }
    this.#host.requestUpdate();
  }

  /** Who did what, as the workspace recorded it: into the timeline, which shows it in the entries. */
  #attributed(record: AttributionRecord): void {
    const author = (user: WorkspaceUser) => ({ id: user.userId, name: user.userName });
    this.#callbacks.timeline().attribute(
      record.kind === "withdraw"
        ? { ...record, author: author(record.author), by: author(record.by) }
        : { ...record, by: author(record.by) },
    );
    this.#host.requestUpdate();
  }

  /**
   * Reads the comments changed since the last read (all of them the first time), page by page: on
   * every (re)open and heartbeat, so a lost broadcast is made good within one. Mentions of this user
   * that arrive after the first read are told to the host; older ones are history.
   */
  #readComments(conn: Conn, generation: number): Promise<void> {
    this.#readingComments ??= (async () => {
      const first = this.#comments.cursor === 0;
      try {
        for (let more = true; more && this.#isCurrent(generation); ) {
          const page = await answered(conn.getComments({ after: this.#comments.cursor }));
          if (!this.#isCurrent(generation)) return;
          for (const comment of page.comments) if (this.#comments.add(comment) && !first) this.#noticeMention(comment);
          for (const deletion of page.deleted) this.#comments.remove(deletion);
          this.#comments.cursor = page.cursor;
          more = page.nextAfter !== undefined;
          this.#host.requestUpdate();
        }
      } catch {
        // The next heartbeat reads again.
      } finally {
        this.#readingComments = undefined;
      }
    })();
    return this.#readingComments;
  }

  /** A comment by someone else that names this user: the host may notify. */
  #noticeMention(comment: WorkspaceComment): void {
    const self = this.#self;
    if (!self || comment.by.userId === self.userId || !mentions(comment.text, self.userName)) return;
    this.#attention({ kind: "mention", id: comment.commentId, entryId: comment.entryId, message: `${comment.by.userName ?? comment.by.userId} mentioned you in a comment.` });
  }

  /** Pending permission requests and questions this user may answer, told once each. */
  #attend(): void {
    if (!can(this.#role, "answer")) return;
    for (const request of this.#pending.values()) {
      this.#attention({ kind: "permission", id: request.permissionId, toolCallId: request.toolCallId, message: `The agent asks permission${request.title ? ` for “${request.title}”` : ""}.` });
    }
    for (const question of this.#questions.values()) {
      this.#attention({ kind: "question", id: question.questionId, toolCallId: question.toolCallId, message: "The agent asks the room a question." });
    }
  }

  #attention(attention: Attention): void {
    const key = `${attention.kind}:${attention.id}`;
    if (this.#attended.has(key)) return;
    this.#attended.add(key);
    this.#callbacks.onAttention?.(attention);
  }

  #questionResolved(answer: QuestionResolvedBroadcast): void {
    this.#questions.delete(answer.questionId);
    this.#callbacks.timeline().resolveQuestion(answer.questionId, {
      action: answer.action,
      content: answer.content,
      by: answer.by && { id: answer.by.userId, name: answer.by.userName },
      at: answer.at,
    });
    this.#host.requestUpdate();
  }

  /**
   * A turn ended: its last events may be lost on the way, with no later event to show the gap, and
   * the SDK can log some only after the turn's end. Shortly after, ask where the log stands.
   */
  #checkAfterTurn(conn: Conn, generation: number): void {
    clearTimeout(this.#afterTurn);
    this.#afterTurn = setTimeout(() => {
      if (!this.#isCurrent(generation) || this.#status !== "live") return;
      answered(conn.getSessionInfo(), HEARTBEAT_TIMEOUT_MS).then(
        (info) => this.#isCurrent(generation) && this.#takeInfo(conn, generation, info, false),
        () => undefined, // the heartbeat is the judge of a dead link
      );
    }, AFTER_TURN_MS);
  }

  /** A new link after `delay` ms, or after the next of RETRY_MS. */
  #retry(generation: number, delay?: number): void {
    if (!this.#isCurrent(generation) || this.#retryTimer || this.#status === "error") return;
    delay ??= RETRY_MS[Math.min(this.#retries++, RETRY_MS.length - 1)];
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      if (!this.#isCurrent(generation) || this.#status === "live") return;
      this.#disposeLink();
      void this.#connect(++this.#generation);
    }, delay);
  }

  /** Drops the current connection and client; their late callbacks are ignored by generation. */
  #disposeLink(): void {
    this.#heartbeat.stop();
    clearTimeout(this.#afterTurn);
    void this.#conn?.dispose().catch(() => undefined);
    void this.#client?.dispose().catch(() => undefined);
    this.#conn = undefined;
    this.#client = undefined;
  }

  #fail(reason: string, code: string): void {
    clearTimeout(this.#retryTimer);
    this.#generation++;
    this.#reason = reason;
    this.#setStatus("error", reason);
    this.#callbacks.onError(code, reason);
    this.#releaseLimitWaiters();
  }

  #setStatus(status: ConnectionStatus, reason?: string): void {
    if (status === "live") this.#reason = undefined;
    else if (reason) this.#reason = reason;
    const changed = status !== this.#status;
    this.#status = status;
    if (changed) this.#callbacks.onStatus(status, this.#reason);
    this.#host.requestUpdate();
  }
}
