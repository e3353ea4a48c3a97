/**
 * What a client and the workspace actor say to each other: broadcast payloads, action inputs and
 * results, error codes, and running a prompt to its end. No DOM and no Node: the browser element
 * and the actor both import it.
 */
export * from "./permissions.js";
export * from "./prompting.js";
export * from "./roles.js";
export type * from "./contract.js";
