/**
 * runPrompt alone, over a connection that answers as a workspace would: a unit test of the function,
 * not of the link (the stack tests run it against the real registry).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runPrompt, type PromptingConnection } from "../../src/protocol/index.js";
import type { TurnBroadcast } from "../../src/protocol/index.js";

/** A workspace that runs every prompt at once; `infoFailures` errors come before its first session info. */
function workspace(infoFailures: Error[], limits = { maxPromptBytes: 32 * 1024 }) {
  const sent: string[] = [];
  let listener: ((turn: TurnBroadcast) => void) | undefined;
  const conn: PromptingConnection = {
    getSessionInfo: async () => {
      const failure = infoFailures.shift();
      if (failure) throw failure;
      return { bootId: "b1", limits };
    },
    prompt: async ({ text, promptId }) => {
      sent.push(text);
      setTimeout(() => listener?.({ state: "ended", promptId: promptId!, stopReason: "end_turn" } as TurnBroadcast), 5);
      return { promptId: promptId!, ahead: 0 } as never;
    },
    getTurn: async () => null,
    on: (_event, callback) => {
      listener = callback;
      return () => (listener = undefined);
    },
  };
  return { conn, sent };
}

describe("runPrompt", () => {
  it("asks again when the link fails as it opens, and the prompt runs", async () => {
    const closed = Object.assign(new Error("Connection closed: pegboard.route_resolve_query_timeout"), { group: "pegboard", code: "route_resolve_query_timeout" });
    const { conn, sent } = workspace([closed]);
    assert.deepEqual(await runPrompt(conn, "hello", 50), { stopReason: "end_turn" });
    assert.deepEqual(sent, ["hello"]);
  });

  it("takes the workspace's refusal at once", async () => {
    const refused = Object.assign(new Error("You are not allowed to join this workspace."), { group: "user", code: "unauthorized" });
    const { conn, sent } = workspace([refused]);
    await assert.rejects(runPrompt(conn, "hello", 50), /not allowed/);
    assert.deepEqual(sent, []);
  });

  it("refuses a prompt over the link's own limit before sending it, even where the workspace allows more", async () => {
    const { conn, sent } = workspace([], { maxPromptBytes: 1024 * 1024 });
    await assert.rejects(runPrompt(conn, "x".repeat(100_000), 50), (error: Error & { code?: string }) => error.code === "prompt-too-large" && /the limit is 64,512/.test(error.message));
    assert.deepEqual(sent, []);
  });
});
