/**
 * The element's link to its workspace actor: connects with rivetkit/client (loaded on demand, so a
 * page that only replays a transcript never downloads it), reads the history without gaps, applies
 * live broadcasts, and reconnects when the link drops. A reactive controller: it updates its host.
 */
import type { ReactiveController, ReactiveControllerHost } from "lit";
import type {
  ChatUserBroadcast,
  ErrorBroadcast,
  PermissionReply,
  PermissionRequestedBroadcast,
  PermissionResolvedBroadcast,
  PresenceBroadcast,
  SessionInfo,
  TurnBroadcast,
} from "../protocol/index.js";
import type { WorkspaceRegistry } from "../actors/index.js";
import { isRefusal, LOST_IN_RESTART, newPromptId, promptTooLarge, turnError, turnResult, type PromptResult } from "../protocol/index.js";
import type { RawEvent, Timeline } from "../events/index.js";

export type ConnectionStatus = "idle" | "connecting" | "live" | "reconnecting" | "error";

export interface ConnectionTarget {
  endpoint: string;
  workspaceId: string;
  actor: string;
  userName?: string;
  userId?: string;
  token?: string;
}

export interface ConnectionCallbacks {
  /** The timeline to fold events into (the element owns it). */
  timeline(): Timeline;
  onStatus(status: ConnectionStatus, reason?: string): void;
  onEvents(events: RawEvent[]): void;
  onError(code: string, message: string): void;
  onChat?(message: ChatUserBroadcast): void;
  /** A turn started or ended (the `turn` broadcast). */
  onTurn?(turn: TurnBroadcast): void;
}

type Client = ReturnType<typeof import("rivetkit/client").createClient<WorkspaceRegistry>>;
type Conn = ReturnType<ReturnType<Client["workspace"]["getOrCreate"]>["connect"]>;
type HistoryPage = Awaited<ReturnType<Conn["getHistory"]>>;

/** Reads one history page: events come as JSON text, parsed here natively (far cheaper than decoding objects). */
async function readPage(conn: Conn, after: number): Promise<HistoryPage> {
  const { eventsJson, ...rest } = await answered(conn.getHistoryJson({ after, limit: PAGE }));
  return { ...rest, events: JSON.parse(eventsJson) as HistoryPage["events"] };
}

interface PendingPrompt {
  text: string;
  resolve: (result: { stopReason: string }) => void;
  reject: (error: Error) => void;
  /** The link it was last sent over (`#opens` then). */
  opens: number;
  /** The workspace's start it was sent to, if known. */
  bootId?: string;
  /** Checks in a row, over the link it went out on, that found the workspace without it. */
  misses: number;
}

const RETRY_MS = [500, 1000, 2000, 4000, 8000];
/** Events per history page (the actor's maximum). */
const PAGE = 500;
/**
 * How often a live link asks the workspace whether it still answers. The engine keeps a client's
 * socket open when the host running its actor dies; only a request finds out (and closes it).
 */
const HEARTBEAT_MS = 10_000;
const HEARTBEAT_TIMEOUT_MS = 15_000;
/** How long after a turn's end the element asks where the log stands (see `#checkAfterTurn`). */
const AFTER_TURN_MS = 500;
/** How long a new link waits for its session info before asking again. */
const OPEN_INFO_TIMEOUT_MS = 5_000;
/** How long a history page or session info may take before it is asked for again. */
const ANSWER_TIMEOUT_MS = 20_000;
/** History pages requested at once when a long session opens. */
const PARALLEL_PAGES = 4;

export class WorkspaceConnection implements ReactiveController {
  status: ConnectionStatus = "idle";
  reason?: string;
  users: PresenceBroadcast["users"] = [];
  /** Permission requests waiting for an answer, by id. */
  pending = new Map<string, PermissionRequestedBroadcast>();
  turn?: TurnBroadcast;
  /** What the workspace accepts from one connection (from its session info). */
  limits?: SessionInfo["limits"];

  #host: ReactiveControllerHost;
  #callbacks: ConnectionCallbacks;
  #target?: ConnectionTarget;
  #client?: Client;
  #conn?: Conn;
  #generation = 0;
  #retries = 0;
  #retryTimer?: ReturnType<typeof setTimeout>;
  #catchingUp?: Promise<void>;
  #wasLive = false;
  #heartbeat?: ReturnType<typeof setInterval>;
  /** When the current link last delivered anything: a link busy delivering is alive. */
  #lastHeard = 0;
  /** Prompts this element sent whose turn has not ended, by prompt id. */
  #prompts = new Map<string, PendingPrompt>();
  /** Links opened so far (RivetKit's own reconnects included): a prompt remembers the one it went out on. */
  #opens = 0;
  /** The workspace's start, as last reported: a change means it restarted. */
  #bootId?: string;
  /** The workspace's last event when it last reported running no turn. */
  #idleAt?: number;
  /** `#opens` when the info behind `#bootId` arrived. */
  #infoOpens = -1;
  /** The workspace's last event, as it last reported it. */
  #reportedAt = 0;
  /** An index reported while a catch-up was under way, that it may not reach (see `#catchUp`). */
  #catchUpAgain = 0;
  #afterTurn?: ReturnType<typeof setTimeout>;

  constructor(host: ReactiveControllerHost, callbacks: ConnectionCallbacks) {
    this.#host = host;
    this.#callbacks = callbacks;
    host.addController(this);
  }

  hostDisconnected(): void {
    this.close();
  }

  get live(): boolean {
    return this.status === "live";
  }

  /** Joins `target`, leaving any workspace joined before. */
  open(target: ConnectionTarget): void {
    this.close();
    this.#target = target;
    void this.#connect(++this.#generation);
  }

  close(): void {
    for (const pending of this.#prompts.values()) pending.reject(Object.assign(new Error("The element left the workspace before this prompt's turn ended."), { code: "connection-lost" }));
    this.#prompts.clear();
    this.#generation++;
    clearTimeout(this.#retryTimer);
    this.#disposeLink();
    this.pending.clear();
    this.users = [];
    this.turn = undefined;
    this.#wasLive = false;
    this.#setStatus("idle");
  }

  /**
   * Sends a prompt; resolves with its stop reason when its turn ends, rejects with the workspace's
   * error (`code`, `message`). It outlives a dropped link: once the link is back, the workspace says
   * what became of it, and a prompt that never arrived is sent again (under the same id, so never twice).
   */
  async prompt(text: string): Promise<{ stopReason: string }> {
    // Refused here, not by the workspace: a message over the transport's limit would close the link.
    const tooLarge = promptTooLarge(text, this.limits?.maxPromptBytes);
    if (tooLarge) throw Object.assign(new Error(tooLarge), { code: "prompt_too_large" });
    const conn = this.#require();
    const promptId = newPromptId();
    return new Promise((resolve, reject) => {
      // The start is known only from this link's own info: the workspace may have restarted between links.
      const bootId = this.#infoOpens === this.#opens ? this.#bootId : undefined;
      const pending: PendingPrompt = { text, resolve, reject, opens: this.#opens, bootId, misses: 0 };
      this.#prompts.set(promptId, pending);
      this.#send(conn, promptId, pending);
    });
  }

  #send(conn: Conn, promptId: string, pending: PendingPrompt): void {
    conn.prompt({ text: pending.text, promptId }).then(
      () => undefined,
      (error: Error) => {
        // The workspace's own refusal is the answer. Any other failure is the link's: the next
        // look at a live link finds out whether the prompt arrived.
        if (isRefusal(error)) this.#settlePrompt(promptId, { error });
      },
    );
  }

  #settlePrompt(promptId: string, outcome: PromptResult): void {
    const pending = this.#prompts.get(promptId);
    if (!pending) return;
    this.#prompts.delete(promptId);
    if (outcome.error) pending.reject(outcome.error);
    else pending.resolve({ stopReason: outcome.stopReason ?? "end_turn" });
  }

  /** Asks the workspace about each prompt still waiting: its end may have come while the link was down. */
  #checkPrompts(conn: Conn, generation: number): void {
    for (const [promptId, pending] of this.#prompts) {
      conn.getTurn({ promptId }).then(
        (outcome) => {
          if (generation !== this.#generation || !this.#prompts.has(promptId)) return;
          if (outcome?.state === "ended") {
            this.#settlePrompt(promptId, turnResult(outcome));
            return;
          }
          if (outcome) {
            pending.misses = 0;
            return;
          }
          // Unknown to the workspace. Sent over this very link, its request was lost (asked twice to be
          // sure); over one that is gone, it never arrived, or the workspace restarted since.
          const sameStart = pending.bootId !== undefined && pending.bootId === this.#bootId;
          if (pending.opens === this.#opens ? ++pending.misses >= 2 && sameStart : sameStart) {
            pending.misses = 0;
            pending.opens = this.#opens;
            this.#send(conn, promptId, pending);
          } else if (pending.opens !== this.#opens) {
            // Not sent again: it may have run in part before the restart.
            this.#settlePrompt(promptId, { error: turnError(LOST_IN_RESTART) });
          }
        },
        () => undefined,
      );
    }
  }

  async respondPermission(permissionId: string, reply: PermissionReply): Promise<void> {
    await this.#require().respondPermission({ permissionId, reply });
  }

  async cancel(): Promise<void> {
    await this.#require().cancel();
  }

  async setMode(modeId: string): Promise<void> {
    await this.#require().setMode({ modeId });
  }

  async setConfigOption(configId: string, value: string): Promise<void> {
    await this.#require().setConfigOption({ configId, value });
  }

  #require(): Conn {
    if (!this.#conn || this.status !== "live") throw new Error(this.reason ?? "Not connected to the workspace.");
    return this.#conn;
  }

  async #connect(generation: number): Promise<void> {
    const target = this.#target!;
    this.#setStatus(this.#wasLive ? "reconnecting" : "connecting");
    let createClient: typeof import("rivetkit/client").createClient;
    try {
      ({ createClient } = await import("rivetkit/client"));
    } catch (error) {
      this.#fail(`Could not load the connection code: ${message(error)}`);
      return;
    }
    if (generation !== this.#generation) return;
    const client = createClient<WorkspaceRegistry>({ endpoint: target.endpoint, devtools: false });
    const handle = (client as unknown as Record<string, Client["workspace"]>)[target.actor] ?? client.workspace;
    const params = { userName: subprotocolSafe(target.userName), userId: target.userId, token: target.token };
    const conn = handle.getOrCreate([target.workspaceId], { params }).connect();
    this.#client = client;
    this.#conn = conn;

    const mine = () => generation === this.#generation;
    conn.onOpen(() => {
      if (!mine()) return;
      this.#opens++;
      this.#retries = 0;
      this.#wasLive = true;
      this.#setStatus("live");
      this.#beat(conn, generation);
      // Subscriptions are re-sent after onOpen: read the history a tick later so nothing slips between.
      setTimeout(() => mine() && void this.#catchUp(), 0);
      void this.#openingInfo(conn, generation);
    });
    conn.onStatusChange((status: string) => {
      if (!mine()) return;
      if (status === "connected") return;
      if (this.status === "live") this.#setStatus("reconnecting", "The connection dropped; reconnecting…");
      // RivetKit retries on its own, but gives up when the engine itself restarted: start over then.
      if (status === "idle" || status === "disconnected") this.#retry(generation);
    });
    conn.onError((error: { code?: string; message: string }) => {
      if (!mine()) return;
      if (error.code === "unauthorized" || error.code === "forbidden") {
        this.#fail(`Not allowed to join workspace “${target.workspaceId}”: ${error.message}`, error.code);
        return;
      }
      if (this.status !== "live") this.reason = `Cannot reach the workspace at ${target.endpoint}: ${error.message}`;
      this.#retry(generation);
    });

    conn.on("session.event", (event: RawEvent) => mine() && this.#receive([event]));
    conn.on("session.events", (events: RawEvent[]) => mine() && this.#receive(events));
    conn.on("presence", (presence: PresenceBroadcast) => {
      if (!mine()) return;
      this.users = presence.users;
      this.#host.requestUpdate();
    });
    conn.on("permission.requested", (request: PermissionRequestedBroadcast) => {
      if (!mine()) return;
      this.pending.set(request.permissionId, request);
      this.#host.requestUpdate();
    });
    conn.on("permission.resolved", (answer: PermissionResolvedBroadcast) => mine() && this.#resolved(answer));
    conn.on("turn", (turn: TurnBroadcast) => {
      if (!mine()) return;
      if (turn.state === "ended" && turn.promptId) this.#settlePrompt(turn.promptId, turnResult(turn));
      this.turn = turn;
      this.#callbacks.onTurn?.(turn);
      if (turn.state === "ended") {
        this.#callbacks.timeline().endTurn(turn.stopReason);
        this.#checkAfterTurn(conn, generation);
      }
      this.#host.requestUpdate();
    });
    conn.on("chat.user", (chat: ChatUserBroadcast) => mine() && this.#callbacks.onChat?.(chat));
    conn.on("error", (error: ErrorBroadcast) => mine() && this.#callbacks.onError(error.code, error.message));

    // No answer at all (wrong port, nothing listening): say so rather than spin silently.
    setTimeout(() => {
      if (mine() && this.status === "connecting") {
        this.reason = `Cannot reach the workspace registry at ${target.endpoint}. Is it running? Retrying…`;
        this.#callbacks.onError("unreachable", this.reason);
        this.#host.requestUpdate();
      }
    }, 5000);
  }

  #receive(events: RawEvent[]): void {
    this.#lastHeard = performance.now();
    this.#callbacks.onEvents(events);
    const timeline = this.#callbacks.timeline();
    if (timeline.lastIndex > timeline.contiguousIndex) void this.#catchUp();
  }

  /** The session info a new link starts from, asked for again when its answer does not come. */
  async #openingInfo(conn: Conn, generation: number): Promise<void> {
    for (let attempt = 0; attempt < 3 && generation === this.#generation; attempt++) {
      try {
        const info = await answered(conn.getSessionInfo(), OPEN_INFO_TIMEOUT_MS);
        if (generation === this.#generation) this.#takeInfo(conn, generation, info, true);
        return;
      } catch (error) {
        if (!(error instanceof NoAnswer)) return;
      }
    }
  }

  /**
   * Takes the workspace's word for where things stand. Broadcasts sent while the link was down are
   * lost, and RivetKit drops an odd broadcast or action answer under load even on a live link, so
   * this runs on every (re)open and every heartbeat: no answer button, Stop, turn or prompt then
   * outlives what it was for, and events missed at the end of a stream are read from the history.
   */
  #takeInfo(conn: Conn, generation: number, info: SessionInfo, opened: boolean): void {
    this.users = info.users;
    this.limits = info.limits;
    this.#bootId = info.bootId;
    this.#infoOpens = this.#opens;
    // A prompt sent before this link's first info went to this same start: a restart drops the link.
    for (const prompt of this.#prompts.values()) if (prompt.opens === this.#opens) prompt.bootId ??= info.bootId;
    this.pending = new Map(info.pendingPermissions.map((request) => [request.permissionId, request]));
    if (info.running && this.turn?.state !== "running") this.turn = { state: "running", queued: info.queued };
    else if (!info.running && (opened || this.turn?.state === "running")) this.turn = undefined;
    this.#checkPrompts(conn, generation);
    // Behind what the workspace reported last time (10 s ago), not just now: events of a running
    // stream are on their way over the link, and reading them again would only add load.
    // With no turn running nothing is on its way: what is missing is lost (the end of a stream
    // has no later event to show the gap), so read it now.
    const contiguous = this.#callbacks.timeline().contiguousIndex;
    if (contiguous < info.lastEventIndex && (opened || !info.running || contiguous < this.#reportedAt)) void this.#catchUp(info.lastEventIndex);
    this.#reportedAt = info.lastEventIndex;
    // On a live link the turn's last events may still be on their way: settle a turn the log leaves
    // open on opening, or once the workspace has reported the same idle state twice in a row.
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
    await this.#catchUp();
    const timeline = this.#callbacks.timeline();
    if (generation !== this.#generation || this.turn?.state === "running" || !timeline.summary.running) return;
    if (timeline.contiguousIndex < lastEventIndex || timeline.lastIndex > lastEventIndex) return;
    timeline.endTurn("interrupted");
    this.#host.requestUpdate();
  }

  #resolved(answer: PermissionResolvedBroadcast): void {
    this.pending.delete(answer.permissionId);
    if (answer.toolCallId) {
      this.#callbacks.timeline().resolvePermission(answer.toolCallId, {
        reply: answer.reply,
        by: answer.by && { id: answer.by.userId, name: answer.by.userName },
        at: answer.at,
      });
    }
    this.#host.requestUpdate();
  }

  /**
   * Reads the history after the last index with nothing missing, page by page, once at a time.
   * `through`: an index the workspace reported. A read already under way may have passed the log's
   * end before that was stored: one more read follows it if it leaves the timeline short.
   */
  #catchUp(through = 0): Promise<void> {
    if (this.#catchingUp) {
      this.#catchUpAgain = Math.max(this.#catchUpAgain, through);
      return this.#catchingUp;
    }
    this.#catchingUp = this.#readHistory().finally(() => {
      this.#catchingUp = undefined;
      const again = this.#catchUpAgain;
      this.#catchUpAgain = 0;
      const timeline = this.#callbacks.timeline();
      if (this.live && (timeline.lastIndex > timeline.contiguousIndex || timeline.contiguousIndex < again)) void this.#catchUp();
    });
    return this.#catchingUp;
  }

  /**
   * A turn ended: its last events may be lost on the way, with no later event to show the gap, and
   * the SDK can log some only after the turn's end. Shortly after, ask where the log stands.
   */
  #checkAfterTurn(conn: Conn, generation: number): void {
    clearTimeout(this.#afterTurn);
    this.#afterTurn = setTimeout(() => {
      if (generation !== this.#generation || this.status !== "live") return;
      answered(conn.getSessionInfo(), HEARTBEAT_TIMEOUT_MS).then(
        (info) => generation === this.#generation && this.#takeInfo(conn, generation, info, false),
        () => undefined, // the heartbeat is the judge of a dead link
      );
    }, AFTER_TURN_MS);
  }

  async #readHistory(): Promise<void> {
    const conn = this.#conn;
    const generation = this.#generation;
    if (!conn) return;
    const timeline = this.#callbacks.timeline();
    try {
      const after = timeline.contiguousIndex;
      if (after === 0) {
        // A first load of a long session: show the newest page at once, then the rest behind it.
        const { lastEventIndex } = await answered(conn.getSessionInfo());
        if (generation !== this.#generation) return;
        if (lastEventIndex > PAGE) {
          // The newest page is shown first; the older pages are on their way meanwhile, and wait for
          // it (answers can come in any order).
          let shown = () => {};
          const newestShown = new Promise<void>((resolve) => (shown = resolve));
          await Promise.all([
            this.#readFrom(conn, generation, lastEventIndex - PAGE, shown).finally(shown),
            this.#readRange(conn, generation, after, lastEventIndex - PAGE, newestShown),
          ]);
          return;
        }
      }
      await this.#readFrom(conn, generation, after);
    } catch (error) {
      // An answer that never came is asked for again by the next heartbeat, which sees what is missing.
      if (generation === this.#generation && !(error instanceof NoAnswer)) this.#callbacks.onError("history_failed", `Could not read the history: ${message(error)}`);
    }
  }

  /** Reads every event after `after`, page by page, each applied as it arrives. */
  async #readFrom(conn: Conn, generation: number, after: number, onFirstPage?: () => void): Promise<void> {
    for (;;) {
      const page = await readPage(conn, after);
      if (generation !== this.#generation) return;
      this.#takePage(page, after === this.#callbacks.timeline().contiguousIndex ? after : undefined);
      this.#callbacks.onEvents(page.events);
      onFirstPage?.();
      onFirstPage = undefined;
      if (page.nextAfter === undefined) return;
      after = page.nextAfter;
    }
  }

  /**
   * Reads the known range (after, upTo] as pages requested a few at a time, not one after another,
   * and applies them together (once `applyAfter` settles): slotting them in below events already
   * shown re-folds once.
   */
  async #readRange(conn: Conn, generation: number, after: number, upTo: number, applyAfter?: Promise<void>): Promise<void> {
    const starts: number[] = [];
    for (let start = after; start < upTo; start += PAGE) starts.push(start);
    const pages: Array<HistoryPage> = new Array(starts.length);
    let next = 0;
    const worker = async () => {
      while (next < starts.length) {
        const i = next++;
        pages[i] = await readPage(conn, starts[i]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_PAGES, starts.length) }, worker));
    await applyAfter;
    if (generation !== this.#generation) return;
    const held: RawEvent[] = [];
    pages.forEach((page, i) => {
      this.#takePage(page, i === 0 && after === this.#callbacks.timeline().contiguousIndex ? after : undefined);
      const end = Math.min(starts[i] + PAGE, upTo);
      for (const event of page.events) if (event.eventIndex <= end) held.push(event);
    });
    if (held.length) this.#callbacks.onEvents(held);
  }

  /**
   * What a history page says besides its events: who answered permissions, and, for the page read
   * right after the contiguous index (`after`), whether older events were trimmed from storage —
   * what is not there is not a gap.
   */
  #takePage(page: HistoryPage, after: number | undefined): void {
    const timeline = this.#callbacks.timeline();
    const first = page.events[0]?.eventIndex;
    if (after !== undefined && first !== undefined && first > after + 1) timeline.skipTo(first - 1);
    for (const answer of page.permissions) if (answer.reply !== "cancelled") this.#resolved(answer);
    // The workspace's host died before writing events it had sent: drop them, as storage did.
    let dropped = 0;
    for (const range of page.lost ?? []) dropped += timeline.forget(range.after, range.through);
    if (dropped > 0) {
      const what = dropped === 1 ? "1 event" : `${dropped.toLocaleString()} events`;
      this.#callbacks.onError("events-lost", `The workspace stopped before it could save the last ${what} it had shown; they are no longer shown.`);
      this.#host.requestUpdate();
    }
  }

  #retry(generation: number): void {
    if (generation !== this.#generation || this.#retryTimer || this.status === "error") return;
    const delay = RETRY_MS[Math.min(this.#retries++, RETRY_MS.length - 1)];
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      if (generation !== this.#generation || this.status === "live") return;
      this.#disposeLink();
      void this.#connect(++this.#generation);
    }, delay);
  }

  /** While live, asks the workspace every HEARTBEAT_MS; no answer means the link is dead: start over. */
  #beat(conn: Conn, generation: number): void {
    clearInterval(this.#heartbeat);
    let asking = false;
    this.#heartbeat = setInterval(() => {
      if (generation !== this.#generation) return clearInterval(this.#heartbeat);
      if (asking || this.status !== "live") return;
      asking = true;
      answered(conn.getSessionInfo(), HEARTBEAT_TIMEOUT_MS)
        .then(
          (info) => {
            if (generation !== this.#generation) return;
            this.#lastHeard = performance.now();
            this.#takeInfo(conn, generation, info, false);
          },
          () => {
            if (generation !== this.#generation || this.status !== "live") return;
            // A page too busy to read its socket answers late, not never: events still arriving mean the link lives.
            if (performance.now() - this.#lastHeard < HEARTBEAT_TIMEOUT_MS) return;
            this.#setStatus("reconnecting", "The workspace stopped answering; reconnecting…");
            this.#retry(generation);
          },
        )
        .finally(() => (asking = false));
    }, HEARTBEAT_MS);
  }

  /** Drops the current connection and client; their late callbacks are ignored by generation. */
  #disposeLink(): void {
    clearInterval(this.#heartbeat);
    clearTimeout(this.#afterTurn);
    void this.#conn?.dispose().catch(() => undefined);
    void this.#client?.dispose().catch(() => undefined);
    this.#conn = undefined;
    this.#client = undefined;
  }

  #fail(reason: string, code = "error"): void {
    clearTimeout(this.#retryTimer);
    this.#generation++;
    this.reason = reason;
    this.#setStatus("error", reason);
    this.#callbacks.onError(code, reason);
  }

  #setStatus(status: ConnectionStatus, reason?: string): void {
    if (status === "live") this.reason = undefined;
    else if (reason) this.reason = reason;
    const changed = status !== this.status;
    this.status = status;
    if (changed) this.#callbacks.onStatus(status, this.reason);
    this.#host.requestUpdate();
  }
}

/**
 * RivetKit sends connection params in a WebSocket subprotocol, URI-encoded: `(` and `)` survive
 * `encodeURIComponent` but are not allowed in a subprotocol, and a lone surrogate makes it throw.
 * Either would keep the element from ever connecting, so a display name carries look-alikes.
 */
function subprotocolSafe(name: string | undefined): string | undefined {
  return name
    ?.replace(/\(/g, "\uFF08")
    .replace(/\)/g, "\uFF09")
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
}

/** An action's answer that did not come in time: RivetKit can drop one on a live link. */
class NoAnswer extends Error {}

function answered<T>(promise: Promise<T>, ms = ANSWER_TIMEOUT_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new NoAnswer(`no answer in ${ms} ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
