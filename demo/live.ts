/**
 * The live demo page: joins the workspace actor with rivetkit/client and feeds what it hears into
 * `<sandbox-workspace>`. (The element will do this itself once it connects on its own; until then
 * this page is the host-side wiring: history by eventIndex, live broadcasts, prompts, permissions.)
 *
 * Query: ?endpoint=<registry URL>&workspace=<id>&user=<name>
 */
import { createClient } from "rivetkit/client";
import "../src/components/index.js";
import type { PermissionRequestedBroadcast, PresenceBroadcast, WorkspaceRegistry } from "../src/actors/index.js";

const params = new URLSearchParams(location.search);
const endpoint = params.get("endpoint") ?? "http://127.0.0.1:6420";
const workspaceId = params.get("workspace") ?? "demo";
const userName = params.get("user") ?? ["Ada", "Grace", "Alan", "Barbara", "Edsger"][Math.floor(Math.random() * 5)];

const $ = <T extends HTMLElement>(selector: string) => document.querySelector<T>(selector)!;
const workspace = $("sandbox-workspace") as HTMLElementTagNameMap["sandbox-workspace"];
const status = $("#status");
const error = $("#error");
workspace.events = [];

const client = createClient<WorkspaceRegistry>({ endpoint, devtools: false });
const conn = client.workspace.getOrCreate([workspaceId], { params: { userId: `u-${userName.toLowerCase()}`, userName } }).connect();

let catchingUp: Promise<void> | undefined;
/** Reads history after the last index with no gap before it; broadcasts arriving meanwhile merge by eventIndex. */
function catchUp(): Promise<void> {
  catchingUp ??= readHistory().finally(() => (catchingUp = undefined));
  return catchingUp;
}

async function readHistory(): Promise<void> {
  let after = workspace.timeline.contiguousIndex;
  for (;;) {
    const page = await conn.getHistory({ after, limit: 500 });
    // Older events may have been trimmed from storage: what is not there is not a gap.
    const first = page.events[0]?.eventIndex;
    if (first !== undefined && first > after + 1) workspace.timeline.skipTo(first - 1);
    workspace.appendEvents(page.events);
    for (const answer of page.permissions) {
      if (answer.toolCallId && answer.reply !== "cancelled") {
        workspace.timeline.resolvePermission(answer.toolCallId, { reply: answer.reply, by: answer.by && { id: answer.by.userId, name: answer.by.userName } });
      }
    }
    if (page.nextAfter === undefined) break;
    after = page.nextAfter;
  }
  workspace.requestUpdate();
}

conn.onOpen(() => {
  status.textContent = `live in “${workspaceId}” as ${userName}`;
  // Subscriptions are re-sent after onOpen runs: read the history a tick later.
  setTimeout(() => void catchUp().catch((e: Error) => (error.textContent = e.message)), 0);
});
conn.onClose(() => (status.textContent = "reconnecting…"));
conn.onError((e) => (status.textContent = `error: ${e.message}`));

/** Applies live events; a hole before them (missed while away, or never broadcast) is read from history. */
function receive(events: Parameters<typeof workspace.appendEvents>[0]): void {
  workspace.appendEvents(events);
  if (workspace.timeline.lastIndex > workspace.timeline.contiguousIndex) void catchUp().catch((e: Error) => (error.textContent = e.message));
}
conn.on("session.event", (event) => receive([event]));
conn.on("session.events", (events) => receive(events));
conn.on("presence", ({ users }: PresenceBroadcast) => ($("#people").textContent = `here: ${users.map((u) => u.userName ?? u.userId).join(", ")}`));
conn.on("turn", (turn) => {
  if (turn.state === "ended") {
    workspace.timeline.endTurn(turn.stopReason);
    workspace.requestUpdate();
  }
});
conn.on("error", (e) => (error.textContent = e.message));
conn.on("permission.requested", showPermission);
conn.on("permission.resolved", (answer) => {
  document.getElementById(`permission-${answer.permissionId}`)?.remove();
  if (answer.toolCallId && answer.reply !== "cancelled") {
    workspace.timeline.resolvePermission(answer.toolCallId, { reply: answer.reply, by: answer.by && { id: answer.by.userId, name: answer.by.userName } });
    workspace.requestUpdate();
  }
});

function showPermission(request: PermissionRequestedBroadcast): void {
  const box = document.createElement("div");
  box.id = `permission-${request.permissionId}`;
  box.append(`The agent asks: ${request.title ?? "run a tool"} `);
  for (const reply of request.availableReplies) {
    const button = document.createElement("button");
    button.textContent = { once: "Allow once", always: "Always allow", reject: "Reject" }[reply];
    button.onclick = () => conn.respondPermission({ permissionId: request.permissionId, reply }).catch((e: Error) => (error.textContent = e.message));
    box.append(button, " ");
  }
  $("#permissions").append(box);
}

$("#composer").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = $<HTMLTextAreaElement>("#prompt");
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  error.textContent = "";
  conn.prompt({ text }).catch((e: Error) => (error.textContent = e.message));
});
$("#prompt").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) {
    event.preventDefault();
    $<HTMLFormElement>("#composer").requestSubmit();
  }
});
void conn.getSessionInfo().then((info) => info.pendingPermissions.forEach(showPermission)).catch(() => undefined);
