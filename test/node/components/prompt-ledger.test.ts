/**
 * The prompt ledger alone: when a prompt the workspace does not know is sent again, when it is
 * given up as lost to a restart, and that the workspace's refusal settles it. The connection is a
 * recorder that answers as the workspace would: a unit test of the ledger, not of the link.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PromptLedger, type LinkState } from "../../../src/components/controllers/connection/prompt-ledger.js";
import type { Conn } from "../../../src/components/controllers/connection/link.js";

type Turn = { state: "running" | "ended"; stopReason?: string; error?: { code: string; message: string } } | null;

/** A connection whose `prompt` records what was sent and whose `getTurn` answers from `turns`. */
function recorder(turns: Map<string, Turn>, refuse?: Error) {
  const sent: Array<{ text: string; promptId: string }> = [];
  const conn = {
    prompt: async (input: { text: string; promptId: string }) => {
      sent.push(input);
      if (refuse) throw refuse;
      return { promptId: input.promptId, ahead: 0 };
    },
    getTurn: async ({ promptId }: { promptId: string }) => turns.get(promptId) ?? null,
  } as unknown as Conn;
  return { conn, sent };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

function ledgerAt(state: Omit<LinkState, "isCurrent">) {
  const link = { ...state };
  const ledger = new PromptLedger(() => ({ ...link, isCurrent: () => true }));
  return { ledger, link };
}

describe("the prompt ledger", () => {
  it("settles a prompt with its turn's stop reason, as the workspace reports it", async () => {
    const { ledger } = ledgerAt({ link: 1, bootId: "b1", linkBootId: "b1" });
    const turns = new Map<string, Turn>();
    const { conn, sent } = recorder(turns);
    const outcome = ledger.send(conn, "hello");
    await tick();
    assert.equal(sent.length, 1);
    turns.set(sent[0].promptId, { state: "ended", stopReason: "end_turn" });
    ledger.check(conn);
    assert.deepEqual(await outcome, { stopReason: "end_turn" });
  });

  it("rejects with the workspace's refusal, code and message", async () => {
    const { ledger } = ledgerAt({ link: 1, bootId: "b1", linkBootId: "b1" });
    const refusal = Object.assign(new Error("Too many prompts"), { group: "user", code: "rate-limited" });
    const { conn } = recorder(new Map(), refusal);
    await assert.rejects(ledger.send(conn, "hello"), (error: Error & { code?: string }) => error.code === "rate-limited");
  });

  it("never sends again a prompt whose link closed for its size: it settles as too large, even when the same start reports it unknown over a new link", async () => {
    const { ledger, link } = ledgerAt({ link: 1, bootId: undefined, linkBootId: undefined });
    const closed = Object.assign(new Error("Connection closed: message.incoming_too_long"), { group: "message", code: "incoming_too_long" });
    const { conn, sent } = recorder(new Map(), closed);
    const outcome = ledger.send(conn, "x".repeat(100_000));
    // The link reports its start after the prompt went out (so the prompt is taken to have gone there), then closes.
    ledger.startReported("b1");
    Object.assign(link, { link: 2, bootId: "b1", linkBootId: "b1" });
    await assert.rejects(outcome, (error: Error & { code?: string }) => error.code === "prompt-too-large" && /100,000 bytes/.test(error.message));
    ledger.check(conn);
    await tick();
    assert.equal(sent.length, 1, "sent once, never again");
  });

  it("a small prompt whose link closed for another message's size only lost its link: sent again, not refused", async () => {
    const { ledger, link } = ledgerAt({ link: 1, bootId: "b1", linkBootId: "b1" });
    const closed = Object.assign(new Error("Connection closed: message.incoming_too_long"), { group: "message", code: "incoming_too_long" });
    const { conn, sent } = recorder(new Map(), closed);
    let settled = false;
    void ledger.send(conn, "hello").then(
      () => (settled = true),
      () => (settled = true),
    );
    await tick();
    link.link = 2;
    ledger.check(conn);
    await tick();
    assert.equal(settled, false, "not refused");
    assert.equal(sent.length, 2, "sent again over the new link");
  });

  it("sends a prompt again, under the same id, once the same workspace twice says it does not know it", async () => {
    const { ledger } = ledgerAt({ link: 1, bootId: "b1", linkBootId: "b1" });
    const { conn, sent } = recorder(new Map());
    void ledger.send(conn, "hello");
    await tick();
    ledger.check(conn);
    await tick();
    assert.equal(sent.length, 1, "one miss on the link it went out on is not enough");
    ledger.check(conn);
    await tick();
    assert.equal(sent.length, 2);
    assert.equal(sent[1].promptId, sent[0].promptId);
  });

  it("sends a prompt again at once over a new link to the same start of the workspace", async () => {
    const { ledger, link } = ledgerAt({ link: 1, bootId: "b1", linkBootId: "b1" });
    const { conn, sent } = recorder(new Map());
    void ledger.send(conn, "hello");
    await tick();
    link.link = 2;
    ledger.check(conn);
    await tick();
    assert.deepEqual(sent.map((s) => s.promptId), [sent[0].promptId, sent[0].promptId]);
  });

  it("gives a prompt up as lost, not sent again, when the workspace restarted since it was sent", async () => {
    const { ledger, link } = ledgerAt({ link: 1, bootId: "b1", linkBootId: "b1" });
    const { conn, sent } = recorder(new Map());
    const outcome = ledger.send(conn, "hello");
    await tick();
    Object.assign(link, { link: 2, bootId: "b2", linkBootId: "b2" });
    ledger.check(conn);
    await assert.rejects(outcome, (error: Error & { code?: string }) => error.code === "connection-lost" && /restarted/.test(error.message));
    assert.equal(sent.length, 1);
  });

  it("gives a prompt up as lost when the workspace restarted under the same link (a cluster moved it)", async () => {
    const { ledger, link } = ledgerAt({ link: 1, bootId: "b1", linkBootId: "b1" });
    const { conn, sent } = recorder(new Map());
    const outcome = ledger.send(conn, "hello");
    await tick();
    Object.assign(link, { bootId: "b2", linkBootId: "b2" });
    ledger.check(conn);
    await assert.rejects(outcome, (error: Error & { code?: string }) => error.code === "connection-lost" && /restarted/.test(error.message));
    assert.equal(sent.length, 1);
  });

  it("learns which start a prompt went to from its link's first report", async () => {
    const { ledger, link } = ledgerAt({ link: 1, bootId: undefined, linkBootId: undefined });
    const { conn, sent } = recorder(new Map());
    void ledger.send(conn, "hello");
    await tick();
    ledger.startReported("b1");
    Object.assign(link, { link: 2, bootId: "b1", linkBootId: "b1" });
    ledger.check(conn);
    await tick();
    assert.equal(sent.length, 2, "same start: sent again over the new link");
  });

  it("rejects every waiting prompt when the element leaves", async () => {
    const { ledger } = ledgerAt({ link: 1, bootId: "b1", linkBootId: "b1" });
    const { conn } = recorder(new Map());
    const a = ledger.send(conn, "a");
    const b = ledger.send(conn, "b");
    ledger.rejectAll(new Error("left"));
    await assert.rejects(a, /left/);
    await assert.rejects(b, /left/);
  });
});
