/**
 * Arrow keys, Home and End move between entry headers, as in an accordion (WAI-ARIA's accordion
 * pattern). `nextHeader` is the rule, without a DOM; `onAccordionKey` applies it to a transcript.
 */

/** The header to move to from `at` of `count` for `key`, or undefined when the key moves nowhere. */
export function nextHeader(key: string, at: number, count: number): number | undefined {
  const next = key === "ArrowDown" ? at + 1 : key === "ArrowUp" ? at - 1 : key === "Home" ? 0 : key === "End" ? count - 1 : undefined;
  return next === undefined || next < 0 || next >= count ? undefined : next;
}

/** A keydown in the transcript `list`: moves focus between its entries' headers. */
export function onAccordionKey(event: KeyboardEvent, list: ParentNode): void {
  const current = (event.target as Element).closest?.("button.summary");
  if (!current) return;
  const buttons = [...list.querySelectorAll<HTMLButtonElement>(".timeline > .entry > .summary")];
  const next = nextHeader(event.key, buttons.indexOf(current as HTMLButtonElement), buttons.length);
  if (next === undefined) return;
  event.preventDefault();
  buttons[next].focus();
}
