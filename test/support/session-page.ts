/**
 * The puppeteer Page behind a @web/test-runner session, for server plugins that watch a test page
 * from outside it.
 */
import type { Page } from "puppeteer-core";

/** The `session` a server command receives: only what these plugins read. */
export interface Session {
  id: string;
  browser: { type?: string; getPage?(sessionId: string): unknown };
}

/** The session's page; `who` names the plugin in the error when the launcher is not Chrome's. */
export function sessionPage(session: Session, who: string): Page {
  if (session.browser.type !== "puppeteer" || typeof session.browser.getPage !== "function") {
    throw new Error(`${who} needs the Chrome (puppeteer) launcher, not ${session.browser.type}`);
  }
  return session.browser.getPage(session.id) as Page;
}
