/**
 * The event model: sandbox-agent `SessionEvent`s folded into a timeline of entries.
 * Pure data: no DOM, no Node, no Lit.
 */
export { Timeline } from "./timeline.js";
export { SharedStrings } from "./shared-strings.js";
export { LOST_METHOD, META_KEY } from "./fold-rpc.js";
export { LATEST_TYPES, replyFor } from "./fold-state.js";
export { checkAnswer, fieldName, questionFields } from "./question-fields.js";
export { readEvent, readMessage, eventIndexOf, type Message, type ReadEvent } from "./parse.js";
export * from "./types.js";
