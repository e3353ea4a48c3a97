/**
 * Running a prompt to its end from a client. The `prompt` action answers once the prompt is queued;
 * the end comes later, as a `turn` broadcast. No Node code here: the browser element uses it too.
 */
import type { PromptAccepted, TurnBroadcast, TurnError, TurnOutcome } from "./contract.js";

/** A RivetKit connection to a workspace, as far as prompting needs it. */
export interface PromptingConnection {
  getSessionInfo(): Promise<{ bootId: string; limits?: { maxPromptBytes: number } }>;
  prompt(input: { text: string; promptId?: string }): Promise<PromptAccepted>;
  getTurn(input: { promptId: string }): Promise<TurnOutcome | null>;
  on(event: "turn", callback: (turn: TurnBroadcast) => void): () => void;
}

/**
 * The largest message a link to a workspace carries: RivetKit's `maxIncomingMessageSize`, at its
 * default, which the registry keeps. A larger message closes the link (`message.incoming_too_long`).
 */
export const LINK_MESSAGE_BYTES = 65_536;

/** The largest text a client sends before it knows the workspace's own limits: one link message, less room for its envelope. */
export const LINK_TEXT_BYTES = LINK_MESSAGE_BYTES - 1024;

/**
 * Why a prompt or comment of `text` is over `maxBytes`, or undefined when it fits. Both sides check:
 * the client before sending (a message over the transport's limit would close its link), the
 * workspace on arrival.
 */
export function tooLarge(what: "prompt" | "comment", text: string, maxBytes: number): string | undefined {
  const bytes = new TextEncoder().encode(text).length;
  return bytes > maxBytes ? `The ${what} is ${bytes.toLocaleString("en")} bytes; the limit is ${maxBytes.toLocaleString("en")}.` : undefined;
}

/**
 * Whether a prompt of `text` whose send failed with `error` closed its link by its size: the link
 * was closed for a message over the transport's limit, and this one is over it. (Every call in
 * flight on that link fails the same way: a smaller one merely lost its link.)
 */
export function closedForSize(error: unknown, text: string): boolean {
  const { group, code } = (error ?? {}) as { group?: string; code?: string };
  return group === "message" && code === "incoming_too_long" && new TextEncoder().encode(text).length > LINK_TEXT_BYTES;
}

/** The error a prompt settles with when its link closed for its size: it is never sent again. */
export function tooLargeForLink(text: string): Error & TurnError {
  const bytes = new TextEncoder().encode(text).length.toLocaleString("en");
  return turnError({ code: "prompt-too-large", message: `The prompt is ${bytes} bytes: more than one message to the workspace may carry.` });
}

/** A fresh prompt id (not `crypto.randomUUID`: pages served over plain http lack it). */
export function newPromptId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `p-${Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("")}`;
}

/**
 * What a prompt settles with when the workspace restarted after it was sent: it is not sent again,
 * since it may have run in part (files edited, commands run).
 */
export const LOST_IN_RESTART: TurnError = {
  code: "connection-lost",
  message: "The workspace restarted while this prompt waited or ran, so its turn did not finish. Send it again if you still need it.",
};

/** The error a failed turn settles with: its `code` is the workspace's. */
export function turnError(error: TurnError): Error & TurnError {
  return Object.assign(new Error(error.message), { code: error.code });
}

/** How a prompt settles, from a turn's end as broadcast or as `getTurn` tells it. */
export function turnResult(outcome: TurnOutcome | TurnBroadcast): PromptResult {
  return outcome.error ? { error: turnError(outcome.error) } : { stopReason: outcome.stopReason };
}

export interface PromptResult {
  stopReason?: string;
  error?: Error;
}

/** Whether a failed `prompt` call is the workspace's refusal (too large, too many, empty), not a failed link. */
export function isRefusal(error: unknown): boolean {
  return (error as { group?: string } | undefined)?.group === "user";
}

/**
 * The session info a prompt starts from. A link that fails while it opens (the engine can time out
 * resolving where the workspace runs, under load) is asked again, twice, a moment later: RivetKit
 * reconnects on its own. The workspace's refusal is final.
 */
async function firstInfo(conn: PromptingConnection): ReturnType<PromptingConnection["getSessionInfo"]> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await conn.getSessionInfo();
    } catch (error) {
      if (isRefusal(error) || attempt >= 2) throw error;
      await new Promise<void>((resolve) => setTimeout(() => resolve(), 500 * (attempt + 1)));
    }
  }
}

/**
 * Sends a prompt over `conn` and resolves with its stop reason when its turn ends; rejects with the
 * workspace's error (`code`, `message`) when it was refused or failed. Nothing here waits on one
 * message alone: the end comes as a broadcast or, every `checkMs`, from `getTurn`, and a prompt
 * the workspace never received is sent again under the same id (never run twice).
 */
export async function runPrompt(conn: PromptingConnection, text: string, checkMs = 5000): Promise<{ stopReason: string }> {
  const promptId = newPromptId();
  // The workspace's start the prompt goes to: after a restart it is not sent again (it may have run in part).
  const { bootId, limits } = await firstInfo(conn);
  const refused = tooLarge("prompt", text, Math.min(limits?.maxPromptBytes ?? LINK_TEXT_BYTES, LINK_TEXT_BYTES));
  if (refused) throw turnError({ code: "prompt-too-large", message: refused });
  let settle!: (result: PromptResult) => void;
  const ended = new Promise<PromptResult>((resolve) => (settle = resolve));
  const unsubscribe = conn.on("turn", (turn) => turn.promptId === promptId && turn.state === "ended" && settle(turnResult(turn)));
  let answered = false;
  const send = () =>
    conn.prompt({ text, promptId }).then(
      () => (answered = true),
      (error: Error) => {
        // The workspace's refusal is the answer, and so is a link closed for the prompt's size
        // (sent again, it would close the next one). Any other failed link is not: the next check tells.
        if (isRefusal(error)) settle({ error });
        else if (closedForSize(error, text)) settle({ error: tooLargeForLink(text) });
      },
    );
  const check = setInterval(() => {
    conn.getTurn({ promptId }).then(
      (outcome) => {
        if (outcome?.state === "ended") settle(turnResult(outcome));
        else if (!outcome) void unknown();
      },
      () => undefined,
    );
  }, checkMs);
  // The workspace does not know the prompt: sent again if it never got it; lost if it restarted since.
  const unknown = () =>
    conn.getSessionInfo().then(
      (info) => {
        if (info.bootId === bootId && !answered) return send();
        const forgotten: TurnError = { code: "connection-lost", message: "The workspace no longer knows this prompt; its outcome was forgotten." };
        settle({ error: turnError(info.bootId === bootId ? forgotten : LOST_IN_RESTART) });
      },
      () => undefined,
    );
  void send();
  try {
    const outcome = await ended;
    if (outcome.error) throw outcome.error;
    return { stopReason: outcome.stopReason ?? "end_turn" };
  } finally {
    clearInterval(check);
    unsubscribe();
  }
}
