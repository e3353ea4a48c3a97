/**
 * The tables of the workspace actor's SQLite, and the statements on the permissions and questions tables. The
 * events, sessions, promised and lost tables are read and written by the storage classes that own
 * them (`persist-driver.ts`, `write-queue.ts`, `index-ledger.ts`).
 */
import type { AttributionRecord, CommentDeletedBroadcast, CommentsPage, PermissionResolvedBroadcast, QuestionResolvedBroadcast, WorkspaceComment } from "../../protocol/index.js";

/** The slice of the actor's database the workspace needs. Rows come back as objects keyed by column. */
export interface Sql {
  execute(sql: string, ...args: unknown[]): Promise<Array<Record<string, unknown>>>;
}

export const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, record TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS events (session_id TEXT NOT NULL, event_index INTEGER NOT NULL, json TEXT NOT NULL, PRIMARY KEY (session_id, event_index)) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS permissions (permission_id TEXT PRIMARY KEY, tool_call_id TEXT, json TEXT NOT NULL)`,
  /** How each question from the agent was answered (`QuestionResolvedBroadcast`), by question id. */
  `CREATE TABLE IF NOT EXISTS questions (question_id TEXT PRIMARY KEY, json TEXT NOT NULL)`,
  /**
   * Comments on entries. `seq` orders changes: a new comment takes the next one, and so does a
   * deletion (its row stays, text gone, `deleted` set), so `getComments({ after })` returns both.
   */
  `CREATE TABLE IF NOT EXISTS comments (comment_id TEXT PRIMARY KEY, entry_id TEXT NOT NULL, seq INTEGER NOT NULL, created_seq INTEGER NOT NULL, json TEXT NOT NULL, deleted TEXT)`,
  `CREATE INDEX IF NOT EXISTS comments_seq ON comments (seq)`,
  /** Who changed the mode or a config option, who withdrew a queued prompt (`AttributionRecord`), in order. */
  `CREATE TABLE IF NOT EXISTS attributions (seq INTEGER PRIMARY KEY AUTOINCREMENT, json TEXT NOT NULL)`,
  /** The highest eventIndex that clients may have been told of, per session. */
  `CREATE TABLE IF NOT EXISTS promised (session_id TEXT PRIMARY KEY, through INTEGER NOT NULL)`,
  /** Indices promised but never stored: the host stopped without writing them. */
  `CREATE TABLE IF NOT EXISTS lost (session_id TEXT NOT NULL, after INTEGER NOT NULL, through INTEGER NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (session_id, after))`,
];

/** Creates the tables that do not exist yet: the actor's `onMigrate`. */
export async function migrate(sql: Sql): Promise<void> {
  for (const statement of SCHEMA) await sql.execute(statement);
}

/** Stores who answered a permission request (the SDK's log does not); a later answer replaces it. */
export async function recordPermission(sql: Sql, resolution: PermissionResolvedBroadcast): Promise<void> {
  await sql.execute(
    `INSERT INTO permissions (permission_id, tool_call_id, json) VALUES (?, ?, ?) ON CONFLICT (permission_id) DO UPDATE SET json = excluded.json`,
    resolution.permissionId,
    resolution.toolCallId ?? null,
    JSON.stringify(resolution),
  );
}

/** Every recorded answer to a permission request. */
export async function readPermissions(sql: Sql): Promise<PermissionResolvedBroadcast[]> {
  const rows = await sql.execute(`SELECT json FROM permissions`);
  return rows.map((row) => JSON.parse(String(row.json)) as PermissionResolvedBroadcast);
}

/** Stores how a question from the agent was answered, and by whom (the SDK's log does not); the first answer stays. */
export async function recordQuestion(sql: Sql, resolution: QuestionResolvedBroadcast): Promise<void> {
  await sql.execute(`INSERT INTO questions (question_id, json) VALUES (?, ?) ON CONFLICT (question_id) DO NOTHING`, resolution.questionId, JSON.stringify(resolution));
}

/** Every recorded answer to a question. */
export async function readQuestions(sql: Sql): Promise<QuestionResolvedBroadcast[]> {
  const rows = await sql.execute(`SELECT json FROM questions`);
  return rows.map((row) => JSON.parse(String(row.json)) as QuestionResolvedBroadcast);
}

/** Attribution records served with each history page: the newest this many. */
const ATTRIBUTIONS_SERVED = 500;

/** Stores who did what (the SDK's log does not say). */
export async function recordAttribution(sql: Sql, record: AttributionRecord): Promise<void> {
  await sql.execute(`INSERT INTO attributions (json) VALUES (?)`, JSON.stringify(record));
}

/** The newest attribution records, oldest first. */
export async function readAttributions(sql: Sql): Promise<AttributionRecord[]> {
  const rows = await sql.execute(`SELECT json FROM (SELECT seq, json FROM attributions ORDER BY seq DESC LIMIT ?) ORDER BY seq`, ATTRIBUTIONS_SERVED);
  return rows.map((row) => JSON.parse(String(row.json)) as AttributionRecord);
}

/** Stores a new comment, with the next sequence number (one statement: actions interleave at each await). */
export async function insertComment(sql: Sql, comment: WorkspaceComment): Promise<void> {
  await sql.execute(
    `INSERT INTO comments (comment_id, entry_id, seq, created_seq, json) SELECT ?, ?, COALESCE(MAX(seq), 0) + 1, COALESCE(MAX(seq), 0) + 1, ? FROM comments`,
    comment.commentId,
    comment.entryId,
    JSON.stringify(comment),
  );
}

/** A comment that was not deleted, if any. */
export async function readComment(sql: Sql, commentId: string): Promise<WorkspaceComment | undefined> {
  const [row] = await sql.execute(`SELECT json FROM comments WHERE comment_id = ? AND deleted IS NULL`, commentId);
  return row ? (JSON.parse(String(row.json)) as WorkspaceComment) : undefined;
}

/** Marks a comment deleted: its text goes, its row stays so clients that hold it learn of it. */
export async function deleteComment(sql: Sql, deletion: CommentDeletedBroadcast): Promise<void> {
  await sql.execute(`UPDATE comments SET seq = (SELECT COALESCE(MAX(seq), 0) + 1 FROM comments), json = '{}', deleted = ? WHERE comment_id = ?`, JSON.stringify(deletion), deletion.commentId);
}

/** Comments created and deleted since the cursor `after`, oldest first, at most `limit` changes. */
export async function readComments(sql: Sql, after: number, limit: number): Promise<CommentsPage> {
  const rows = await sql.execute(`SELECT seq, created_seq, json, deleted FROM comments WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit + 1);
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  const comments: WorkspaceComment[] = [];
  const deleted: CommentDeletedBroadcast[] = [];
  for (const row of page) {
    if (row.deleted == null) comments.push(JSON.parse(String(row.json)) as WorkspaceComment);
    // One created after the cursor and deleted since was never held by this reader: nothing to say.
    else if (Number(row.created_seq) <= after) deleted.push(JSON.parse(String(row.deleted)) as CommentDeletedBroadcast);
  }
  const cursor = page.length ? Number(page.at(-1)!.seq) : after;
  return { comments, deleted, cursor, ...(more ? { nextAfter: cursor } : {}) };
}

/**
 * Deletes what a destroyed workspace held: its sessions, events, answers, comments and attributions. The promised and lost
 * indices stay: an index clients were shown is never given to another event, so the next start
 * reports the old events lost (pages still open drop them) and numbers new ones after them.
 */
export async function wipeWorkspace(sql: Sql): Promise<void> {
  for (const table of ["events", "sessions", "permissions", "questions", "comments", "attributions"]) await sql.execute(`DELETE FROM ${table}`);
}
