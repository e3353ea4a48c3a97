/**
 * The element as a reader and a host page meet it, for every browser test: a replay mounted or a
 * live workspace joined; what its shadow root shows; entries opened through their headers;
 * permission requests answered through its buttons; the errors it fires.
 */
import { fixture, html } from "@open-wc/testing";
import { ifDefined } from "lit/directives/if-defined.js";
import "../../../src/components/index.js";
import type { SandboxWorkspace, SandboxWorkspaceErrorDetail } from "../../../src/components/index.js";
import { until } from "../../shared/until.js";

/** Renders a replay of `events` and waits for it to settle. */
export async function mount(events: readonly unknown[] | undefined, attrs: { theme?: string } = {}): Promise<SandboxWorkspace> {
  const el = await fixture<SandboxWorkspace>(html`<sandbox-workspace .events=${events} theme=${ifDefined(attrs.theme)} style="height: 800px"></sandbox-workspace>`);
  await el.updateComplete;
  return el;
}

/** How long `join` waits for an element to be live (see `join`). A test that joins adds it to its own time. */
export const JOIN_MS = 60_000;

/**
 * Adds an element joined to `workspaceId` and waits until it is live. A first connection to a new
 * workspace can take long on a busy machine: RivetKit's engine may take more than its 15 s to
 * resolve the new actor's route, close the socket (`pegboard.route_resolve_query_timeout`), and the
 * element then connects again. 60 s leaves room for three of those; a join slower than 15 s says
 * so in the browser log, so slow joins show instead of hiding in the timeout.
 */
export async function join(endpoint: string, workspaceId: string, userName: string, props: { token?: string } = {}): Promise<SandboxWorkspace> {
  const started = Date.now();
  const el = await fixture<SandboxWorkspace>(
    html`<sandbox-workspace endpoint=${endpoint} workspace-id=${workspaceId} user-name=${userName} .token=${props.token} style="height: 500px"></sandbox-workspace>`,
  );
  await until(
    () => el.connectionStatus === "live",
    () => `${userName} is live on ${workspaceId} (${el.connectionStatus}: ${JSON.stringify(notice(el))})`,
    JOIN_MS,
  );
  const took = Date.now() - started;
  if (took > 15_000) console.warn(`${userName} took ${(took / 1000).toFixed(1)} s to join ${workspaceId}`);
  return el;
}

/** Every element in the shadow root matching `selector`. */
export function $$(el: SandboxWorkspace, selector: string): HTMLElement[] {
  return [...el.shadowRoot!.querySelectorAll<HTMLElement>(selector)];
}

/** The first element matching `selector`; throws, naming it, when nothing does. */
export function $(el: SandboxWorkspace, selector: string): HTMLElement {
  const found = el.shadowRoot!.querySelector<HTMLElement>(selector);
  if (!found) throw new Error(`nothing matches ${selector}`);
  return found;
}

/** Text as a reader reads it: whitespace runs as one space. Nothing: "". */
export const textOf = (node: Element | null | undefined) => (node?.textContent ?? "").replace(/\s+/g, " ").trim();

/** The rendered entries of one type. */
export function entries(el: SandboxWorkspace, type: string): HTMLElement[] {
  return $$(el, `[part~="entry-${type}"]`);
}

/** Opens an entry's accordion through its header, as a reader would. */
export async function open(el: SandboxWorkspace, entry: HTMLElement): Promise<HTMLElement> {
  const summary = entry.querySelector<HTMLButtonElement>('[part="entry-summary"]')!;
  if (summary.getAttribute("aria-expanded") !== "true") summary.click();
  await el.updateComplete;
  return entry.querySelector<HTMLElement>('[part="entry-body"]')!;
}

export async function openAll(el: SandboxWorkspace): Promise<void> {
  for (const entry of $$(el, '[part~="entry"]')) await open(el, entry);
}

/** What the header's connection chip says. */
export const chip = (el: SandboxWorkspace) => textOf($(el, '[part="connection"]'));

/** Who the header says is connected ("" before anyone is known). */
export const presence = (el: SandboxWorkspace) => textOf($$(el, '[part="presence"]').at(0));

/** The notice above the transcript: its text and code, or undefined when none shows. */
export const notice = (el: SandboxWorkspace) => {
  const node = $$(el, '[part="notice"]').at(0);
  return node ? { code: node.dataset.code, text: textOf(node) } : undefined;
};

/** Every `sandbox-workspace-error` the element fires from now on, as a host page would see them. */
export function errorsOf(el: SandboxWorkspace): SandboxWorkspaceErrorDetail[] {
  const seen: SandboxWorkspaceErrorDetail[] = [];
  el.addEventListener("sandbox-workspace-error", (event) => seen.push(event.detail));
  return seen;
}

/** Answers the first pending permission request through the element's own buttons. */
export async function answer(el: SandboxWorkspace, reply: "once" | "always" | "reject", ms = 30_000): Promise<void> {
  await until(() => $$(el, `[part~="permission-${reply}"]`).length > 0, "answer buttons appear", ms);
  $(el, `[part~="permission-${reply}"]`).click();
}
