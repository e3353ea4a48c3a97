/** The answer buttons of a pending permission request, for an element that can answer it. */
import { html, type TemplateResult } from "lit";
import type { PermissionRequestedBroadcast } from "../../protocol/index.js";

const LABELS: Record<string, string> = { once: "Allow once", always: "Always allow", reject: "Reject" };

export function permissionActions(request: PermissionRequestedBroadcast, onAnswer: (event: Event) => void): TemplateResult {
  return html`<div part="permission-actions" class="permission-actions" role="group" aria-label="Answer">
    ${request.availableReplies.map(
      (reply) => html`<button class="tool ${reply === "reject" ? "danger" : "primary"}" part="permission-button permission-${reply}" data-permission=${request.permissionId} data-reply=${reply} @click=${onAnswer}>
        ${Object.hasOwn(LABELS, reply) ? LABELS[reply] : reply}
      </button>`,
    )}
  </div>`;
}
