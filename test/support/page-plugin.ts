/**
 * A @web/test-runner plugin that watches a test page from outside, through Chromium itself: every
 * request the page (or any frame in it) makes, every frame navigation, popup and dialog, between
 * `executeServerCommand("page-watch", { action: "start" })` and `{ action: "stop" }`, which returns
 * what it saw. A page cannot be trusted to report on itself: a script that got through can hide
 * its tracks, and a navigation ends the test before it could say so.
 */
import type { Dialog, Frame, HTTPRequest, Page } from "puppeteer-core";
import { sessionPage, type Session } from "./session-page.js";

export interface PageRequest {
  url: string;
  method: string;
  /** Chromium's resource type: `script`, `image`, `stylesheet`, `document`, `fetch`... */
  type: string;
  /** The frame that asked, by its URL. */
  frame: string;
}

export interface PageActivity {
  requests: PageRequest[];
  /** Frames that navigated (the page itself, or a frame inserted into it). */
  navigations: Array<{ url: string; main: boolean }>;
  /** Frames inserted into the page. */
  frames: string[];
  popups: string[];
  /** alert/confirm/prompt/beforeunload dialogs; each is dismissed so the page does not block. */
  dialogs: Array<{ type: string; message: string }>;
}

type Payload = { action: "start" | "stop" };

interface Watch {
  page: Page;
  activity: PageActivity;
  detach(): void;
}

function watch(page: Page): Watch {
  const activity: PageActivity = { requests: [], navigations: [], frames: [], popups: [], dialogs: [] };
  const onRequest = (request: HTTPRequest) => {
    activity.requests.push({ url: request.url(), method: request.method(), type: request.resourceType(), frame: request.frame()?.url() ?? "" });
  };
  const onNavigated = (frame: Frame) => activity.navigations.push({ url: frame.url(), main: frame === page.mainFrame() });
  const onAttached = (frame: Frame) => activity.frames.push(frame.url());
  const onPopup = (popup: Page | null) => {
    activity.popups.push(popup?.url() ?? "");
    void popup?.close().catch(() => undefined);
  };
  const onDialog = (dialog: Dialog) => {
    activity.dialogs.push({ type: dialog.type(), message: dialog.message() });
    void dialog.dismiss().catch(() => undefined);
  };
  page.on("request", onRequest);
  page.on("framenavigated", onNavigated);
  page.on("frameattached", onAttached);
  page.on("popup", onPopup);
  page.on("dialog", onDialog);
  return {
    page,
    activity,
    detach() {
      page.off("request", onRequest);
      page.off("framenavigated", onNavigated);
      page.off("frameattached", onAttached);
      page.off("popup", onPopup);
      page.off("dialog", onDialog);
    },
  };
}

export function pagePlugin() {
  const watches = new Map<string, Watch>();
  return {
    name: "page-watch",
    async executeCommand({ command, payload, session }: { command: string; payload?: unknown; session: Session }) {
      if (command !== "page-watch") return undefined;
      const { action } = payload as Payload;
      const page = sessionPage(session, "page-watch");
      const current = watches.get(session.id);
      current?.detach();
      watches.delete(session.id);
      if (action === "start") {
        watches.set(session.id, watch(page));
        return { ok: true };
      }
      if (!current) throw new Error("page-watch: stop without a start");
      return current.activity;
    },
  };
}
