/**
 * The `workspace` actor: one per workspace id. It owns that workspace's sandbox-agent session,
 * keeps its events in the actor's SQLite, and broadcasts everything that happens to every
 * connected client. Clients never see the sandbox's address or token.
 */
import { actor, UserError } from "rivetkit";
import { db } from "rivetkit/db";
import type {
  HistoryPage,
  HistoryPageJson,
  PermissionAnswer,
  PresenceBroadcast,
  PromptAccepted,
  QuestionAnswer,
  SessionInfo,
  TurnOutcome,
  WorkspaceConnParams,
  WorkspaceUser,
} from "../protocol/index.js";
import { newPromptId, promptTooLarge } from "../protocol/index.js";
import { guardSdkRejections } from "./sdk-rejections.js";
import { WorkspaceError } from "./session/errors.js";
import { SessionHost, type SandboxConnection } from "./session/session-host.js";
import { WorkspacePersistDriver } from "./storage/persist-driver.js";
import { migrate, readPermissions, readQuestions, recordPermission, recordQuestion } from "./storage/schema.js";

export interface WorkspaceActorOptions {
  /** The sandbox-agent daemon, or a function of the workspace id for one sandbox per workspace. */
  sandbox: SandboxConnection | ((workspaceId: string) => SandboxConnection | Promise<SandboxConnection>);
  /** The agent to run (`claude`, `codex`, ...). */
  agent: string;
  /**
   * Who may connect to which workspace. Return false to refuse, or a user to set the connection's
   * identity (e.g. from a verified token); true keeps the user the client named.
   */
  authorize?: (request: { params: WorkspaceConnParams; workspaceId: string }) => boolean | WorkspaceUser | Promise<boolean | WorkspaceUser>;
  /** Working directory for new agent sessions. */
  cwd?: string;
  limits?: Partial<WorkspaceLimits>;
  /** Idle time (no connection, no running turn) before the actor sleeps; RivetKit's default otherwise. */
  sleepTimeoutMs?: number;
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
}

export const DEFAULT_LIMITS: WorkspaceLimits = {
  maxEvents: 100_000,
  maxPromptBytes: 32 * 1024,
  promptsPerMinute: 30,
  maxHistoryPage: 500,
};

type ConnState = WorkspaceUser;

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
  const sandboxFor = (workspaceId: string) => (typeof options.sandbox === "function" ? options.sandbox(workspaceId) : options.sandbox);

  return actor({
    createState: () => ({ createdAt: Date.now() }),

    db: db({ onMigrate: migrate }),

    createVars: (c) => {
      // The SDK's transport failures may escape as unhandled rejections from here on.
      guardSdkRejections();
      const workspaceId = String(c.key[0]);
      const persist = new WorkspacePersistDriver(c.db, {
        maxEventsPerSession: limits.maxEvents,
        onError: (error) => c.broadcast("error", { code: "persist-failed", message: `Saving events failed, will retry: ${String(error)}`, at: Date.now() }),
      });
      const host = new SessionHost({
        workspaceId,
        agent: options.agent,
        cwd: options.cwd,
        sandbox: () => sandboxFor(workspaceId),
        persist,
        emit: (name, payload) => c.broadcast(name, payload),
        audience: () => c.conns.size,
        recordPermission: (resolution) => recordPermission(persist, resolution),
        recordQuestion: (resolution) => recordQuestion(persist, resolution),
      });
      /** When each connection last prompted, for the per-minute limit. */
      const promptTimes = new Map<string, number[]>();
      return { workspaceId, persist, host, promptTimes, bootId: `${Date.now().toString(36)}-${randomId()}` };
    },

    onSleep: async (c) => {
      await c.vars.host.dispose();
    },

    onDestroy: async (c) => {
      await c.vars.host.dispose();
    },

    onBeforeConnect: async (c, params: unknown) => {
      if (!options.authorize) return;
      const verdict = await options.authorize({ params: readParams(params), workspaceId: String(c.key[0]) });
      if (!verdict) throw new UserError("You are not allowed to join this workspace.", { code: "unauthorized" });
    },

    createConnState: async (c, raw: unknown): Promise<ConnState> => {
      const params = readParams(raw);
      const verdict = options.authorize ? await options.authorize({ params, workspaceId: String(c.key[0]) }) : true;
      const named = typeof verdict === "object" ? verdict : { userId: params.userId, userName: params.userName };
      return {
        userId: String(named.userId ?? `guest-${randomId()}`).slice(0, 128),
        userName: named.userName === undefined ? undefined : String(named.userName).slice(0, 128),
      };
    },

    onConnect: (c) => c.broadcast("presence", presence(c.conns.values())),
    onDisconnect: (c, conn) => {
      c.vars.promptTimes.delete(conn.id);
      c.broadcast("presence", presence([...c.conns.values()].filter((other) => other.id !== conn.id)));
    },

    actions: {
      getSessionInfo: async (c): Promise<SessionInfo> => ({
        workspaceId: c.vars.workspaceId,
        agent: options.agent,
        sessionId: c.vars.host.sessionId,
        running: c.vars.host.running,
        queued: c.vars.host.queued,
        lastEventIndex: await c.vars.persist.maxEventIndex(c.vars.host.sessionId),
        bootId: c.vars.bootId,
        users: presence(c.conns.values()).users,
        pendingPermissions: c.vars.host.pendingPermissions,
        pendingQuestions: c.vars.host.pendingQuestions,
        limits: { maxPromptBytes: limits.maxPromptBytes, promptsPerMinute: limits.promptsPerMinute },
      }),

      /**
       * Queues a prompt as the connection's user and answers at once (see `PromptAccepted`); the
       * turn's end is broadcast as `turn` with the prompt's id. Prompts run one at a time, in order.
       * Sending a `promptId` again does not run it twice.
       */
      prompt: (c, input: { text: string; promptId?: string }): PromptAccepted => {
        const user = userOf(c.conn.state as ConnState);
        const text = typeof input?.text === "string" ? input.text : "";
        const promptId = input?.promptId === undefined ? undefined : readPromptId(input.promptId);
        if (promptId === null) throw new UserError("A promptId is 8 to 64 letters, digits, _ or -.", { code: "invalid-argument" });
        if (promptId && c.vars.host.turn(promptId)) return c.vars.host.prompt(user, text, promptId);
        if (!text.trim()) throw new UserError("A prompt needs some text.", { code: "invalid-argument" });
        const tooLarge = promptTooLarge(text, limits.maxPromptBytes);
        if (tooLarge) throw new UserError(tooLarge, { code: "prompt-too-large" });
        const now = Date.now();
        // Kept in memory, not in the connection's state: RivetKit writes changed state to storage,
        // and broadcasts sent while it writes are lost (see `WriteGate`).
        const times = (c.vars.promptTimes.get(c.conn.id) ?? []).filter((t) => now - t < 60_000);
        if (times.length >= limits.promptsPerMinute) {
          throw new UserError(`Too many prompts: at most ${limits.promptsPerMinute} a minute.`, { code: "rate-limited" });
        }
        times.push(now);
        c.vars.promptTimes.set(c.conn.id, times);
        const accepted = c.vars.host.prompt(user, text, promptId ?? newPromptId());
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
        const sessionId = c.vars.host.sessionId;
        const { after, limit } = historyRequest(input, limits.maxHistoryPage);
        const page = await c.vars.persist.readEventsJson(sessionId, after, limit);
        return { eventsJson: page.json, nextAfter: page.more ? page.last : undefined, ...(await historyExtras(c.vars.persist, sessionId)) };
      },

      /** Answers a pending permission request with one of the agent's options (`optionId`), or a `reply` of a kind it offered. First answer wins. */
      respondPermission: (c, input: PermissionAnswer) =>
        guarded(() =>
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
          c.vars.host.respondQuestion(userOf(c.conn.state as ConnState), {
            questionId: String(input?.questionId),
            action: input?.action,
            content: input?.content,
          }),
        ),

      cancel: (c) =>
        guarded(async () => {
          await c.vars.host.cancel(userOf(c.conn.state as ConnState));
          return { cancelled: true };
        }),

      setMode: (c, input: { modeId: string }) =>
        guarded(async () => {
          await c.vars.host.setMode(String(input?.modeId));
          return { ok: true };
        }),

      setConfigOption: (c, input: { configId: string; value: string }) =>
        guarded(async () => {
          await c.vars.host.setConfigOption(String(input?.configId), String(input?.value));
          return { ok: true };
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

/** What a history page says besides its events: who answered permissions and questions, and what a crash lost. */
async function historyExtras(persist: WorkspacePersistDriver, sessionId: string): Promise<Pick<HistoryPage, "permissions" | "questions" | "lost">> {
  return { permissions: await readPermissions(persist), questions: await readQuestions(persist), lost: await persist.lostRanges(sessionId) };
}

/** Connection params come from the client: keep only the strings we know. */
function readParams(params: unknown): WorkspaceConnParams {
  const record = typeof params === "object" && params !== null ? (params as Record<string, unknown>) : {};
  const pick = (key: string) => (typeof record[key] === "string" ? (record[key] as string) : undefined);
  return { userId: pick("userId"), userName: pick("userName"), token: pick("token") };
}

/** A client's prompt id: short, and plain enough to log; null when it is not. */
function readPromptId(value: unknown): string | null {
  return typeof value === "string" && /^[\w-]{8,64}$/.test(value) ? value : null;
}

function userOf(state: ConnState): WorkspaceUser {
  return { userId: state.userId, userName: state.userName };
}

/** Who is connected. Stateless action calls get a short-lived connection too; they are not people here. */
function presence(conns: Iterable<{ id: string; state: unknown; isHibernatable?: boolean }>): PresenceBroadcast {
  return {
    users: [...conns].filter((conn) => conn.isHibernatable !== false).map((conn) => ({ connectionId: conn.id, ...userOf(conn.state as ConnState) })),
  };
}
