/**
 * Recorded sessions of real agents (Claude Code, Codex, OpenCode; test/fixtures/agents, made by
 * `npm run record:agents`) fold into what holds for any agent: one entry per tool call, every
 * permission request with the agent's own options, the user's prompts, headings where the model put
 * them, no unknown or error entry for a known message, and nothing still running once its turn ended.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import type { SessionEvent } from "sandbox-agent";
import { Timeline, type Entry, type EntryOf, type EntryType } from "../../src/events/index.js";

const FOLDER = new URL("../fixtures/agents/", import.meta.url);
const RECORDINGS = readdirSync(FOLDER).filter((name) => name.endsWith(".json")).sort();

const payloads = (events: SessionEvent[]) => events.map((event) => event.payload as Record<string, any>);
const ofType = <T extends EntryType>(timeline: Timeline, type: T) => [...timeline.entries].filter((e): e is EntryOf<T> => e.type === type);
const textOf = (entry: { parts: Array<{ kind: string; text?: string }> }) => entry.parts.map((part) => part.text ?? "").join("");

describe("recorded sessions of real agents", () => {
  it("are in the repository, for every agent", () => {
    for (const agent of ["claude", "codex", "opencode"]) {
      assert.ok(RECORDINGS.filter((name) => name.startsWith(`${agent}-`)).length >= 4, `${agent} has its recordings`);
    }
  });

  for (const name of RECORDINGS) {
    describe(name, () => {
      const events = JSON.parse(readFileSync(new URL(name, FOLDER), "utf8")) as SessionEvent[];
      const timeline = new Timeline(events);
      // A finished log, as the element replays it: a turn whose end the SDK could not log is over.
      if (timeline.summary.endUnlogged) timeline.endTurn();
      const sent = payloads(events);

      it("has one entry per tool call", () => {
        const ids = new Set(sent.filter((p) => p.method === "session/update" && /^tool_call/.test(p.params?.update?.sessionUpdate)).map((p) => p.params.update.toolCallId));
        assert.deepEqual(ofType(timeline, "tool-call").map((tool) => tool.toolCallId).sort(), [...ids].sort());
      });

      it("shows every permission request with the agent's own options, in its order", () => {
        const asked = sent.filter((p) => p.method === "session/request_permission");
        const shown = ofType(timeline, "permission-request");
        assert.equal(shown.length, asked.length);
        shown.forEach((entry, i) => {
          assert.deepEqual(entry.options.map((o) => [o.optionId, o.name, o.kind]), asked[i].params.options.map((o: any) => [o.optionId, o.name, o.kind]));
          assert.notEqual(entry.status, "pending", "its turn ended, so it was answered");
        });
      });

      it("shows the user's prompts", () => {
        const prompts = sent.filter((p) => p.method === "session/prompt").map((p) => p.params.prompt.map((block: any) => block.text ?? "").join("\n\n"));
        assert.deepEqual(ofType(timeline, "user-message").map(textOf), prompts);
      });

      it("keeps headings at the start of a line", () => {
        for (const message of ofType(timeline, "agent-message")) {
          const text = textOf(message);
          assert.doesNotMatch(text, /[^\n#]#{1,6} [A-Z]/, `a heading glued to the text before it: ${JSON.stringify(text.slice(0, 200))}`);
        }
        if (name.includes("review")) assert.ok(ofType(timeline, "agent-message").some((m) => /^## /m.test(textOf(m))), "the review's answer has its heading");
      });

      it("has no unknown or error entry", () => {
        const odd = [...timeline.entries].filter((e) => e.type === "unknown" || e.type === "error");
        assert.deepEqual(odd.map((e) => [e.type, (e as any).label ?? (e as any).message]), []);
      });

      it("leaves nothing running once its turn ended", () => {
        assert.equal(timeline.summary.running, false);
        assert.equal(timeline.summary.pendingPermissions, 0);
        const running = (entry: Entry): boolean => {
          if (entry.type === "tool-call") return (entry.status === "pending" || entry.status === "in_progress") && entry.endedAs === undefined;
          if (entry.type === "plan") return entry.entries.some((item) => item.status !== "completed") && entry.endedAs === undefined;
          if (entry.type === "agent-thought") return entry.streaming;
          return false;
        };
        assert.deepEqual([...timeline.entries].filter(running).map((e) => [e.type, e.id]), []);
      });

      it("says how each turn ended, unless the log cannot", () => {
        // The SDK drops a prompt's response when the agent sends a request with the prompt's id before it.
        const silent = sent.flatMap((p, i) => {
          if (p.method !== "session/prompt") return [];
          const end = sent.findIndex((q, j) => j > i && q.id === p.id && ("result" in q || "error" in q));
          const reused = sent.some((q, j) => j > i && (end < 0 || j < end) && q.method !== undefined && q.id === p.id);
          return end < 0 && reused ? [p.params.prompt[0]?.text] : [];
        });
        const unknown = ofType(timeline, "user-message").filter((user) => user.stopReason === undefined).map((user) => textOf(user).split("\n\n")[0]);
        assert.deepEqual(unknown, silent);
        if (name.includes("cancel")) assert.equal(ofType(timeline, "user-message").at(-1)?.stopReason, "cancelled");
      });
    });
  }
});
