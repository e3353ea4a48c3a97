/** Numbers, words and times as the element shows them, in the header and in the views. */
import type { SessionConfigOption } from "@agentclientprotocol/sdk";

/** One formatter for every count: building one per call (toLocaleString) costs more than the render. */
const counts = new Intl.NumberFormat();

/** A count with the reader's digit grouping. */
export function count(value: number): string {
  return counts.format(value);
}

/** "1 event", "2 events"; `plural` for words that do not just take an s ("entry", "entries"). */
export function plural(value: number, word: string, pluralWord = `${word}s`): string {
  return `${count(value)} ${value === 1 ? word : pluralWord}`;
}

/** A time a `Date` can hold (±8.64e15 ms): formatting any other throws, and the whole render with it. */
export function isTime(ms: number | undefined): ms is number {
  return ms !== undefined && Math.abs(ms) <= 8.64e15;
}

const clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });

/** A timestamp as the reader's wall-clock time, or nothing for one no `Date` can hold. */
export function clockTime(ms: number | undefined): string {
  return isTime(ms) ? clock.format(ms) : "";
}

/**
 * `table[key]` for a key an agent chose: only the table's own entries, so `constructor` or
 * `__proto__` name nothing rather than a function or `Object.prototype`.
 */
export function lookup<T>(table: Readonly<Record<string, T>>, key: string | undefined): T | undefined {
  return key !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
}

export function formatTokens(tokens: number | undefined): string {
  if (tokens === undefined) return "?";
  return tokens >= 1000 ? `${(tokens / 1000).toFixed(tokens >= 100_000 ? 0 : 1)}k` : String(tokens);
}

const currencies = new Map<string, Intl.NumberFormat>();

export function formatCost(cost: { amount: number; currency: string } | undefined): string {
  if (!cost) return "";
  const currency = cost.currency || "USD";
  try {
    let format = currencies.get(currency);
    if (!format) {
      format = new Intl.NumberFormat(undefined, { style: "currency", currency, maximumFractionDigits: 4 });
      // Currency codes come from the agent: keep a handful, not one per code it ever sent.
      if (currencies.size < 16) currencies.set(currency, format);
    }
    return format.format(cost.amount);
  } catch {
    return `${cost.amount} ${cost.currency}`;
  }
}

export function modeName(entry: { currentModeId?: string; availableModes: Array<{ id: string; name: string }> }): string {
  const id = entry.currentModeId;
  return entry.availableModes.find((mode) => mode.id === id)?.name ?? id ?? "unknown";
}

/** A select option's choices, its groups flattened. */
export function configChoices(option: SessionConfigOption): Array<{ value: string; name: string }> {
  if (option.type !== "select" || !Array.isArray(option.options)) return [];
  return (option.options as Array<Record<string, unknown>>).flatMap((item) =>
    Array.isArray(item.options) ? (item.options as Array<{ value: string; name: string }>) : [item as { value: string; name: string }],
  );
}
