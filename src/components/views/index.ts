/** One view per entry type. */
import type { EntryViews } from "./context.js";
import { agentMessage, agentThought, userMessage } from "./messages.js";
import { error, permissionRequest, turnEnd, unknown } from "./protocol.js";
import { question } from "./question.js";
import { availableCommands, configOptions, currentMode, plan, sessionInfo, usage } from "./session-state.js";
import { toolCall } from "./tool-call.js";
import { fileRead, fileWrite, terminal } from "./client.js";
import { compaction, notice, planUpdate, sessionMessageView, subagent } from "./extras.js";

export const VIEWS: EntryViews = {
  "agent-message": agentMessage,
  "agent-thought": agentThought,
  "user-message": userMessage,
  "tool-call": toolCall,
  plan,
  usage,
  "session-info": sessionInfo,
  "available-commands": availableCommands,
  "current-mode": currentMode,
  "config-options": configOptions,
  "permission-request": permissionRequest,
  question,
  "turn-end": turnEnd,
  "file-read": fileRead,
  "file-write": fileWrite,
  terminal,
  notice,
  compaction,
  "plan-update": planUpdate,
  subagent,
  "session-message": sessionMessageView,
  error,
  unknown,
};

export type { EntryView, EntryViews, ViewContext } from "./context.js";
