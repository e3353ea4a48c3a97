/**
 * Comments on an entry: the count in its header, the thread and a form in its body. Comment text is
 * untrusted markdown, rendered and sanitized like an agent's (see markdown.ts).
 */
import { html, nothing, type TemplateResult } from "lit";
import { unsafeHTML } from "lit/directives/unsafe-html.js";
import type { WorkspaceComment, WorkspaceUser } from "../../protocol/index.js";
import { renderMarkdown } from "../markdown.js";
import { plural } from "../format.js";
import { reveal } from "../reveal.js";

export interface CommentsProps {
  entryId: string;
  comments: readonly WorkspaceComment[];
  self?: WorkspaceUser;
  /** Owners delete any comment; authors their own. */
  owner: boolean;
  /** The link is live: a comment can be sent. */
  ready: boolean;
  /** A comment on this entry is on its way. */
  sending: boolean;
  time: (ms: number) => string;
  /** Reads the form's `data-entry` and its `text` field. */
  onSubmit: (event: SubmitEvent) => void;
  /** Reads `data-comment` (a comment id). */
  onDelete: (event: Event) => void;
}

/** Rendered once per comment: its text never changes. */
const rendered = new WeakMap<WorkspaceComment, string>();

function markdown(comment: WorkspaceComment): string {
  let html = rendered.get(comment);
  if (html === undefined) rendered.set(comment, (html = renderMarkdown(comment.text)));
  return html;
}

/** The count in an entry's header, when it has comments. */
export function commentCount(count: number): TemplateResult | typeof nothing {
  if (count === 0) return nothing;
  return html`<span class="comment-count" part="comment-count" title=${plural(count, "comment")}
    ><svg viewBox="0 0 16 16" width="12" height="12" aria-hidden="true" focusable="false"><path fill="none" stroke="currentColor" stroke-width="1.5" stroke-linejoin="round" d="M2.5 3.5h11v7h-6l-3 2.5v-2.5h-2z" /></svg
    >${count}<span class="visually-hidden"> ${count === 1 ? "comment" : "comments"}</span></span
  >`;
}

/** Enter sends, Shift+Enter adds a line, as in the composer. */
function onKey(event: KeyboardEvent): void {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    (event.target as HTMLTextAreaElement).form?.requestSubmit();
  }
}

export function commentThread(props: CommentsProps): TemplateResult {
  const { entryId, comments, self, owner, ready, sending, time } = props;
  return html`<div part="comments" class="comments" role="group" aria-label="Comments">
    ${comments.map((comment) => {
      const mine = !!self && comment.by.userId === self.userId;
      return html`<article part="comment" class="comment" data-comment-id=${comment.commentId}>
        <div class="comment-by">
          <strong>${reveal(comment.by.userName ?? comment.by.userId)}</strong>
          <time datetime=${new Date(comment.createdAt).toISOString()}>${time(comment.createdAt)}</time>
          ${ready && (mine || owner)
            ? html`<button type="button" class="tool link-like" data-comment=${comment.commentId} aria-label="Delete ${mine ? "your" : `${reveal(comment.by.userName ?? comment.by.userId)}'s`} comment" @click=${props.onDelete}>Delete</button>`
            : nothing}
        </div>
        <div part="markdown" class="markdown">${unsafeHTML(markdown(comment))}</div>
      </article>`;
    })}
    ${ready
      ? html`<form class="comment-form" data-entry=${entryId} @submit=${props.onSubmit}>
          <textarea part="comment-input" class="comment-input" name="text" rows="1" aria-label="Comment on this entry" placeholder="Comment… (markdown; @name mentions)" ?disabled=${sending} @keydown=${onKey}></textarea>
          <button class="tool" ?disabled=${sending}>Comment</button>
        </form>`
      : nothing}
  </div>`;
}
