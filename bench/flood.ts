/**
 * Zero loss under a flood: a 20,000-chunk firehose, unthrottled, into the workspace's log (read
 * back page by page), beside the same flood read directly with the sandbox-agent SDK in Node. The
 * daemon gives each stream reader 512 messages of room and silently skips what a lagging reader
 * missed; the workspace reads the stream in a worker thread (src/actors/session/stream-reader.ts).
 */
import { FIREHOSE_META } from "../demo/agent/material.js";
import { LOST_METHOD } from "../src/events/index.js";
import { runPrompt } from "../src/protocol/index.js";
import type { SessionEvent } from "../src/events/index.js";
import { client, type Stack } from "../test/support/stack.js";
import { directSession } from "./direct.js";
import { figure, sample, type Figure } from "./stats.js";

const FLOOD = 20_000;

/**
 * How many of the flood's chunks the workspace stored, each counted once, and how many its log
 * marks lost (where the daemon dropped messages it could not send again).
 */
async function storedChunks(stack: Stack, workspaceId: string): Promise<{ stored: number; marked: number }> {
  const c = client(stack.registry.endpoint);
  const conn = c.workspace.getOrCreate([workspaceId], { params: { userId: "bench", userName: "Bench" } }).connect();
  try {
    const result = await runPrompt(conn, `/firehose ${FLOOD}`);
    if (result?.stopReason !== "end_turn") throw new Error(`the flood's turn ended ${result?.stopReason}`);
    const seen = new Set<number>();
    let marked = 0;
    for (let after = 0; ; ) {
      const page = await conn.getHistory({ after, limit: 1000 });
      for (const event of page.events as SessionEvent[]) {
        const payload = event.payload as { method?: string; params?: { count?: number; update?: { _meta?: Record<string, number> } } };
        const index = payload.params?.update?._meta?.[FIREHOSE_META.index];
        if (index !== undefined) seen.add(index);
        if (payload.method === LOST_METHOD) marked += payload.params?.count ?? 0;
      }
      if (page.nextAfter === undefined) return { stored: seen.size, marked };
      after = page.nextAfter;
    }
  } finally {
    await conn.dispose();
    await c.dispose();
  }
}

export async function floodFigures(options: { stack: Stack; runs: number; log: (line: string) => void }): Promise<Figure[]> {
  const ours: number[] = [];
  const silent: number[] = [];
  const direct: number[] = [];
  const session = await directSession({ baseUrl: options.stack.daemon.url, token: options.stack.daemon.token });
  try {
    for (let run = 0; run < options.runs; run++) {
      direct.push(FLOOD - (await session.run(`/firehose ${FLOOD}`, FLOOD, 60_000)).received);
      const { stored, marked } = await storedChunks(options.stack, `bench-flood-${Date.now().toString(36)}-${run}`);
      ours.push(FLOOD - stored);
      silent.push(FLOOD - stored - marked);
      options.log(`  flood run ${run + 1}/${options.runs}: the workspace lost ${ours.at(-1)} (${silent.at(-1)} of them unmarked), the direct SDK ${direct.at(-1)} of ${FLOOD.toLocaleString("en-US")}`);
    }
  } finally {
    await session.dispose();
  }
  const lost = sample(ours);
  return [
    figure({
      figure: `flood: chunks lost of ${FLOOD.toLocaleString("en-US")}, unthrottled, to the workspace's log`,
      sample: lost,
      unit: "chunks",
      baseline: sample(direct).median,
      baselineUnit: "chunks lost read directly",
      ratio: lost.median / Math.max(1, sample(direct).median),
      target: "0 in every run",
      met: ours.every((n) => n === 0),
      note: `baseline: the same flood read directly with the sandbox-agent SDK in Node, on this thread (lost per run: ${direct.join(", ")}); the workspace, per run: ${ours.join(", ")}. Counted in the stored log, not in broadcasts.`,
    }),
    figure({
      figure: `flood: chunks lost without a mark in the log, of ${FLOOD.toLocaleString("en-US")}`,
      sample: sample(silent),
      unit: "chunks",
      baseline: sample(direct).median,
      baselineUnit: "chunks lost read directly (none marked)",
      ratio: sample(silent).median / Math.max(1, sample(direct).median),
      target: "0 in every run",
      met: silent.every((n) => n === 0),
      note: `each chunk the daemon dropped and no longer held is counted in a \`${LOST_METHOD}\` notification where it was; the SDK alone drops them without a trace. Per run: ${silent.join(", ")}.`,
    }),
  ];
}
