/** Failures as a person (and a program) can act on them, without the sandbox's address or token. */
import type { WorkspaceErrorCode } from "../../protocol/index.js";

/** An error a person can act on; `code` tells a program what happened. */
export class WorkspaceError extends Error {
  constructor(
    readonly code: WorkspaceErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "WorkspaceError";
  }
}

/** Rejects with a `sandbox-unreachable` WorkspaceError if `promise` has not settled within `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new WorkspaceError("sandbox-unreachable", message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Names the failure without leaking the sandbox's address or token. */
export function describeFailure(error: unknown, fallback: WorkspaceErrorCode): WorkspaceError {
  const text = error instanceof Error ? `${error.message} ${String((error as { cause?: unknown }).cause ?? "")}` : String(error);
  if (/ECONNREFUSED|ECONNRESET|ENOTFOUND|EHOSTUNREACH|fetch failed|socket hang up|other side closed|UND_ERR/i.test(text)) {
    return new WorkspaceError("sandbox-unreachable", "The sandbox-agent daemon cannot be reached. The workspace will reconnect on the next prompt once it is back.");
  }
  if (/exit|exited|terminated|killed|process (closed|ended)/i.test(text)) {
    return new WorkspaceError("agent-exited", "The agent process exited. The next prompt starts it again and resumes the session.");
  }
  return new WorkspaceError(fallback, scrub(error instanceof Error ? error.message : String(error)));
}

/** Error messages from the SDK can carry the daemon's URL; a client never needs it. */
export function scrub(message: string): string {
  return message.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"')]+/gi, "<sandbox>").replace(/(token|authorization|bearer)[=: ]+\S+/gi, "$1 <redacted>");
}
