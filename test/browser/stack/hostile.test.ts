/**
 * Hostile content in a live workspace: every vector of the XSS corpus (test/fixtures/xss.ts) as a
 * connection's user name, shown in everyone's presence, and in the agent's modes, options and
 * commands as the live header's pickers and the composer's command list show them. Nothing may run,
 * load, navigate or restyle the page, and the reader must still see the text.
 */
import { expect } from "@open-wc/testing";
import type { SandboxWorkspace } from "../../../src/components/index.js";
import { XSS_VECTORS, place } from "../../fixtures/xss.js";
import { until } from "../../shared/until.js";
import { dangers } from "../support/dangers.js";
import { JOIN_MS, presence } from "../support/harness.js";
import { CLEAN, FIELD_INDEX, USER_NAME, grace, guardPage, hostileSession, itIsWatched, junk, settle, watchPage, type FieldName } from "../support/hostile.js";
import { stack } from "../support/stack.js";

describe("hostile content", () => {
  const page = guardPage();
  itIsWatched(page);

  describe("in a live workspace", function () {
    // Mocha's default 30 s for what a test does, plus joining (see `join`).
    this.timeout(30_000 + JOIN_MS);
    let endpoint: string;
    before(async function () {
      this.timeout(120_000);
      ({ endpoint } = await stack({ action: "start" }));
    });

    const LIVE_BATCH = 30;
    /** The marker first: the workspace keeps a user name's first 128 characters. */
    const userName = (vector: number) => {
      const { text, mark } = place(vector, USER_NAME);
      return { name: `${mark} ${text}`, mark };
    };

    for (let start = 0; start < XSS_VECTORS.length; start += LIVE_BATCH) {
      const end = Math.min(start + LIVE_BATCH, XSS_VECTORS.length);
      it(`vectors ${start + 1}–${end} as user names in presence, and in the header's pickers and the composer's command list, run nothing and stay readable`, async () => {
        await watchPage("start");
        const workspaceId = `hostile-${Date.now().toString(36)}-${start}`;
        const elements: Array<{ el: SandboxWorkspace; vector: number }> = [];
        for (let vector = start; vector < end; vector++) {
          const el = document.createElement("sandbox-workspace");
          el.setAttribute("endpoint", endpoint);
          el.setAttribute("workspace-id", workspaceId);
          el.setAttribute("user-name", userName(vector).name);
          el.style.height = "300px";
          page.container().append(el);
          elements.push({ el, vector });
        }
        const names = elements.map(({ vector }) => userName(vector).mark);
        await until(() => elements.every(({ el }) => el.connectionStatus === "live"), "every element is live", JOIN_MS);
        await until(() => elements.every(({ el }) => names.every((mark) => presence(el).includes(mark))), "every element's presence lists everyone", 30_000);

        // The agent's modes, options and commands, as the header and composer show them when live.
        for (const { el, vector } of elements) {
          el.appendEvents(hostileSession(vector));
          const input = el.shadowRoot!.querySelector<HTMLTextAreaElement>('[part="composer-input"]')!;
          input.value = "/";
          input.dispatchEvent(new Event("input"));
        }
        await Promise.all(elements.map(({ el }) => settle(el)));
        await grace();

        const dom: string[] = [];
        const lostText: string[] = [];
        const shownJunk: string[] = [];
        for (const { el, vector } of elements) {
          const name = XSS_VECTORS[vector].name;
          dom.push(...dangers(el.shadowRoot!).map((what) => `${name}: ${what}`));
          shownJunk.push(...junk(el).map((word) => `${name}: ${word}`));
          const root = el.shadowRoot!;
          const shows = (selector: string, field: FieldName | number) => {
            const { mark } = place(vector, typeof field === "number" ? field : FIELD_INDEX.get(field)!);
            const text = [...root.querySelectorAll(selector)].map((node) => node.textContent ?? "").join(" ");
            if (!text.includes(mark)) lostText.push(`${name}: ${typeof field === "number" ? "user name" : field} in ${selector}`);
          };
          shows('[part="mode-picker"] option', "mode name");
          shows('[part="config-picker"]', "config option name");
          shows('[part="config-picker"]', "config switch name");
          shows('[part="config-picker"] option', "config choice name");
          shows('[part="command-list"]', "command name");
          shows('[part="command-list"]', "command description");
          if (!names.every((mark) => presence(el).includes(mark))) lostText.push(`${name}: not every user name in presence`);
        }
        const activity = await watchPage("stop");

        expect({ ...page.report(activity, [new URL(endpoint).origin]), dom, lostText, junk: shownJunk }).to.deep.equal(CLEAN);
      });
    }
  });
});
