import { fixture, html } from "@open-wc/testing";
import { ifDefined } from "lit/directives/if-defined.js";
import "../../src/components/index.js";
import type { SandboxWorkspace } from "../../src/components/index.js";

/** Renders a replay of `events` and waits for it to settle. */
export async function mount(events: readonly unknown[] | undefined, attrs: { theme?: string } = {}): Promise<SandboxWorkspace> {
  const el = await fixture<SandboxWorkspace>(html`<sandbox-workspace .events=${events} theme=${ifDefined(attrs.theme)} style="height: 800px"></sandbox-workspace>`);
  await el.updateComplete;
  return el;
}

export function $$(el: SandboxWorkspace, selector: string): HTMLElement[] {
  return [...el.shadowRoot!.querySelectorAll<HTMLElement>(selector)];
}

export function $(el: SandboxWorkspace, selector: string): HTMLElement {
  const found = el.shadowRoot!.querySelector<HTMLElement>(selector);
  if (!found) throw new Error(`nothing matches ${selector}`);
  return found;
}

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

export function text(node: Element): string {
  return (node.textContent ?? "").replace(/\s+/g, " ").trim();
}
