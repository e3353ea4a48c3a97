/**
 * Questions from the agent (ACP `elicitation/create`): a form for the people in the room, or a link
 * to open. The workspace actor answers them itself and records the request as an id-less
 * notification whose `_request: { id, server }` names it; a log recorded elsewhere holds the plain
 * request (with its id) and maybe the client's answer. Neither log holds the answer a workspace
 * gave: the host reports it (`Timeline.resolveQuestion`), by question id.
 */
import { addEntry, closeOpen, touch, type FoldContext, type FoldState } from "./fold-state.js";
import { asString, isRecord } from "./parse.js";
import { questionFields } from "./question-fields.js";
import type { EndedAs, QuestionEntry, QuestionResolution } from "./types.js";

export const QUESTION_METHOD = "elicitation/create";

/** The agent asks: a new entry, answered at once if the host already reported its answer. */
export function foldQuestion(state: FoldState, ctx: FoldContext, params: unknown, rpcId?: string | number): QuestionEntry {
  closeOpen(state);
  const recorded = recordedRequest(ctx.raw);
  const p = isRecord(params) ? params : {};
  const schema = isRecord(p.requestedSchema) ? p.requestedSchema : {};
  const questionId = recorded ? `${recorded.server}:${recorded.id}` : String(rpcId ?? ctx.id);
  const entry = addEntry(state, ctx, "question", {
    questionId,
    rpcId: recorded?.id ?? rpcId,
    mode: asString(p.mode) ?? "form",
    message: asString(p.message) ?? "",
    fields: questionFields(schema),
    title: asString(schema.title),
    description: asString(schema.description),
    toolCallId: asString(p.toolCallId),
    url: asString(p.url),
    status: "pending",
  });
  state.questions.set(questionId, entry);
  if (state.summary.running) state.turnQuestions.add(entry);
  const report = state.questionReports.get(questionId);
  if (report) settle(entry, report);
  return entry;
}

/** `_request` as the workspace records it beside the request's params: `{ id, server }`. */
function recordedRequest(raw: unknown): { id: string | number; server: string } | undefined {
  const payload = isRecord(raw) ? raw.payload : undefined;
  const request = isRecord(payload) ? payload._request : undefined;
  if (!isRecord(request) || typeof request.server !== "string") return undefined;
  const id = request.id;
  return typeof id === "string" || typeof id === "number" ? { id, server: request.server } : undefined;
}

/** The client's answer, where the log holds it (a plain request's response). */
export function foldQuestionAnswer(state: FoldState, ctx: FoldContext, entry: QuestionEntry, result: unknown): void {
  touch(entry, ctx);
  const r = isRecord(result) ? result : {};
  const report = state.questionReports.get(entry.questionId);
  settle(entry, { ...report, action: asString(r.action) ?? "accept", content: isRecord(r.content) ? r.content : undefined, at: report?.at ?? ctx.createdAt });
}

/** An answer the host reports (the log has none): kept across re-folds, applied to its question now or when it is folded. */
export function reportQuestion(state: FoldState, questionId: string, report: QuestionResolution): void {
  state.questionReports.set(questionId, report);
  const entry = state.questions.get(questionId);
  if (entry) settle(entry, report);
}

/** The turn ended: a question still open got no answer the log or the host knows of. */
export function settleQuestions(state: FoldState, endedAs: EndedAs): void {
  for (const entry of state.turnQuestions) {
    if (entry.status !== "pending") continue;
    entry.status = endedAs === "cancelled" ? "cancelled" : "unanswered";
    entry.rev++;
  }
  state.turnQuestions.clear();
}

function settle(entry: QuestionEntry, resolution: QuestionResolution): void {
  entry.resolution = { ...entry.resolution, ...resolution };
  const action = entry.resolution.action;
  entry.status = action === "decline" ? "declined" : action === "cancel" ? "cancelled" : "answered";
  entry.rev++;
}
