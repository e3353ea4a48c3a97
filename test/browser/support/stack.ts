/**
 * The real stack behind live elements, for the stack suites: commands to the test runner's stack
 * plugin (start, kill, restart, cut a link, read what a workspace stored, from Node), and checks of a
 * transcript against the history the workspace stored.
 */
import { expect, fixture, html } from "@open-wc/testing";
import { executeServerCommand } from "@web/test-runner-commands";
import type { SandboxWorkspace } from "../../../src/components/index.js";
import type { SessionEvent } from "../../../src/events/index.js";
import "../../../src/components/index.js";
import { until } from "../../shared/until.js";
import type { StackSpec } from "../../support/stack-plugin.js";

export interface StoredHistory {
  events: SessionEvent[];
  permissions: Array<{ permissionId: string; toolCallId?: string; reply: string; by?: { userId: string; userName?: string } }>;
  /** Index ranges the workspace's host died before storing (after a crash). */
  lost: Array<{ after: number; through: number }>;
}

type Command = { name?: string; action: string; workspaceId?: string; text?: string; ms?: number; spec?: StackSpec };

export const stack = <T = { endpoint: string; direct: string }>(payload: Command) => executeServerCommand<T, Command>("stack", payload);

let counter = 0;
export const fresh = (name: string) => `${name}-${Date.now().toString(36)}-${counter++}`;

/**
 * Waits until the workspace runs no turn and every element holds every event up to the newest one
 * it reports (an action's answer can arrive before the broadcasts of its last events).
 */
export async function caughtUp(els: SandboxWorkspace[], stackName: string, workspaceId: string, ms = 30_000): Promise<void> {
  let last = 0;
  let behind: SandboxWorkspace[] = [];
  await until(
    async () => {
      const info = await stack<{ lastEventIndex: number; running: boolean; queued: number }>({ name: stackName, action: "info", workspaceId });
      last = info.lastEventIndex;
      // Below `last` only through a lost range (a crash's unused indices), which counts as held.
      behind = els.filter((el) => el.timeline.summary.running || el.timeline.contiguousIndex !== last || el.timeline.lastIndex > last);
      return !info.running && !info.queued && behind.length === 0;
    },
    () => `${behind.length} of ${els.length} elements behind event ${last} on ${workspaceId} (at ${behind.slice(0, 5).map((el) => el.timeline.lastIndex).join(", ")})`,
    ms,
    200,
  );
}

export const keyOf = (event: unknown) => `${(event as SessionEvent).eventIndex}:${(event as SessionEvent).id}`;

export interface Comparison {
  /** Events checked: the stored history's length. */
  checked: number;
  /** Stored events the element does not show. */
  lost: number;
  /** Events the element holds more than once (same eventIndex or same id). */
  duplicated: number;
  /** Events the element shows that were never stored. */
  extra: number;
}

/** Whether `index` is in one of the ranges a crash kept from storage. */
export function inLost(lost: StoredHistory["lost"], index: number): boolean {
  return lost.some((range) => index > range.after && index <= range.through);
}

/**
 * The element's transcript against the stored history (read from Node): the same eventIndex and
 * id lists, and the same entries as a fresh element replaying what was stored.
 */
export async function compareWithHistory(el: SandboxWorkspace, stackName: string, workspaceId: string): Promise<Comparison> {
  // Updates can land just after a turn's end: give the element a moment to show what is stored.
  let events: SessionEvent[] = [];
  let lost: StoredHistory["lost"] = [];
  await until(
    async () => {
      ({ events, lost } = await stack<StoredHistory>({ name: stackName, action: "history", workspaceId }));
      return el.timeline.events.length >= events.length;
    },
    "the element shows as many events as are stored",
    5_000,
  ).catch(() => undefined);
  const stored = events.map(keyOf);
  const shown = el.timeline.events.map(keyOf);
  const storedSet = new Set(stored);
  const shownSet = new Set(shown);
  const indices = el.timeline.events.map((event) => (event as SessionEvent).eventIndex);
  const ids = el.timeline.events.map((event) => (event as SessionEvent).id);
  const result: Comparison = {
    checked: stored.length,
    lost: stored.filter((key) => !shownSet.has(key)).length,
    duplicated: indices.length - new Set(indices).size + (ids.length - new Set(ids).size),
    extra: shown.filter((key) => !storedSet.has(key)).length,
  };
  expect(result, `${workspaceId}: transcript against stored history`).to.deep.equal({ checked: stored.length, lost: 0, duplicated: 0, extra: 0 });
  expect(indices, "the same event indices, in order").to.deep.equal(events.map((event) => event.eventIndex));
  expect(ids, "the same event ids, in order").to.deep.equal(events.map((event) => event.id));
  // No gaps, but for the indices a crash kept from storage (which no other event may take).
  const expected: number[] = [];
  for (let index = 1; expected.length < events.length; index++) if (!inLost(lost, index)) expected.push(index);
  expect(events.map((event) => event.eventIndex), "the stored history has no gaps but the lost ranges").to.deep.equal(expected);

  // What a reader sees: the same entries, in the same order, as a replay of the stored events.
  const replay = await fixture<SandboxWorkspace>(html`<sandbox-workspace .events=${events} style="height: 200px"></sandbox-workspace>`);
  const entries = (of: SandboxWorkspace) => [...of.timeline.entries].map((entry) => `${entry.type}:${entry.id}`);
  expect(entries(el), "the same entries as a replay of the stored history").to.deep.equal(entries(replay));
  replay.remove();
  return result;
}

/** Adds one comparison into running totals (for the summary line a test file prints). */
export function tally(totals: Comparison, add: Comparison): void {
  totals.checked += add.checked;
  totals.lost += add.lost;
  totals.duplicated += add.duplicated;
  totals.extra += add.extra;
}
