/**
 * The backend for `<sandbox-workspace>`: the `workspace` actor and the registry hosts run.
 * Importing it starts nothing and installs nothing.
 */
export { createWorkspaceActor, DEFAULT_LIMITS, type WorkspaceActorOptions, type WorkspaceLimits } from "./workspace.js";
export { createWorkspaceRegistry, stopEmbeddedEngine, type WorkspaceRegistry, type WorkspaceRegistryOptions } from "./registry.js";
export { registry, workspaceOptionsFromEnv } from "./env.js";
export { WorkspacePersistDriver } from "./storage/persist-driver.js";
export { isRefusal, newPromptId, runPrompt, tooLarge, turnError, turnResult, type PromptingConnection, type PromptResult } from "../protocol/index.js";
export { WorkspaceError } from "./session/errors.js";
export type { SandboxConnection, SandboxSource } from "./session/sandbox.js";
export type * from "../protocol/contract.js";
