/**
 * What makes an element wider than its box, for the narrow-container tests: its own scroll width,
 * boxes in its shadow root that end past its right edge, and how narrow it can get at all.
 */
import type { SandboxWorkspace } from "../../../src/components/index.js";

export interface Overflow {
  scrollWidth: number;
  clientWidth: number;
  /** Each box that ends past the element's right edge, or list that scrolls sideways, described. */
  past: string[];
}

/** Lays out entries out of view too (content-visibility skips them), so every box is measured. */
const everything = new CSSStyleSheet();
everything.replaceSync(".entry, .raw-event { content-visibility: visible; }");

/** Makes every entry lay out, in view or not, so `overflow` sees all of them. */
export function layOutEverything(el: SandboxWorkspace): void {
  const root = el.shadowRoot!;
  if (!root.adoptedStyleSheets.includes(everything)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, everything];
}

/** Boxes that show what overflows them by scrolling or clipping it inside their own box (code, tables, one-line titles). */
function contains(node: Element): boolean {
  return getComputedStyle(node).overflowX !== "visible" && !node.matches(".timeline, .raw-list");
}

const nameOf = (node: Element) => `${node.localName}${[...node.classList].map((name) => `.${name}`).join("")}${node.getAttribute("part") ? `[part="${node.getAttribute("part")}"]` : ""}`;

/**
 * `el`'s scroll and client widths, and every box in its shadow root that ends past its right edge,
 * but for what is inside boxes that scroll or clip it. The transcript's lists scroll, but only
 * down: one that scrolls sideways counts.
 */
export function overflow(el: SandboxWorkspace): Overflow {
  const edge = el.getBoundingClientRect().left + el.clientLeft + el.clientWidth;
  const past: string[] = [];
  const walk = (node: Element | ShadowRoot) => {
    for (const child of node.children) {
      const box = child.getBoundingClientRect();
      if (box.width > 0 && box.right > edge + 0.5) past.push(`${nameOf(child)} ends ${Math.round(box.right - edge)} px past the edge`);
      if (!contains(child)) walk(child);
    }
  };
  walk(el.shadowRoot!);
  for (const list of el.shadowRoot!.querySelectorAll<HTMLElement>(".timeline, .raw-list")) {
    if (list.scrollWidth > list.clientWidth) past.push(`${nameOf(list)} scrolls sideways (${list.scrollWidth} > ${list.clientWidth})`);
  }
  return { scrollWidth: el.scrollWidth, clientWidth: el.clientWidth, past };
}

/** How narrow `el` can get: its min-content width, which is what flex and grid layouts shrink it to. */
export function minContentWidth(el: SandboxWorkspace): number {
  const width = el.style.width;
  el.style.width = "min-content";
  const measured = el.getBoundingClientRect().width;
  el.style.width = width;
  return measured;
}
