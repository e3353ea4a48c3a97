/**
 * Live elements against the real stack, for the fault, access and load tests: stack commands, joining,
 * answering permissions through the element's buttons, and checking a transcript against the
 * history the workspace stored, read independently from Node.
 */
import { expect, fixture, html } from "@open-wc/testing";
import { executeServerCommand } from "@web/test-runner-commands";
import type { SandboxWorkspace, SandboxWorkspaceErrorDetail } from "../../src/components/index.js";
import type { SessionEvent } from "../../src/events/index.js";
import "../../src/components/index.js";

export interface StackSpec {
  daemonEnv?: Record<string, string>;
  registryEnv?: Record<string, string>;
  daemonToken?: boolean;
  proxy?: boolean;
}

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

export async function until(check: () => boolean | Promise<boolean>, what: string | (() => string), ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${typeof what === "string" ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export async function join(endpoint: string, workspaceId: string, userName: string, props: { token?: string } = {}): Promise<SandboxWorkspace> {
  const el = await fixture<SandboxWorkspace>(
    html`<sandbox-workspace endpoint=${endpoint} workspace-id=${workspaceId} user-name=${userName} .token=${props.token} style="height: 500px"></sandbox-workspace>`,
  );
  await until(
    () => el.connectionStatus === "live",
    () => `${userName} is live on ${workspaceId} (${el.connectionStatus}: ${JSON.stringify(notice(el))})`,
    30_000,
  );
  return el;
}

/** `promise`, or a failure naming `what` after `ms`: a hang reports itself instead of running into the test's timeout. */
export function within<T>(promise: Promise<T>, ms: number, what: string | (() => string | Promise<string>)): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(async () => reject(new Error(`timed out after ${ms} ms: ${typeof what === "string" ? what : await what()}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Every `sandbox-workspace-error` the element fires, as a host page would see them. */
export function errorsOf(el: SandboxWorkspace): SandboxWorkspaceErrorDetail[] {
  const seen: SandboxWorkspaceErrorDetail[] = [];
  el.addEventListener("sandbox-workspace-error", (event) => seen.push(event.detail));
  return seen;
}

export const shadow = (el: SandboxWorkspace, selector: string) => el.shadowRoot!.querySelector<HTMLElement>(selector);
export const textOf = (node: Element | null | undefined) => (node?.textContent ?? "").replace(/\s+/g, " ").trim();
/** What the header's connection chip says. */
export const chip = (el: SandboxWorkspace) => textOf(shadow(el, '[part="connection"]'));
/** The notice above the transcript: its text and code, or undefined when none shows. */
export const notice = (el: SandboxWorkspace) => {
  const node = shadow(el, '[part="notice"]');
  return node ? { code: node.dataset.code, text: textOf(node) } : undefined;
};

/**
 * Waits until the workspace runs no turn and every element holds every event up to the newest one
 * it reports (an action's answer can arrive before the broadcasts of its last events).
 */
export async function caughtUp(els: SandboxWorkspace[], stackName: string, workspaceId: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const info = await stack<{ lastEventIndex: number; running: boolean; queued: number }>({ name: stackName, action: "info", workspaceId });
    const last = info.lastEventIndex;
    const behind = els.filter((el) => el.timeline.summary.running || el.timeline.contiguousIndex !== last || el.timeline.lastIndex !== last);
    if (!info.running && !info.queued && behind.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(`timed out: ${behind.length} of ${els.length} elements behind event ${last} on ${workspaceId} (at ${behind.slice(0, 5).map((el) => el.timeline.lastIndex).join(", ")})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Answers the first pending permission request through the element's own buttons. */
export async function answer(el: SandboxWorkspace, reply: "once" | "always" | "reject", ms = 30_000): Promise<void> {
  await until(() => !!shadow(el, `[part~="permission-${reply}"]`), "answer buttons appear", ms);
  shadow(el, `[part~="permission-${reply}"]`)!.click();
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

/**
 * The element's transcript against the stored history (read from Node): the same eventIndex and
 * id lists, and the same entries as a fresh element replaying what was stored.
 */
/** Whether `index` is in one of the ranges a crash kept from storage. */
export function inLost(lost: StoredHistory["lost"], index: number): boolean {
  return lost.some((range) => index > range.after && index <= range.through);
}

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
