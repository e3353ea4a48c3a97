/** Permission answers, as both sides name them. */
import type { PermissionReply } from "./contract.js";

/** sandbox-agent's reply word for an ACP permission option kind (`allow_once`, `allow_always`, `reject_once`, `reject_always`). */
export function replyOfKind(kind: string): PermissionReply {
  return kind === "allow_always" ? "always" : kind.startsWith("reject") ? "reject" : "once";
}
