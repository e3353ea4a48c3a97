/**
 * Reading a workspace the way a page opened now would, for the cluster and multinode tests: its
 * whole stored history, and waiting until a fresh handle answers again after a runner or engine
 * node went away.
 */
import type { SessionEvent } from "sandbox-agent";
import type { HistoryPage, SessionInfo } from "../../src/actors/index.js";
import { until, within } from "../shared/until.js";

/** Every stored event of a workspace, page by page through `handle`, and its lost ranges; each page bounded by `pageMs` when given. */
export async function storedHistory(
  handle: { getHistory(input: { after?: number; limit?: number }): Promise<HistoryPage> },
  pageMs?: number,
): Promise<{ events: SessionEvent[]; lost: HistoryPage["lost"] }> {
  const events: SessionEvent[] = [];
  for (let after = 0; ; ) {
    const read = handle.getHistory({ after, limit: 500 });
    const page = pageMs === undefined ? await read : await within(read, pageMs, `a history page after ${after}`);
    events.push(...page.events);
    if (page.nextAfter === undefined) return { events, lost: page.lost };
    after = page.nextAfter;
  }
}

/**
 * Asks a fresh handle from `open` until it answers and `accept` holds, each try bounded (a request
 * to a dead runner can hang); returns the ms from `since`. `what` names the workspace in a failure.
 */
export async function answersAgain(
  open: () => { getSessionInfo(): Promise<SessionInfo> },
  what: string,
  since: number,
  ms: number,
  accept: (info: SessionInfo) => boolean = () => true,
): Promise<number> {
  let last = "no answer yet";
  await until(
    async () => {
      try {
        const info = await within(open().getSessionInfo(), 3_000, "getSessionInfo");
        last = `answered, boot ${info.bootId}`;
        return accept(info);
      } catch (error) {
        last = String((error as Error).message ?? error);
        return false;
      }
    },
    () => `${what} answers a fresh handle (last: ${last})`,
    ms,
    250,
  );
  return Math.round(performance.now() - since);
}
