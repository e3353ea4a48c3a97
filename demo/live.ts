/**
 * The live demo page: two `<sandbox-workspace>` elements (defined by the drop-in file the page
 * loads) join the same workspace actor by themselves, as two people would from two pages. This
 * script only fills in the endpoint and the workspace from the query string.
 *
 * Query: ?endpoint=<registry URL>&workspace=<id>
 */
import type {} from "../src/components/index.js";

const params = new URLSearchParams(location.search);
for (const workspace of document.querySelectorAll("sandbox-workspace")) {
  workspace.endpoint = params.get("endpoint") ?? "http://127.0.0.1:6420";
  workspace.workspaceId = params.get("workspace") ?? "demo";
  workspace.addEventListener("sandbox-workspace-error", (event) => console.warn(event.detail.code, event.detail.message));
}
document.querySelector<HTMLInputElement>("#warm")!.addEventListener("change", (event) => {
  document.body.classList.toggle("warm", (event.target as HTMLInputElement).checked);
});
