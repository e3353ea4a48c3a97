/**
 * The comments an element holds, by entry: added from broadcasts and `getComments` pages alike (each
 * once), removed when deleted. Each entry's revision goes up when its thread changes, so only that
 * entry re-renders. No DOM here.
 */
import type { CommentDeletedBroadcast, WorkspaceComment } from "../../../protocol/index.js";

const NONE: readonly WorkspaceComment[] = [];

export class CommentBook {
  #byEntry = new Map<string, WorkspaceComment[]>();
  #byId = new Map<string, WorkspaceComment>();
  /** Comments deleted while this book held them or before it saw them: a late copy is not added back. */
  #gone = new Set<string>();
  #revisions = new Map<string, number>();
  /** Where the next `getComments({ after })` starts. */
  cursor = 0;

  /** Adds a comment; false when it is known or was deleted. */
  add(comment: WorkspaceComment): boolean {
    if (this.#byId.has(comment.commentId) || this.#gone.has(comment.commentId)) return false;
    this.#byId.set(comment.commentId, comment);
    const thread = this.#byEntry.get(comment.entryId) ?? [];
    // Oldest first, whatever order they arrive in (a page and a broadcast can cross).
    let at = thread.length;
    while (at > 0 && thread[at - 1].createdAt > comment.createdAt) at--;
    thread.splice(at, 0, comment);
    this.#byEntry.set(comment.entryId, thread);
    this.#bump(comment.entryId);
    return true;
  }

  /** Removes a deleted comment; false when it was not held. */
  remove(deletion: Pick<CommentDeletedBroadcast, "commentId" | "entryId">): boolean {
    this.#gone.add(deletion.commentId);
    const comment = this.#byId.get(deletion.commentId);
    if (!comment) return false;
    this.#byId.delete(deletion.commentId);
    const thread = this.#byEntry.get(comment.entryId) ?? [];
    const left = thread.filter((candidate) => candidate.commentId !== deletion.commentId);
    if (left.length) this.#byEntry.set(comment.entryId, left);
    else this.#byEntry.delete(comment.entryId);
    this.#bump(comment.entryId);
    return true;
  }

  forEntry(entryId: string): readonly WorkspaceComment[] {
    return this.#byEntry.get(entryId) ?? NONE;
  }

  /** Changes with each change to the entry's thread. */
  revision(entryId: string): number {
    return this.#revisions.get(entryId) ?? 0;
  }

  get size(): number {
    return this.#byId.size;
  }

  clear(): void {
    this.#byEntry.clear();
    this.#byId.clear();
    this.#gone.clear();
    for (const id of this.#revisions.keys()) this.#bump(id);
    this.cursor = 0;
  }

  #bump(entryId: string): void {
    this.#revisions.set(entryId, (this.#revisions.get(entryId) ?? 0) + 1);
  }
}

/**
 * Whether `text` mentions `name`: `@` and the whole name, or its first word (`@Grace` for
 * "Grace Hopper"), any case, not inside a longer word or address.
 */
export function mentions(text: string, name: string | undefined): boolean {
  const whole = name?.trim();
  if (!whole) return false;
  const escape = (value: string) => value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const names = [...new Set([whole, whole.split(/\s+/)[0]])].map(escape).join("|");
  return new RegExp(`(?:^|[^\\p{L}\\p{N}_.@])@(?:${names})(?![\\p{L}\\p{N}_])`, "iu").test(text);
}
