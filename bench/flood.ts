/**
 * Zero loss under a flood: a 20,000-chunk firehose, unthrottled, into the workspace's log (read
 * back page by page), beside the same flood read directly with the sandbox-agent SDK in Node. The
 * daemon gives each stream reader 512 messages of room and silently skips what a lagging reader
 * missed; the workspace reads the stream in a worker thread (src/actors/session/stream-reader.ts).
 */
import { FIREHOSE_META } from "../demo/agent/material.js";
import { runPrompt } from "../src/protocol/index.js";
import type { SessionEvent } from "../src/events/index.js";
import { client, type Stack } from "../test/support/stack.js";
import { directSession } from "./direct.js";
import { figure, sample, type Figure } from "./stats.js";

const FLOOD = 20_000;

/** How many of the flood's chunks the workspace stored, each counted once. */
async function storedChunks(stack: Stack, workspaceId: string): Promise<number> {
  const c = client(stack.registry.endpoint);
  const conn = c.workspace.getOrCreate([workspaceId], { params: { userId: "bench", userName: "Bench" } }).connect();
  try {
    const result = await runPrompt(conn, `/firehose ${FLOOD}`);
    if (result?.stopReason !== "end_turn") throw new Error(`the flood's turn ended ${result?.stopReason}`);
    const seen = new Set<number>();
    for (let after = 0; ; ) {
      const page = await conn.getHistory({ after, limit: 1000 });
      for (const event of page.events as SessionEvent[]) {
        const index = (event.payload as { params?: { update?: { _meta?: Record<string, number> } } }).params?.update?._meta?.[FIREHOSE_META.index];
        if (index !== undefined) seen.add(index);
      }
      if (page.nextAfter === undefined) return seen.size;
      after = page.nextAfter;
    }
  } finally {
    await conn.dispose();
    await c.dispose();
  }
}

export async function floodFigures(options: { stack: Stack; runs: number; log: (line: string) => void }): Promise<Figure[]> {
  const ours: number[] = [];
  const direct: number[] = [];
  const session = await directSession({ baseUrl: options.stack.daemon.url, token: options.stack.daemon.token });
  try {
    for (let run = 0; run < options.runs; run++) {
      direct.push(FLOOD - (await session.run(`/firehose ${FLOOD}`, FLOOD, 60_000)).received);
      ours.push(FLOOD - (await storedChunks(options.stack, `bench-flood-${Date.now().toString(36)}-${run}`)));
      options.log(`  flood run ${run + 1}/${options.runs}: the workspace lost ${ours.at(-1)}, the direct SDK ${direct.at(-1)} of ${FLOOD.toLocaleString("en-US")}`);
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
  ];
}
