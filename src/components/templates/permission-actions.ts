/**
 * The answer buttons of a pending permission request, for an element that can answer it: the
 * agent's own options, named as it named them, in its order. Each button's part says what kind of
 * answer it is (`permission-once`, `permission-always`, `permission-reject`) for theming.
 */
import { html, type TemplateResult } from "lit";
import { replyOfKind, type PermissionRequestedBroadcast } from "../../protocol/index.js";
import { reveal } from "../reveal.js";

export function permissionActions(request: PermissionRequestedBroadcast, onAnswer: (event: Event) => void): TemplateResult {
  return html`<div part="permission-actions" class="permission-actions" role="group" aria-label="Answer">
    ${request.options.map((option) => {
      const reply = replyOfKind(String(option.kind));
      return html`<button
        class="tool ${reply === "reject" ? "danger" : "primary"}"
        part="permission-button permission-${reply}"
        data-permission=${request.permissionId}
        data-option=${option.optionId}
        data-kind=${String(option.kind)}
        @click=${onAnswer}
      >
        ${reveal(String(option.name))}
      </button>`;
    })}
  </div>`;
}
