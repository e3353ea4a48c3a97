import type { nothing, TemplateResult } from "lit";
import type { Entry, EntryOf, EntryType, MessagePart, PermissionRequestEntry, QuestionEntry } from "../../events/index.js";
import type { StreamingMarkdown } from "../markdown.js";

/** What a view needs from the element that renders it. */
export interface ViewContext {
  /**
   * The incremental markdown renderer for one text part (kept across renders), brought up to date
   * with it; undefined while the entry is far from view in a long transcript (show the text plain).
   */
  markdown(part: MessagePart & { kind: "text" }): StreamingMarkdown | undefined;
  /** Looks up another entry (a permission's tool call, a turn's prompt). */
  entry(id: string): Entry | undefined;
  /** Formats a timestamp for display. */
  time(ms: number | undefined): string;
  /** Answer buttons for a pending permission request, when this element can answer it. */
  permissionActions(entry: PermissionRequestEntry): TemplateResult | typeof nothing;
  /** The answer form of a pending question from the agent, when this element can answer it. */
  questionForm(entry: QuestionEntry): TemplateResult | typeof nothing;
}

/** One entry type's view: the accordion's header and body. */
export interface EntryView<T extends EntryType> {
  /** Short name of the type, shown first in the header. */
  label(entry: EntryOf<T>): string;
  /** The rest of the header: title, status, counts. Plain text or a small template. */
  summary(entry: EntryOf<T>, ctx: ViewContext): TemplateResult | string;
  body(entry: EntryOf<T>, ctx: ViewContext): TemplateResult;
  /** Whether the accordion starts open. */
  open?(entry: EntryOf<T>): boolean;
  /** A status word for `data-status` and the status badge. */
  status?(entry: EntryOf<T>): string | undefined;
}

export type EntryViews = { [T in EntryType]: EntryView<T> };
