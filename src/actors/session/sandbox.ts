/**
 * Where a workspace's sandbox-agent daemon is. A host names it in one of three forms, and this
 * module is the one place that tells them apart:
 * - a fixed connection (`{ baseUrl, token }`): one daemon for every workspace;
 * - a function of the workspace id: the host's own lookup or provisioning;
 * - a sandbox-agent `SandboxProvider` (`sandbox-agent/local`, `/docker`, `/e2b`, `/daytona`, ...):
 *   the workspace owns its sandbox. It creates it on first use and keeps its id (the actor's
 *   state), reconnects to it after a sleep or a restart, replaces it (and says so) when it is gone
 *   or no longer answers, pauses it while the workspace sleeps where the provider can, and
 *   deletes it when the workspace is destroyed.
 * The address and token stay here and in the session host: clients learn at most the provider's
 * name and a digest of the id (`SandboxInfo`).
 */
import { createHash } from "node:crypto";
import { SandboxDestroyedError, type SandboxAgentConnectOptions, type SandboxProvider } from "sandbox-agent";
import type { SandboxInfo } from "../../protocol/index.js";
import { scrub, WorkspaceError } from "./errors.js";

/** Where the sandbox-agent daemon is, and the fetch to reach it with. Stays on the server: never sent to a client. */
export type SandboxConnection = Pick<SandboxAgentConnectOptions, "headers" | "token"> & { baseUrl: string; fetch?: typeof fetch };

/** What a host passes as `sandbox`: a daemon, a function of the workspace id, or a provider that gives each workspace its own sandbox. */
export type SandboxSource = SandboxConnection | ((workspaceId: string) => SandboxConnection | Promise<SandboxConnection>) | SandboxProvider;

/** Where the workspace keeps its sandbox's id (`<provider>/<id>`, as sandbox-agent spells it): the actor's state. */
export interface SandboxIdStore {
  get(): string | undefined;
  /** Resolves once the id is stored durably. */
  set(sandboxId: string | undefined): Promise<void>;
}

export interface SandboxLink {
  connection: SandboxConnection;
  /** Why the workspace's sandbox was replaced by a new one on the way, for the room to be told. */
  replaced?: string;
}

/** A workspace's sandbox, whatever form the host gave. */
export interface WorkspaceSandbox {
  /** Whether the workspace owns it (a provider's): before each turn it checks it answers, and replaces it if not. */
  readonly owned: boolean;
  /** The daemon to talk to: for a provider, the workspace's own sandbox, created, reconnected or replaced as needed. */
  connect(): Promise<SandboxLink>;
  /** What a client may know of it; undefined when the workspace owns none (yet). */
  info(): SandboxInfo | undefined;
  /** The workspace goes to sleep: the provider pauses the sandbox if it can; otherwise it runs on. */
  pause(): Promise<void>;
  /** The workspace is destroyed: the sandbox is deleted (`kill`, else `destroy`) and its id forgotten. */
  destroy(): Promise<void>;
}

/** How long a new sandbox may take to answer its health check. */
const CREATED_TIMEOUT_MS = 30_000;
/** How long a sandbox found again may take: a provider that can restart its server gets longer than one that cannot (local). */
const FOUND_TIMEOUT_MS = 5_000;
const FOUND_NO_RESTART_TIMEOUT_MS = 1_000;
/** One health check's limit. */
const CHECK_TIMEOUT_MS = 1_000;

export function isSandboxProvider(source: SandboxSource): source is SandboxProvider {
  return typeof source === "object" && source !== null && typeof (source as SandboxProvider).create === "function" && typeof (source as SandboxProvider).name === "string";
}

export function workspaceSandbox(source: SandboxSource, workspace: { workspaceId: string; store: SandboxIdStore }): WorkspaceSandbox {
  if (isSandboxProvider(source)) return new OwnedSandbox(source, workspace.store);
  const resolve = typeof source === "function" ? () => source(workspace.workspaceId) : () => source;
  return {
    owned: false,
    // Resolved on each connection: a host's function may do real work (look up, provision).
    connect: async () => ({ connection: await resolve() }),
    info: () => undefined,
    pause: async () => {},
    destroy: async () => {},
  };
}

/**
 * Whether the daemon answers `GET /v1/health`: `ok`, `refused` (it answers, but not to this
 * token: another daemon took the port of one that died), `down`, or `silent` (no answer within
 * `timeoutMs`: gone, or only busy).
 */
export async function sandboxHealth(sandbox: SandboxConnection, timeoutMs = CHECK_TIMEOUT_MS): Promise<"ok" | "refused" | "down" | "silent"> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const headers = new Headers(sandbox.headers);
    if (sandbox.token) headers.set("authorization", `Bearer ${sandbox.token}`);
    const response = await (sandbox.fetch ?? fetch)(new URL("/v1/health", sandbox.baseUrl), { headers, signal });
    if (response.ok) return "ok";
    return response.status === 401 || response.status === 403 ? "refused" : "down";
  } catch {
    return signal.aborted ? "silent" : "down";
  }
}

/** The sandbox's id was found, but the sandbox is gone or does not answer: the workspace needs a new one. */
class SandboxGone extends Error {}

class OwnedSandbox implements WorkspaceSandbox {
  readonly owned = true;
  #provider: SandboxProvider;
  #store: SandboxIdStore;
  /** connect, pause and destroy run one at a time: a sleep must not pause a sandbox being created. */
  #busy: Promise<unknown> = Promise.resolve();

  constructor(provider: SandboxProvider, store: SandboxIdStore) {
    this.#provider = provider;
    this.#store = store;
  }

  info(): SandboxInfo | undefined {
    const id = this.#store.get();
    if (!id) return undefined;
    // A local sandbox's id is its host and port: clients get a digest, enough to tell a new sandbox from the old.
    return { provider: id.slice(0, id.indexOf("/")), ref: createHash("sha256").update(id).digest("hex").slice(0, 12) };
  }

  connect(): Promise<SandboxLink> {
    return this.#serially(async () => {
      const name = this.#provider.name;
      const stored = this.#store.get();
      let replaced: string | undefined;
      if (stored) {
        const { provider, rawId } = parseSandboxId(stored);
        if (provider !== name) {
          replaced = `was made by the “${provider}” provider, and the workspace now uses “${name}”`;
        } else {
          try {
            return { connection: await this.#attach(rawId, true) };
          } catch (error) {
            if (!(error instanceof SandboxGone)) throw failure(error, "Reconnecting to the workspace's sandbox failed");
            replaced = error.message;
            await this.#delete(rawId).catch(() => undefined);
          }
        }
        await this.#store.set(undefined);
      }
      let rawId: string;
      try {
        rawId = await this.#provider.create();
      } catch (error) {
        throw failure(error, "Creating the workspace's sandbox failed");
      }
      try {
        await this.#store.set(`${name}/${rawId}`);
        const connection = await this.#attach(rawId, false);
        return { connection, replaced };
      } catch (error) {
        // A sandbox nobody can reach is deleted now, or it would be left behind.
        await this.#delete(rawId).catch(() => undefined);
        await this.#store.set(undefined).catch(() => undefined);
        throw failure(error, "The workspace's new sandbox did not start");
      }
    });
  }

  pause(): Promise<void> {
    return this.#serially(async () => {
      const stored = this.#store.get();
      if (!stored || !this.#provider.pause) return;
      const { provider, rawId } = parseSandboxId(stored);
      if (provider === this.#provider.name) await this.#provider.pause(rawId);
    });
  }

  destroy(): Promise<void> {
    return this.#serially(async () => {
      const stored = this.#store.get();
      if (!stored) return;
      const { provider, rawId } = parseSandboxId(stored);
      if (provider === this.#provider.name) {
        try {
          await this.#delete(rawId);
        } catch (error) {
          throw failure(error, "Deleting the workspace's sandbox failed");
        }
      }
      await this.#store.set(undefined);
    });
  }

  /**
   * The connection to a sandbox, as `SandboxAgent.start({ sandbox, sandboxId })` builds it (reconnect,
   * ensureServer, the provider's fetch, URL and token). The SDK's own `start` is not used: its `fetch`
   * option replaces the provider's, where the workspace must wrap it (agent-requests.ts).
   */
  async #attach(rawId: string, found: boolean): Promise<SandboxConnection> {
    const provider = this.#provider;
    if (found) {
      try {
        await provider.reconnect?.(rawId);
      } catch (error) {
        if (error instanceof SandboxDestroyedError) throw new SandboxGone("no longer exists");
        throw error;
      }
      await provider.ensureServer?.(rawId);
    }
    const getToken = (provider as { getToken?: (id: string) => Promise<string | undefined> }).getToken;
    const token = (await getToken?.call(provider, rawId)) || undefined;
    const connection: SandboxConnection = {
      // The SDK's own placeholder for a provider that routes through its fetch only.
      baseUrl: provider.getUrl ? await provider.getUrl(rawId) : "http://sandbox-agent",
      token,
      fetch: provider.getFetch ? await provider.getFetch(rawId) : undefined,
    };
    const canRestart = !!(provider.reconnect || provider.ensureServer);
    const deadline = Date.now() + (found ? (canRestart ? FOUND_TIMEOUT_MS : FOUND_NO_RESTART_TIMEOUT_MS) : CREATED_TIMEOUT_MS);
    for (;;) {
      const health = await sandboxHealth(connection);
      if (health === "ok") return connection;
      if (health === "refused") throw new SandboxGone("no longer answers to this workspace");
      if (Date.now() > deadline) throw new SandboxGone(found ? "stopped answering" : "did not answer");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Deletes for good: `kill` where the provider tells it from `destroy` (E2B's `destroy` only pauses). */
  async #delete(rawId: string): Promise<void> {
    const provider = this.#provider;
    await (provider.kill ? provider.kill(rawId) : provider.destroy(rawId));
  }

  #serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#busy.then(work, work);
    this.#busy = run.catch(() => undefined);
    return run;
  }
}

function parseSandboxId(sandboxId: string): { provider: string; rawId: string } {
  const slash = sandboxId.indexOf("/");
  return { provider: sandboxId.slice(0, Math.max(slash, 0)), rawId: sandboxId.slice(slash + 1) };
}

/** A provider's failure as a `sandbox-unreachable` error, its message scrubbed of addresses and tokens. */
function failure(error: unknown, what: string): WorkspaceError {
  if (error instanceof WorkspaceError) return error;
  const detail = error instanceof SandboxGone ? `it ${error.message}` : scrub(error instanceof Error ? error.message : String(error));
  return new WorkspaceError("sandbox-unreachable", `${what}: ${detail}.`);
}
