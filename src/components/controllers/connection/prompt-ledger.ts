/**
 * The prompts this element sent whose turn has not ended. A prompt outlives a dropped link: once a
 * link is back, the workspace says what became of it, and a prompt that never arrived is sent again
 * under the same id (so it never runs twice). One sent to a workspace that restarted since is not
 * sent again: it may have run in part.
 */
import { closedForSize, isRefusal, LOST_IN_RESTART, tooLargeForLink, newPromptId, turnError, turnResult, type PromptResult } from "../../../protocol/index.js";
import type { Conn } from "./link.js";

interface SentPrompt {
  text: string;
  resolve: (result: { stopReason: string }) => void;
  reject: (error: Error) => void;
  /** The link it was last sent over (the count of links opened then). */
  link: number;
  /** The workspace's start it was sent to, if known. */
  bootId?: string;
  /** Checks in a row, over the link it went out on, that found the workspace without it. */
  misses: number;
}

/** Where the element's link stands, as the ledger needs it: which link is open and which start of the workspace it reached. */
export interface LinkState {
  /** Links opened so far (RivetKit's own reconnects included). */
  link: number;
  /** The workspace's start, as last reported on any link. */
  bootId?: string;
  /** The start this very link reported, if it has. */
  linkBootId?: string;
  isCurrent(): boolean;
}

export class PromptLedger {
  #prompts = new Map<string, SentPrompt>();
  #state: () => LinkState;

  constructor(state: () => LinkState) {
    this.#state = state;
  }

  /** Sends `text` over `conn`; settles when its turn ends. */
  send(conn: Conn, text: string): Promise<{ stopReason: string }> {
    const promptId = newPromptId();
    const { link, linkBootId } = this.#state();
    return new Promise((resolve, reject) => {
      const prompt: SentPrompt = { text, resolve, reject, link, bootId: linkBootId, misses: 0 };
      this.#prompts.set(promptId, prompt);
      this.#send(conn, promptId, prompt);
    });
  }

  settle(promptId: string, outcome: PromptResult): void {
    const prompt = this.#prompts.get(promptId);
    if (!prompt) return;
    this.#prompts.delete(promptId);
    if (outcome.error) prompt.reject(outcome.error);
    else prompt.resolve({ stopReason: outcome.stopReason ?? "end_turn" });
  }

  /** A link's first report of the workspace's start: prompts sent over it before then went to that start (a restart drops the link). */
  startReported(bootId: string): void {
    const { link } = this.#state();
    for (const prompt of this.#prompts.values()) if (prompt.link === link) prompt.bootId ??= bootId;
  }

  /** Asks the workspace about each prompt still waiting: its end may have come while the link was down. */
  check(conn: Conn): void {
    const asked = this.#state();
    for (const [promptId, prompt] of this.#prompts) {
      conn.getTurn({ promptId }).then(
        (outcome) => {
          if (!asked.isCurrent() || !this.#prompts.has(promptId)) return;
          if (outcome?.state === "ended") {
            this.settle(promptId, turnResult(outcome));
            return;
          }
          if (outcome) {
            prompt.misses = 0;
            return;
          }
          this.#unknown(conn, promptId, prompt);
        },
        () => undefined,
      );
    }
  }

  /** Rejects every waiting prompt with `error` (the element left the workspace). */
  rejectAll(error: Error): void {
    for (const prompt of this.#prompts.values()) prompt.reject(error);
    this.#prompts.clear();
  }

  /**
   * The workspace does not know the prompt. Sent over this very link, its request was lost (asked
   * twice to be sure); over one that is gone, it never arrived, or the workspace restarted since.
   * A workspace that reports another start restarted, even over the same link: on a cluster the
   * engine keeps a client's socket open while the workspace moves to another runner.
   */
  #unknown(conn: Conn, promptId: string, prompt: SentPrompt): void {
    const { link, bootId } = this.#state();
    if (prompt.bootId !== undefined && bootId !== undefined && prompt.bootId !== bootId) {
      this.settle(promptId, { error: turnError(LOST_IN_RESTART) });
      return;
    }
    const sameStart = prompt.bootId !== undefined && prompt.bootId === bootId;
    const sameLink = prompt.link === link;
    const lostOnThisLink = sameLink && ++prompt.misses >= 2;
    if (sameStart && (!sameLink || lostOnThisLink)) {
      prompt.misses = 0;
      prompt.link = link;
      this.#send(conn, promptId, prompt);
    } else if (!sameLink) {
      this.settle(promptId, { error: turnError(LOST_IN_RESTART) });
    }
  }

  #send(conn: Conn, promptId: string, prompt: SentPrompt): void {
    conn.prompt({ text: prompt.text, promptId }).then(
      () => undefined,
      (error: Error) => {
        // The workspace's own refusal is the answer, and so is a link closed for the prompt's size
        // (sent again, it would close every link after). Any other failure is the link's: the next
        // look at a live link finds out whether the prompt arrived.
        if (isRefusal(error)) this.settle(promptId, { error });
        else if (closedForSize(error, prompt.text)) this.settle(promptId, { error: tooLargeForLink(prompt.text) });
      },
    );
  }
}
