/**
 * The tables of the workspace actor's SQLite, and the statements on the permissions and questions tables. The
 * events, sessions, promised and lost tables are read and written by the storage classes that own
 * them (`persist-driver.ts`, `write-queue.ts`, `index-ledger.ts`).
 */
import type { PermissionResolvedBroadcast, QuestionResolvedBroadcast } from "../../protocol/index.js";

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
