/**
 * The `workspace` actor: one per workspace id. It owns that workspace's sandbox-agent session
 * (and, given a sandbox-agent provider, its sandbox), keeps its events in the actor's SQLite, and
 * broadcasts everything that happens to every connected client. Clients never see the sandbox's
 * address or token.
 */
import { promisify } from "node:util";
import { constants as zlib, deflateRaw } from "node:zlib";
import { actor, UserError } from "rivetkit";
import { db } from "rivetkit/db";
import type {
  AttributionRecord,
  CommentDeletedBroadcast,
  CommentsPage,
  HistoryPage,
  HistoryPageDeflated,
  HistoryPageJson,
  PermissionAnswer,
  PresenceBroadcast,
  PromptAccepted,
  QueuedPrompt,
  QuestionAnswer,
  SessionInfo,
  TurnOutcome,
  WorkspaceComment,
  WorkspaceConnParams,
  WorkspaceRole,
  WorkspaceUser,
} from "../protocol/index.js";
import { can, newPromptId, readRole, refusal, tooLarge, type Capability } from "../protocol/index.js";
import { guardSdkRejections } from "./sdk-rejections.js";
import { WorkspaceError } from "./session/errors.js";
import { workspaceSandbox, type SandboxSource } from "./session/sandbox.js";
import { SessionHost } from "./session/session-host.js";
import { WorkspacePersistDriver } from "./storage/persist-driver.js";
import {
  deleteComment,
  insertComment,
  migrate,
  readAttributions,
  readComment,
  readComments,
  readPermissions,
  readQuestions,
  recordAttribution,
  recordPermission,
  recordQuestion,
  wipeWorkspace,
} from "./storage/schema.js";

export interface WorkspaceActorOptions {
  /**
   * The sandbox-agent daemon (`{ baseUrl, token }`), a function of the workspace id that finds one,
   * or a sandbox-agent `SandboxProvider` (`local()` from `sandbox-agent/local`, `docker()`, `e2b()`...):
   * then each workspace creates its own sandbox on first use, keeps its id, pauses it while it sleeps
   * where the provider can, and deletes it when the workspace is destroyed.
   */
  sandbox: SandboxSource;
  /** The agent to run (`claude`, `codex`, ...). */
  agent: string;
  /**
   * Who may connect to which workspace, and in which role. Return false to refuse; true to let the
   * client in as the user it named, as an `owner`; or `{ userId?, userName?, role? }` to set the
   * connection's identity (e.g. from a verified token; a field left out is the client's) and role
   * (`viewer`, `prompter`, `approver` or `owner`; left out: `owner`; any other value: `viewer`).
   * Without `authorize`, everyone is an `owner`.
   */
  authorize?: (request: { params: WorkspaceConnParams; workspaceId: string }) => boolean | AuthorizedUser | Promise<boolean | AuthorizedUser>;
  /** Working directory for new agent sessions. */
  cwd?: string;
  limits?: Partial<WorkspaceLimits>;
  /** Idle time (no connection, no running turn) before the actor sleeps; RivetKit's default otherwise. */
  sleepTimeoutMs?: number;
}

/** What `authorize` may say of a connection: who it is and its role. */
export interface AuthorizedUser {
  userId?: string;
  userName?: string;
  role?: WorkspaceRole;
}

export interface WorkspaceLimits {
  /** Events kept per workspace; the oldest are deleted beyond it. */
  maxEvents: number;
  /** Largest prompt accepted, in UTF-8 bytes. */
  maxPromptBytes: number;
  /** Prompts a connection may send per minute. */
  promptsPerMinute: number;
  /** Largest history page. */
  maxHistoryPage: number;
  /** Largest comment accepted, in UTF-8 bytes. */
  maxCommentBytes: number;
  /** Comments a connection may post per minute. */
  commentsPerMinute: number;
}

export const DEFAULT_LIMITS: WorkspaceLimits = {
  maxEvents: 100_000,
  maxPromptBytes: 32 * 1024,
  promptsPerMinute: 30,
  maxHistoryPage: 2000,
  maxCommentBytes: 4 * 1024,
  commentsPerMinute: 20,
};

type ConnState = WorkspaceUser & { role: WorkspaceRole; probe?: true };

/** Kept small: RivetKit writes the whole state on every change. Events live in the actor's SQLite. */
export interface WorkspaceState {
  createdAt: number;
  /** The sandbox this workspace owns, as sandbox-agent names it (`<provider>/<id>`), when its host gave a provider. */
  sandboxId?: string;
}

/** Runs an action's work; a failure reaches the client as a UserError with its code and message. */
async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof UserError) throw error;
    if (error instanceof WorkspaceError) throw new UserError(error.message, { code: error.code });
    console.error("[sandbox-workspace] action failed:", error);
    throw new UserError("The workspace failed unexpectedly; the error was logged on the server.", { code: "internal" });
  }
}

function randomId(): string {
  return Math.random().toString(36).slice(2, 10);
}

export function createWorkspaceActor(options: WorkspaceActorOptions) {
  const limits: WorkspaceLimits = { ...DEFAULT_LIMITS, ...options.limits };

  return actor({
    createState: (): WorkspaceState => ({ createdAt: Date.now() }),

    db: db({ onMigrate: migrate }),

    createVars: (c) => {
      // The SDK's transport failures may escape as unhandled rejections from here on.
      guardSdkRejections();
      const workspaceId = String(c.key[0]);
      const persist = new WorkspacePersistDriver(c.db, {
        maxEventsPerSession: limits.maxEvents,
        onError: (error) => c.broadcast("error", { code: "persist-failed", message: `Saving events failed, will retry: ${String(error)}`, at: Date.now() }),
      });
      const sandbox = workspaceSandbox(options.sandbox, {
        workspaceId,
        store: {
          get: () => c.state.sandboxId,
          set: async (sandboxId) => {
            c.state.sandboxId = sandboxId;
            // Written at once: a sandbox whose id is lost would be left running.
            await c.saveState({ immediate: true });
          },
        },
      });
      const host = new SessionHost({
        workspaceId,
        agent: options.agent,
        cwd: options.cwd,
        sandbox,
        persist,
        emit: (name, payload) => c.broadcast(name, payload),
        audience: () => c.conns.size,
        recordPermission: (resolution) => recordPermission(persist, resolution),
        recordQuestion: (resolution) => recordQuestion(persist, resolution),
        recordAttribution: (record) => recordAttribution(persist, record),
      });
      /** When each connection last prompted, for the per-minute limit. */
      const promptTimes = new Map<string, number[]>();
      /** When each connection last commented, likewise. */
      const commentTimes = new Map<string, number[]>();
      return { workspaceId, persist, host, sandbox, promptTimes, commentTimes, bootId: `${Date.now().toString(36)}-${randomId()}` };
    },

    onSleep: async (c) => {
      await c.vars.host.dispose();
      await c.vars.sandbox.pause().catch((error: unknown) => console.error("[sandbox-workspace] pausing the sandbox failed:", error));
    },

    // Also when the host destroys the actor by other means than the `destroy` action.
    onDestroy: async (c) => {
      await c.vars.host.dispose();
      await c.vars.sandbox.destroy().catch((error: unknown) => console.error("[sandbox-workspace] deleting the sandbox failed:", error));
    },

    onBeforeConnect: async (c, params: unknown) => {
      if (!options.authorize) return;
      const verdict = await options.authorize({ params: readParams(params), workspaceId: String(c.key[0]) });
      if (!verdict) throw new UserError("You are not allowed to join this workspace.", { code: "unauthorized" });
    },

    createConnState: async (c, raw: unknown): Promise<ConnState> => {
      const params = readParams(raw);
      const verdict = options.authorize ? await options.authorize({ params, workspaceId: String(c.key[0]) }) : true;
      const named: AuthorizedUser = typeof verdict === "object" && verdict !== null ? verdict : {};
      const userId = named.userId ?? params.userId;
      const userName = named.userName ?? params.userName;
      return {
        userId: String(userId ?? `guest-${randomId()}`).slice(0, 128),
        userName: userName === undefined ? undefined : String(userName).slice(0, 128),
        role: roleOf(named),
        ...(params.probe ? { probe: true as const } : {}),
      };
    },

    onConnect: (c, conn) => {
      if (!isPerson(conn)) return;
      c.broadcast("presence", presence(c.conns.values()));
    },
    onDisconnect: (c, conn) => {
      c.vars.promptTimes.delete(conn.id);
      c.vars.commentTimes.delete(conn.id);
      if (!isPerson(conn)) return;
      c.broadcast("presence", presence([...c.conns.values()].filter((other) => other.id !== conn.id)));
    },

    actions: {
      getSessionInfo: async (c): Promise<SessionInfo> => ({
        workspaceId: c.vars.workspaceId,
        agent: options.agent,
        sessionId: c.vars.host.sessionId,
        running: c.vars.host.running,
        queued: c.vars.host.queued,
        queue: c.vars.host.queue,
        role: connOf(c).role,
        user: userOf(connOf(c)),
        lastEventIndex: await c.vars.persist.maxEventIndex(c.vars.host.sessionId),
        bootId: c.vars.bootId,
        users: presence(c.conns.values()).users,
        pendingPermissions: c.vars.host.pendingPermissions,
        pendingQuestions: c.vars.host.pendingQuestions,
        limits: {
          maxPromptBytes: limits.maxPromptBytes,
          promptsPerMinute: limits.promptsPerMinute,
          maxCommentBytes: limits.maxCommentBytes,
          commentsPerMinute: limits.commentsPerMinute,
        },
        sandbox: c.vars.sandbox.info(),
      }),

      /**
       * Queues a prompt as the connection's user and answers at once (see `PromptAccepted`); the
       * turn's end is broadcast as `turn` with the prompt's id. Prompts run one at a time, in order.
       * Sending a `promptId` again does not run it twice.
       */
      prompt: (c, input: { text: string; promptId?: string }): PromptAccepted => {
        allow(c, "prompt");
        const user = userOf(c.conn.state as ConnState);
        const text = typeof input?.text === "string" ? input.text : "";
        const promptId = input?.promptId === undefined ? undefined : readPromptId(input.promptId);
        if (promptId === null) throw new UserError("A promptId is 8 to 64 letters, digits, _ or -.", { code: "invalid-argument" });
        if (promptId && c.vars.host.turn(promptId)) return c.vars.host.prompt(user, text, promptId);
        if (!text.trim()) throw new UserError("A prompt needs some text.", { code: "invalid-argument" });
        const oversized = tooLarge("prompt", text, limits.maxPromptBytes);
        if (oversized) throw new UserError(oversized, { code: "prompt-too-large" });
        const now = Date.now();
        // Kept in memory, not in the connection's state: RivetKit writes changed state to storage,
        // and broadcasts sent while it writes are lost (see `WriteGate`).
        const times = (c.vars.promptTimes.get(c.conn.id) ?? []).filter((t) => now - t < 60_000);
        if (times.length >= limits.promptsPerMinute) {
          throw new UserError(`Too many prompts: at most ${limits.promptsPerMinute} a minute.`, { code: "rate-limited" });
        }
        const accepted = guardedSync(() => c.vars.host.prompt(user, text, promptId ?? newPromptId()));
        times.push(now);
        c.vars.promptTimes.set(c.conn.id, times);
        // The turn runs after the action has answered: hold the actor awake until it (and any queued before it) ends.
        void c.keepAwake(c.vars.host.settled);
        return accepted;
      },

      /** What became of a prompt: queued, running or ended (with its stop reason or error); null if this workspace never had it since it started. */
      getTurn: (c, input: { promptId: string }): TurnOutcome | null => c.vars.host.turn(String(input?.promptId)) ?? null,

      /** Events with `eventIndex > after`, oldest first, paged. */
      getHistory: async (c, input: { after?: number; limit?: number } = {}): Promise<HistoryPage> => {
        const sessionId = c.vars.host.sessionId;
        const { after, limit } = historyRequest(input, limits.maxHistoryPage);
        const page = await c.vars.persist.readEvents(sessionId, after, limit);
        return { events: page.events, nextAfter: page.more ? page.events.at(-1)!.eventIndex : undefined, ...(await historyExtras(c.vars.persist, sessionId)) };
      },

      /**
       * `getHistory`, with the events as one JSON text: stored events are sent as they are stored,
       * not parsed and encoded again, and a client reads them with one `JSON.parse`.
       */
      getHistoryJson: async (c, input: { after?: number; limit?: number } = {}): Promise<HistoryPageJson> => {
        const { json, ...page } = await jsonPage(c.vars, input, limits.maxHistoryPage);
        return { eventsJson: json, ...page };
      },

      /**
       * `getHistoryJson`, with that JSON text compressed (raw DEFLATE, RFC 1951): stored events
       * compress about tenfold, and a page's time goes mostly to carrying its bytes through the
       * engine. Compressed off the actor's thread; a browser reads it with `DecompressionStream("deflate-raw")`.
       */
      getHistoryDeflated: async (c, input: { after?: number; limit?: number } = {}): Promise<HistoryPageDeflated> => {
        const { json, ...page } = await jsonPage(c.vars, input, limits.maxHistoryPage);
        const events = await deflate(json, { level: zlib.Z_BEST_SPEED });
        return { eventsDeflated: new Uint8Array(events.buffer, events.byteOffset, events.byteLength), ...page };
      },

      /** Answers a pending permission request with one of the agent's options (`optionId`), or a `reply` of a kind it offered. First answer wins. */
      respondPermission: (c, input: PermissionAnswer) =>
        guarded(() =>
          allowed(c, "answer", "answer the agent's permission requests") &&
          c.vars.host.respondPermission(userOf(c.conn.state as ConnState), {
            permissionId: String(input?.permissionId),
            optionId: input?.optionId === undefined ? undefined : String(input.optionId),
            reply: input?.reply,
          }),
        ),

      /**
       * Answers a question from the agent (`pendingQuestions`): `accept` with the form's `content`
       * (checked against its schema), or `decline`. First answer wins; a later one is told who answered.
       */
      respondQuestion: (c, input: QuestionAnswer) =>
        guarded(() =>
          allowed(c, "answer", "answer the agent's questions") &&
          c.vars.host.respondQuestion(userOf(c.conn.state as ConnState), {
            questionId: String(input?.questionId),
            action: input?.action,
            content: input?.content,
          }),
        ),

      cancel: (c) =>
        guarded(async () => {
          allow(c, "control", "stop a turn");
          await c.vars.host.cancel(userOf(c.conn.state as ConnState));
          return { cancelled: true };
        }),

      setMode: (c, input: { modeId: string }) =>
        guarded(async () => {
          allow(c, "control", "change the agent's mode");
          const modeId = String(input?.modeId);
          await c.vars.host.setMode(modeId);
          await c.vars.host.record({ kind: "mode", modeId, by: userOf(connOf(c)), at: Date.now() });
          return { ok: true };
        }),

      setConfigOption: (c, input: { configId: string; value: string }) =>
        guarded(async () => {
          allow(c, "control", "change the agent's options");
          const configId = String(input?.configId);
          const value = String(input?.value);
          await c.vars.host.setConfigOption(configId, value);
          await c.vars.host.record({ kind: "config", configId, value, by: userOf(connOf(c)), at: Date.now() });
          return { ok: true };
        }),

      /**
       * Takes a queued prompt out of the queue before it runs: its author (a prompter or owner) or
       * any owner may. The author's turn ends as `withdrawn`; the record says who withdrew it.
       */
      withdrawPrompt: (c, input: { promptId: string }) =>
        guarded(async () => {
          const conn = connOf(c);
          if (!can(conn.role, "prompt")) allow(c, "prompt", "withdraw prompts");
          const record = await c.vars.host.withdraw(userOf(conn), String(input?.promptId), can(conn.role, "control"));
          return { withdrawn: true, by: record.by };
        }),

      /** Puts the queue in a new order (owners): the prompts named first, in that order; see `SessionHost.reorder`. */
      reorderQueue: (c, input: { promptIds: string[] }): QueuedPrompt[] => {
        allow(c, "control", "reorder the queue");
        const ids = Array.isArray(input?.promptIds) ? input.promptIds : undefined;
        if (!ids || ids.length > 200 || !ids.every((id) => typeof id === "string")) throw new UserError("promptIds is a list of queued prompts' ids.", { code: "invalid-argument" });
        return guardedSync(() => c.vars.host.reorder(ids));
      },

      /**
       * Comments on an entry (by its id: the same for every client). Everyone in the workspace may;
       * the text is untrusted markdown, at most `maxCommentBytes`, `commentsPerMinute` per connection.
       */
      comment: (c, input: { entryId: string; text: string }) =>
        guarded(async (): Promise<WorkspaceComment> => {
          allow(c, "comment");
          const entryId = typeof input?.entryId === "string" ? input.entryId : "";
          if (!/^[\w:.-]{1,128}$/.test(entryId)) throw new UserError("A comment needs the id of the entry it is on (letters, digits, _ : . or -, up to 128).", { code: "invalid-argument" });
          const text = typeof input?.text === "string" ? input.text : "";
          if (!text.trim()) throw new UserError("A comment needs some text.", { code: "invalid-argument" });
          const oversized = tooLarge("comment", text, limits.maxCommentBytes);
          if (oversized) throw new UserError(oversized, { code: "comment-too-large" });
          const now = Date.now();
          const times = (c.vars.commentTimes.get(c.conn.id) ?? []).filter((t) => now - t < 60_000);
          if (times.length >= limits.commentsPerMinute) {
            throw new UserError(`Too many comments: at most ${limits.commentsPerMinute} a minute. Wait a little and send it again.`, { code: "rate-limited" });
          }
          times.push(now);
          c.vars.commentTimes.set(c.conn.id, times);
          const comment: WorkspaceComment = { commentId: `c-${now.toString(36)}-${randomId()}`, entryId, by: userOf(connOf(c)), text, createdAt: now };
          await insertComment(c.vars.persist, comment);
          c.vars.host.announce("comment", comment);
          return comment;
        }),

      /** Deletes a comment: its author or an owner. */
      deleteComment: (c, input: { commentId: string }) =>
        guarded(async (): Promise<CommentDeletedBroadcast> => {
          const conn = connOf(c);
          const commentId = String(input?.commentId);
          const comment = await readComment(c.vars.persist, commentId);
          if (!comment) throw new UserError(`No comment ${commentId.slice(0, 64)}: it may have been deleted already.`, { code: "comment-not-found" });
          if (comment.by.userId !== conn.userId && !can(conn.role, "control")) {
            throw new UserError(`Only whoever wrote a comment (here ${comment.by.userName ?? comment.by.userId}) or an owner can delete it.`, { code: "forbidden" });
          }
          const deletion: CommentDeletedBroadcast = { commentId, entryId: comment.entryId, by: userOf(conn), at: Date.now() };
          await deleteComment(c.vars.persist, deletion);
          c.vars.host.announce("comment.deleted", deletion);
          return deletion;
        }),

      /** Comments created and deleted since the cursor `after` (0: all), oldest first, paged (`nextAfter`); `cursor` to ask again later. */
      getComments: (c, input: { after?: number; limit?: number } = {}): Promise<CommentsPage> => {
        const { after, limit } = historyRequest(input, limits.maxHistoryPage);
        return readComments(c.vars.persist, after, limit);
      },

      /**
       * Destroys the workspace: the running turn stops, the sandbox it owns is deleted (answering
       * only once it is), and its history and state are deleted; the id then starts afresh. Owners
       * only. When the sandbox cannot be deleted, nothing else is.
       */
      destroy: (c) =>
        guarded(async () => {
          allow(c, "control", "destroy the workspace");
          const user = userOf(c.conn.state as ConnState);
          await c.vars.host.dispose();
          try {
            await c.vars.sandbox.destroy();
          } catch (error) {
            // Its session host is disposed: asleep, the workspace gets a new one when next used.
            c.sleep();
            throw error;
          }
          await wipeWorkspace(c.vars.persist);
          c.state.createdAt = Date.now();
          c.broadcast("error", { code: "workspace-destroyed", message: `${user.userName ?? user.userId} destroyed this workspace: its history and sandbox are gone.`, at: Date.now() });
          // Not `c.destroy()`: RivetKit 2.3.19 closes an actor's database before its final state
          // save on destroy, the save fails and the actor is never destroyed. Emptied, it sleeps, and
          // wakes as a new workspace.
          c.sleep();
          return { destroyed: true };
        }),
    },

    options: {
      // No action waits for a turn (see PromptAccepted); a long history read still may take a while.
      actionTimeout: 60 * 1000,
      ...(options.sleepTimeoutMs ? { sleepTimeout: options.sleepTimeoutMs } : {}),
    },
  });
}

/** A history request's `after` and `limit`, made whole numbers in range (`limit` at most `max`). */
function historyRequest(input: { after?: number; limit?: number } | undefined, max: number) {
  const after = Math.max(0, Math.floor(Number(input?.after ?? 0)) || 0);
  const limit = Math.max(1, Math.min(Math.floor(Number(input?.limit ?? max)) || max, max));
  return { after, limit };
}

const deflate = promisify(deflateRaw);

/** A history page with its events as one JSON text, as stored: what `getHistoryJson` and `getHistoryDeflated` send. */
async function jsonPage(
  vars: { host: SessionHost; persist: WorkspacePersistDriver },
  input: { after?: number; limit?: number } | undefined,
  maxPage: number,
): Promise<Omit<HistoryPage, "events"> & { json: string }> {
  const sessionId = vars.host.sessionId;
  const { after, limit } = historyRequest(input, maxPage);
  const page = await vars.persist.readEventsJson(sessionId, after, limit);
  return { json: page.json, nextAfter: page.more ? page.last : undefined, ...(await historyExtras(vars.persist, sessionId)) };
}

/** What a history page says besides its events: who answered permissions and questions, who did what, and what a crash lost. */
async function historyExtras(persist: WorkspacePersistDriver, sessionId: string): Promise<Pick<HistoryPage, "permissions" | "questions" | "attributions" | "lost">> {
  return {
    permissions: await readPermissions(persist),
    questions: await readQuestions(persist),
    attributions: await readAttributions(persist),
    lost: await persist.lostRanges(sessionId),
  };
}

/** Connection params come from the client: keep only the strings we know. */
function readParams(params: unknown): WorkspaceConnParams {
  const record = typeof params === "object" && params !== null ? (params as Record<string, unknown>) : {};
  const pick = (key: string) => (typeof record[key] === "string" ? (record[key] as string) : undefined);
  return { userId: pick("userId"), userName: pick("userName"), token: pick("token"), ...(record.probe === true ? { probe: true } : {}) };
}

/** A client's prompt id: short, and plain enough to log; null when it is not. */
function readPromptId(value: unknown): string | null {
  return typeof value === "string" && /^[\w-]{8,64}$/.test(value) ? value : null;
}

function userOf(state: WorkspaceUser): WorkspaceUser {
  return { userId: state.userId, userName: state.userName };
}

/** The calling connection's user and role. */
function connOf(c: { conn: { state: unknown } }): ConnState {
  return c.conn.state as ConnState;
}

/** A role as `authorize` gave it: none is `owner` (as without roles); one it does not know is `viewer`, never more. */
function roleOf(named: AuthorizedUser): WorkspaceRole {
  if (named.role === undefined) return "owner";
  const role = readRole(named.role);
  if (!role) console.warn(`[sandbox-workspace] authorize returned the role ${JSON.stringify(named.role)}; treated as viewer (roles: viewer, prompter, approver, owner).`);
  return role ?? "viewer";
}

/** Refuses with `forbidden`, and a sentence that says why, unless the calling connection's role allows `capability`. */
function allow(c: { conn: { state: unknown } }, capability: Capability, doing?: string): void {
  const { role } = connOf(c);
  if (!can(role, capability)) throw new UserError(refusal(role, capability, doing), { code: "forbidden" });
}

/** `allow`, as an expression: true when allowed. */
function allowed(c: { conn: { state: unknown } }, capability: Capability, doing?: string): true {
  allow(c, capability, doing);
  return true;
}

/** Runs synchronous work; a WorkspaceError reaches the client as a UserError with its code. */
function guardedSync<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof WorkspaceError) throw new UserError(error.message, { code: error.code });
    throw error;
  }
}

type AnyConn = { id: string; state: unknown; isHibernatable?: boolean };

/** Stateless action calls get a short-lived connection, and clients open probes: neither is a person. */
function isPerson(conn: AnyConn): boolean {
  return conn.isHibernatable !== false && !(conn.state as ConnState | undefined)?.probe;
}

/** Who is connected. */
function presence(conns: Iterable<AnyConn>): PresenceBroadcast {
  return {
    users: [...conns]
      .filter(isPerson)
      .map((conn) => ({ connectionId: conn.id, ...userOf(conn.state as ConnState), role: (conn.state as ConnState).role ?? "owner" })),
  };
}
