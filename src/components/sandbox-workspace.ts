import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from "lit";
import { property, state } from "lit/decorators.js";
import { guard } from "lit/directives/guard.js";
import { repeat } from "lit/directives/repeat.js";
import { LATEST_TYPES, Timeline, type Entry, type MessagePart, type PermissionRequestEntry, type RawEvent } from "../events/index.js";
import type { PermissionReply } from "../protocol/index.js";
import { WorkspaceConnection, type ConnectionStatus, type ConnectionTarget } from "./connection.js";
import { workspaceEvent, type SandboxWorkspaceErrorDetail } from "./events.js";
import { afterRenders, inNextFrame } from "./frame.js";
import { StreamingMarkdown } from "./markdown.js";
import { reveal } from "./reveal.js";
import { styles } from "./styles.js";
import { count, isTime, json, plural } from "./views/common.js";
import { VIEWS, type EntryView, type ViewContext } from "./views/index.js";
import { formatCost, formatTokens, modeName } from "./views/session-state.js";

/** Raw events rendered per page in the raw views; more on request. */
const RAW_PAGE = 200;
/** How long a stream must pause before long open blocks are rendered in full. */
const SETTLE_MS = 150;
/**
 * A render that brings more new entries than this (a history opening, a transcript replayed) shows
 * the text of entries far from view as plain text, and renders their markdown once they come near.
 */
const BULK_ENTRIES = 8;
/** In a bulk render, the entries nearest the reader's end render markdown at once, about this many lines of them. */
const BULK_SHOWN_LINES = 80;
/** Entries whose plain text is rendered as markdown per idle period (see #showWhenIdle). */
const IDLE_ENTRIES = 3;
/** Errors that end a turn: the next turn to start makes them history. */
const TURN_FAILURES = new Set(["sandbox_unreachable", "agent_exited", "prompt_failed"]);

/**
 * A coding agent's session as a readable, live transcript: one accordion per timeline entry.
 *
 * Set `events` to replay a stored session (an array of sandbox-agent `SessionEvent`s), or
 * `workspace-id` to join a live workspace.
 *
 * @csspart header - The bar above the transcript.
 * @csspart title - The session title in the header.
 * @csspart header-meta - Mode, usage and counts in the header.
 * @csspart turn-status - Whether a turn is running, in the header.
 * @csspart raw-toggle - The button that switches between the transcript and the raw event list.
 * @csspart notice - A message about the element's setup or connection (missing attribute, error).
 * @csspart timeline - The list of entries.
 * @csspart entry - Every entry; each also has `entry-<type>` (e.g. `entry-tool-call`).
 * @csspart entry-summary - An entry's header: the button that opens and closes it.
 * @csspart entry-label - The entry type's name in its header.
 * @csspart entry-title - The entry's one-line summary in its header.
 * @csspart entry-status - The status badge in an entry's header; also `status-<status>`.
 * @csspart entry-body - An entry's content.
 * @csspart entry-raw - The raw events an entry was folded from.
 * @csspart markdown - Rendered markdown.
 * @csspart json - Raw JSON.
 * @csspart diff - A file diff; its lines are `diff-add`, `diff-del`, `diff-same`, `diff-fold`.
 * @csspart plan - The plan's item list.
 * @csspart raw-list - The element-wide list of raw events.
 * @csspart badge - Small labels (status, priority, "current").
 * @csspart connection - The live connection's state in the header (`data-status`).
 * @csspart presence - Who is connected, in the header.
 * @csspart mode-picker - The agent mode selector (live, when the agent offers modes).
 * @csspart config-picker - A selector for one of the agent's config options (live).
 * @csspart composer - The prompt form below the transcript (live only).
 * @csspart composer-input - The prompt text area.
 * @csspart composer-reason - Why the composer is disabled.
 * @csspart send - The send button.
 * @csspart stop - The button that stops the running turn.
 * @csspart command-list - Slash-command suggestions.
 * @csspart permission-actions - Answer buttons of a pending permission request.
 * @csspart permission-button - Each answer button; also `permission-once`, `permission-always`, `permission-reject`.
 * @csspart jump-latest - The button that jumps back to the newest entries.
 *
 * @cssprop --sandbox-workspace-font - Text font family.
 * @cssprop --sandbox-workspace-mono-font - Code font family.
 * @cssprop --sandbox-workspace-font-size - Base font size (14px).
 * @cssprop --sandbox-workspace-radius - Corner radius (8px).
 * @cssprop --sandbox-workspace-space - Base spacing unit (8px).
 * @cssprop --sandbox-workspace-bg - Background.
 * @cssprop --sandbox-workspace-fg - Text colour.
 * @cssprop --sandbox-workspace-muted - Secondary text colour.
 * @cssprop --sandbox-workspace-border - Border colour.
 * @cssprop --sandbox-workspace-entry-bg - Entry background.
 * @cssprop --sandbox-workspace-entry-hover - Entry header background on hover.
 * @cssprop --sandbox-workspace-user-bg - Background of the user's messages.
 * @cssprop --sandbox-workspace-accent - Links, focus rings, current choices.
 * @cssprop --sandbox-workspace-success - Completed states.
 * @cssprop --sandbox-workspace-warning - Pending and running states.
 * @cssprop --sandbox-workspace-danger - Errors and failures.
 * @cssprop --sandbox-workspace-code-bg - Code and JSON background.
 * @cssprop --sandbox-workspace-diff-add-bg - Added diff lines.
 * @cssprop --sandbox-workspace-diff-del-bg - Removed diff lines.
 *
 * @fires sandbox-workspace-error - `detail: { code, message }`: misconfiguration, an unreachable or refusing workspace, a failed prompt, malformed events.
 * @fires sandbox-workspace-connected - The live connection is up (`detail.workspaceId`).
 * @fires sandbox-workspace-disconnected - The live connection dropped or was closed (`detail.reason`).
 * @fires sandbox-workspace-event - Events arrived, live or from history (`detail.events`).
 * @fires sandbox-workspace-prompt - This element sent a prompt (`detail.text`).
 */
export class SandboxWorkspace extends LitElement {
  static override styles = styles;

  /** The workspace actor to join (its key). */
  @property({ attribute: "workspace-id", reflect: true }) workspaceId?: string;
  /** The registry's URL. */
  @property() endpoint?: string;
  /** Display name sent with the connection. */
  @property({ attribute: "user-name" }) userName?: string;
  /**
   * A credential for the host's `authorize`, sent as the connection's `token` param. A property
   * only, so it never sits in the page's markup.
   */
  @property({ attribute: false }) token?: string;
  /** The actor's name in the registry. */
  @property() actor = "workspace";
  /** `light` or `dark` to override the reader's colour-scheme preference. */
  @property({ reflect: true }) theme?: "light" | "dark";
  /** Show the raw event list instead of the transcript. */
  @property({ type: Boolean, attribute: "raw-view", reflect: true }) rawView = false;
  /**
   * A stored session to render (sandbox-agent `SessionEvent`s). Setting a longer array that starts
   * with the previous one folds only the new events.
   */
  @property({ attribute: false }) events?: readonly RawEvent[];

  @state() private notice?: SandboxWorkspaceErrorDetail;
  /** The latest error from the live workspace (a failed prompt, an agent that exited). */
  @state() private liveError?: SandboxWorkspaceErrorDetail;
  @state() private draft = "";
  @state() private following = true;
  @state() private unseen = 0;

  #timeline = new Timeline();
  #folded?: readonly RawEvent[];
  #reportedMalformed = 0;
  /** Entries the reader opened or closed, overriding their type's default. */
  #open = new Map<string, boolean>();
  #rawOpen = new Set<string>();
  #rawShown = new Map<string, number>();
  #markdown = new WeakMap<object, StreamingMarkdown>();
  /** Entries whose long open block shows its newest text plain (see StreamingMarkdown), and how often each was settled. */
  #stale = new Set<string>();
  #settled = new Map<string, number>();
  #settleTimer?: ReturnType<typeof setTimeout>;
  /** The entry being rendered, for the markdown context. */
  #rendering?: string;
  /** Entries whose text renders as markdown; the others (off-screen in a bulk render) show it plain. */
  #shown = new Set<string>();
  /** Entries currently showing plain text in place of markdown. */
  #plain = new Set<string>();
  /** This render brings many new entries: text far from view waits as plain text. */
  #bulk = false;
  #renderedSize = 0;
  /** The next update renders before the frame is painted (plain text coming into view). */
  #urgent = false;
  #timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });

  #connection = new WorkspaceConnection(this, {
    timeline: () => this.#timeline,
    onStatus: (status, reason) => this.#onStatus(status, reason),
    onEvents: (arrived) => {
      // History pages and live broadcasts overlap: report each event to the host once.
      const events: RawEvent[] = [];
      const before = this.#timeline.size;
      if (!this.#timeline.addAll(arrived, events)) return;
      if (!this.following) this.unseen += Math.max(0, this.#timeline.size - before) || 0;
      this.requestUpdate();
      this.dispatchEvent(workspaceEvent("sandbox-workspace-event", { events }));
    },
    onError: (code, message) => {
      this.liveError = { code: code as SandboxWorkspaceErrorDetail["code"], message };
      this.dispatchEvent(workspaceEvent("sandbox-workspace-error", this.liveError));
    },
    onTurn: (turn) => {
      // A new turn supersedes an earlier one's failure (whose broadcast can land after the next prompt was sent).
      if (turn.state === "running" && this.liveError && TURN_FAILURES.has(this.liveError.code)) this.liveError = undefined;
    },
  });
  /** The workspace this element has joined, if live. */
  #joined?: ConnectionTarget;

  #ctx: ViewContext = {
    markdown: (part: MessagePart & { kind: "text" }) => {
      const id = this.#rendering;
      if (id !== undefined && !this.#shown.has(id)) {
        if (this.#bulk) {
          this.#plain.add(id);
          return undefined;
        }
        this.#shown.add(id);
      }
      let md = this.#markdown.get(part);
      if (!md) this.#markdown.set(part, (md = new StreamingMarkdown()));
      md.update(part.text);
      if (md.stale && this.#rendering) this.#stale.add(this.#rendering);
      return md;
    },
    entry: (id) => this.#timeline.entry(id),
    time: (ms) => (isTime(ms) ? this.#timeFormat.format(ms) : ""),
    permissionActions: (entry) => this.#permissionActions(entry),
  };

  /** The folded session: entries, summary, events. Read-only for hosts. */
  get timeline(): Timeline {
    return this.#timeline;
  }

  /** Folds more events into the transcript (any order; duplicates are ignored). */
  appendEvents(events: Iterable<RawEvent>): void {
    if (this.#timeline.addAll(events)) this.requestUpdate();
  }

  /** Where the live connection stands. */
  get connectionStatus(): ConnectionStatus {
    return this.#connection.status;
  }

  /**
   * Sends a prompt to the workspace as this element's user. Resolves when its turn ends, with the
   * stop reason; rejects with the workspace's error (also shown and fired as an event).
   */
  async prompt(text: string): Promise<{ stopReason: string } | undefined> {
    const trimmed = text.trim();
    if (!trimmed) throw new Error("A prompt needs some text.");
    this.dispatchEvent(workspaceEvent("sandbox-workspace-prompt", { text: trimmed }));
    this.liveError = undefined;
    try {
      return await this.#connection.prompt(trimmed);
    } catch (error) {
      const detail = errorDetail(error, "prompt-failed");
      this.liveError = detail;
      this.dispatchEvent(workspaceEvent("sandbox-workspace-error", detail));
      throw error;
    }
  }

  /** Opens an entry and scrolls it into view. */
  async scrollToEntry(id: string): Promise<void> {
    if (!this.#timeline.entry(id)) return;
    this.#open.set(id, true);
    this.requestUpdate();
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>(`[data-entry-id="${CSS.escape(id)}"]`)?.scrollIntoView({ block: "nearest" });
  }

  /** Coalesces renders to one per frame: a fast stream of events costs one render per frame, not per event. */
  protected override scheduleUpdate(): void | Promise<unknown> {
    if (this.#urgent) {
      // Plain text came into view: show its markdown in this frame, before it is painted.
      this.#urgent = false;
      return super.scheduleUpdate();
    }
    return new Promise<void>((resolve, reject) =>
      inNextFrame(() => {
        try {
          super.scheduleUpdate();
          resolve();
        } catch (error) {
          reject(error);
        }
      }),
    );
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // Grown taller, the element shows entries that were out of view.
    this.#resizing ??= new ResizeObserver(() => this.#showNearView());
    this.#resizing.observe(this);
    window.addEventListener("beforeprint", this.#onPrint);
    // Re-attached after a move in the DOM: join again.
    if (this.hasUpdated) this.#join();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#resizing?.disconnect();
    if (this.#idle !== undefined) cancelIdleCallback(this.#idle);
    this.#idle = undefined;
    window.removeEventListener("beforeprint", this.#onPrint);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has("events")) this.#syncEvents();
    const size = this.#timeline.size;
    this.#bulk = size - this.#renderedSize > BULK_ENTRIES;
    this.#renderedSize = size;
    if (this.#bulk) this.#showReadersEnd();
    if (!this.hasUpdated || (["events", "workspaceId", "endpoint", "actor", "userName", "token"] as const).some((key) => changed.has(key))) {
      this.#checkSetup();
      this.#join();
    }
  }

  /** Joins the live workspace the attributes name, or leaves it when replaying. */
  #join(): void {
    const previous = this.#joined;
    const target: ConnectionTarget | undefined =
      this.events === undefined && this.workspaceId && this.endpoint
        ? { endpoint: this.endpoint, workspaceId: this.workspaceId, actor: this.actor || "workspace", userName: this.userName, token: this.token }
        : undefined;
    const sameWorkspace = !!previous && !!target && previous.endpoint === target.endpoint && previous.actor === target.actor && previous.workspaceId === target.workspaceId;
    if (sameWorkspace && previous.userName === target.userName && previous.token === target.token && this.#connection.status !== "idle") return;
    if (!previous && !target) return;
    this.#joined = target;
    if (!target) {
      this.#connection.close();
      return;
    }
    // Another workspace is another session; the same one, rejoined (e.g. a new user name), keeps its transcript.
    if (!sameWorkspace) this.#resetTranscript();
    this.liveError = undefined;
    this.#connection.open(target);
  }

  /** Forgets the transcript and what the reader opened in it. */
  #resetTranscript(): void {
    this.#timeline = new Timeline();
    this.#reportedMalformed = 0;
    this.#open.clear();
    this.#rawOpen.clear();
    this.#rawShown.clear();
    this.#shown.clear();
    this.#plain.clear();
    this.#renderedSize = 0;
  }

  #onStatus(status: ConnectionStatus, reason?: string): void {
    if (status === "live") {
      this.liveError = undefined;
      this.dispatchEvent(workspaceEvent("sandbox-workspace-connected", { workspaceId: this.workspaceId }));
    } else if (status === "reconnecting" || status === "idle" || status === "error") {
      this.dispatchEvent(workspaceEvent("sandbox-workspace-disconnected", { workspaceId: this.workspaceId, reason }));
    }
  }

  protected override updated(): void {
    // After every element on the page has rendered this frame: one layout for all their scrolls.
    if (this.following && this.#joined) afterRenders(() => this.#scrollToEnd());
    // Entries just added are laid out at a placeholder height until the next frame (content-visibility):
    // only then does geometry say which plain ones are in view.
    if (this.#bulk) requestAnimationFrame(() => this.#showNearView());
    if (this.#plain.size > 0) this.#showWhenIdle();
    if (this.#stale.size > 0) {
      // Once the stream pauses, render the plain-text newest part of long open blocks as markdown.
      clearTimeout(this.#settleTimer);
      this.#settleTimer = setTimeout(() => {
        for (const id of this.#stale) this.#settled.set(id, (this.#settled.get(id) ?? 0) + 1);
        this.#stale.clear();
        this.requestUpdate();
      }, SETTLE_MS);
    }
    const malformed = this.#timeline.summary.malformedCount;
    if (malformed > this.#reportedMalformed) {
      const fresh = this.#malformedEvents().slice(this.#reportedMalformed);
      this.#reportedMalformed = malformed;
      this.dispatchEvent(
        workspaceEvent<SandboxWorkspaceErrorDetail>("sandbox-workspace-error", {
          code: "malformed-event",
          message: `${plural(fresh.length, "event")} could not be read; shown as error entries.`,
          events: fresh,
        }),
      );
    }
  }

  #syncEvents(): void {
    const next = this.events ?? [];
    const previous = this.#folded ?? [];
    const extends_ = previous.length <= next.length && previous.every((event, i) => next[i] === event);
    if (!extends_) this.#resetTranscript();
    this.#timeline.addAll(extends_ ? next.slice(previous.length) : next);
    this.#folded = next;
  }

  #checkSetup(): void {
    let notice: SandboxWorkspaceErrorDetail | undefined;
    if (this.events === undefined && !this.workspaceId) {
      notice = {
        code: "missing-workspace-id",
        message: "No workspace-id: set the workspace-id attribute to join a workspace, or the events property to replay a session.",
      };
    } else if (this.events === undefined && !this.endpoint) {
      notice = {
        code: "missing-endpoint",
        message: `No endpoint: set the endpoint attribute to the workspace registry's URL to join “${this.workspaceId}”.`,
      };
    }
    if (notice && notice.code !== this.notice?.code) this.dispatchEvent(workspaceEvent("sandbox-workspace-error", notice));
    this.notice = notice;
  }

  #malformedEvents(): unknown[] {
    const out: unknown[] = [];
    for (const entry of this.#timeline.entries) if (entry.type === "error" && entry.reason === "malformed") out.push(entry.events[0]);
    return out;
  }

  protected override render(): TemplateResult {
    const live = this.#joined !== undefined;
    const problem = this.notice ?? this.liveError ?? (live && this.#connection.reason && !this.#connection.live ? { code: "connection", message: this.#connection.reason } : undefined);
    return html`
      ${this.#renderHeader()}
      ${problem ? html`<p part="notice" class="notice" role="alert" data-code=${problem.code}>${problem.message}</p>` : nothing}
      ${this.rawView ? this.#renderRawList() : this.#renderTimeline()}
      ${!this.following && this.unseen > 0
        ? html`<button class="tool jump" part="jump-latest" @click=${this.#jumpToLatest}>↓ ${plural(this.unseen, "new entry").replace("entrys", "entries")}</button>`
        : nothing}
      ${live ? this.#renderComposer() : nothing}
    `;
  }

  #renderComposer(): TemplateResult {
    const connection = this.#connection;
    const ready = connection.live;
    const running = this.#timeline.summary.running || connection.turn?.state === "running";
    const reason = ready ? "" : connection.reason ?? (connection.status === "connecting" ? "Connecting to the workspace…" : "Not connected to the workspace.");
    const suggestions = this.#commandSuggestions();
    return html`<form part="composer" class="composer" @submit=${this.#onSubmit}>
      ${suggestions.length
        ? html`<ul part="command-list" class="command-list" role="listbox" aria-label="Commands">
            ${suggestions.map(
              (command, i) => html`<li role="option" aria-selected=${i === 0 ? "true" : "false"}>
                <button type="button" class="command" data-command=${command.name} @click=${this.#onPickCommand}><code>/${reveal(command.name)}</code> <span class="muted">${reveal(String(command.description ?? ""))}</span></button>
              </li>`,
            )}
          </ul>`
        : nothing}
      <textarea
        part="composer-input"
        class="composer-input"
        aria-label="Prompt"
        rows="2"
        .value=${this.draft}
        ?disabled=${!ready}
        placeholder=${ready ? "Ask the agent… (Enter sends, Shift+Enter for a new line, / for commands)" : reason}
        @input=${(event: Event) => (this.draft = (event.target as HTMLTextAreaElement).value)}
        @keydown=${this.#onComposerKey}
      ></textarea>
      <div class="composer-actions">
        ${!ready ? html`<span part="composer-reason" class="muted" role="status">${reason}</span>` : nothing}
        ${running && ready ? html`<button type="button" class="tool" part="stop" @click=${this.#onStop}>Stop</button>` : nothing}
        <button class="tool primary" part="send" ?disabled=${!ready || !this.draft.trim()}>Send</button>
      </div>
    </form>`;
  }

  #commandSuggestions() {
    const match = /^\/(\S*)$/.exec(this.draft);
    if (!match) return [];
    const commands = [...this.#timeline.entries].find((entry) => entry.type === "available-commands");
    if (commands?.type !== "available-commands") return [];
    return commands.commands.filter((command) => command.name.startsWith(match[1])).slice(0, 8);
  }

  #onPickCommand = (event: Event): void => {
    this.draft = `/${(event.currentTarget as HTMLElement).dataset.command} `;
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLTextAreaElement>(".composer-input")?.focus());
  };

  #onComposerKey = (event: KeyboardEvent): void => {
    if (event.key === "Tab" && !event.shiftKey) {
      const [first] = this.#commandSuggestions();
      if (first) {
        event.preventDefault();
        this.draft = `/${first.name} `;
      }
      return;
    }
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      (event.target as HTMLTextAreaElement).form?.requestSubmit();
    }
  };

  #onSubmit = (event: Event): void => {
    event.preventDefault();
    const text = this.draft.trim();
    if (!text || !this.#connection.live) return;
    this.draft = "";
    this.following = true;
    this.prompt(text).catch(() => undefined);
  };

  #onStop = (): void => {
    this.#connection.cancel().catch((error: unknown) => {
      this.liveError = errorDetail(error, "cancel-failed");
      this.dispatchEvent(workspaceEvent("sandbox-workspace-error", this.liveError));
    });
  };

  #permissionActions(entry: PermissionRequestEntry): TemplateResult | typeof nothing {
    if (entry.status !== "pending" || !this.#connection.live) return nothing;
    const request = [...this.#connection.pending.values()].find((candidate) => candidate.toolCallId === entry.toolCall.toolCallId);
    if (!request) return nothing;
    const label: Record<string, string> = { once: "Allow once", always: "Always allow", reject: "Reject" };
    return html`<div part="permission-actions" class="permission-actions" role="group" aria-label="Answer">
      ${request.availableReplies.map(
        (reply) => html`<button class="tool ${reply === "reject" ? "danger" : "primary"}" part="permission-button permission-${reply}" data-permission=${request.permissionId} data-reply=${reply} @click=${this.#onAnswer}>
          ${label[reply] ?? reply}
        </button>`,
      )}
    </div>`;
  }

  #onAnswer = (event: Event): void => {
    event.stopPropagation();
    const button = event.currentTarget as HTMLButtonElement;
    const { permission, reply } = button.dataset;
    this.#connection.respondPermission(permission!, reply as PermissionReply).catch((error: unknown) => {
      this.liveError = errorDetail(error, "permission-failed");
      this.dispatchEvent(workspaceEvent("sandbox-workspace-error", this.liveError));
    });
  };

  #jumpToLatest = (): void => {
    this.following = true;
    this.unseen = 0;
    this.#scrollToEnd();
  };

  #lastScrollTop = 0;

  #scrollToEnd(): void {
    const list = this.renderRoot.querySelector<HTMLElement>(".timeline, .raw-list");
    if (!list) return;
    list.scrollTop = list.scrollHeight;
    // Entries off screen are laid out late (content-visibility): settle at the end once more.
    requestAnimationFrame(() => {
      if (this.following) list.scrollTop = list.scrollHeight;
      this.#lastScrollTop = list.scrollTop;
    });
  }

  /**
   * Before a bulk render, without geometry yet: the entries at the end the reader looks at (the newest
   * when following a live workspace, else the first) render markdown, about a screen of them.
   */
  #showReadersEnd(): void {
    const entries = [...this.#timeline.entries];
    const fromEnd = this.following && this.events === undefined;
    let lines = 0;
    for (let n = 0; n < entries.length && lines < BULK_SHOWN_LINES; n++) {
      const entry = entries[fromEnd ? entries.length - 1 - n : n];
      this.#shown.add(entry.id);
      lines += 1;
      if (!this.#isOpen(entry) || !("parts" in entry)) continue;
      for (const part of entry.parts) if (part.kind === "text") lines += textLines(part.text);
    }
  }

  /**
   * Entries showing plain text in or near the visible part of the transcript get their markdown, in an
   * update that runs before the frame is painted (and again if that brings more into view). Entries
   * are in document order, top to bottom: a binary search finds the first one in view. The margin is
   * small because entries never shown are laid out at a placeholder height (content-visibility).
   */
  #showNearView(): void {
    if (this.#plain.size === 0) return;
    const list = this.renderRoot.querySelector<HTMLElement>(".timeline");
    if (!list) return;
    const items = list.querySelectorAll<HTMLElement>(":scope > .entry[data-plain]");
    const view = list.getBoundingClientRect();
    const top = view.top - view.height / 4;
    const bottom = view.bottom + view.height / 4;
    let low = 0;
    let high = items.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (items[middle].getBoundingClientRect().bottom < top) low = middle + 1;
      else high = middle;
    }
    let found = false;
    for (let i = low; i < items.length; i++) {
      if (items[i].getBoundingClientRect().top > bottom) break;
      this.#shown.add(items[i].dataset.entryId!);
      found = true;
    }
    if (!found) return;
    this.#urgent = true;
    this.requestUpdate();
  }

  #resizing?: ResizeObserver;
  #idle?: number;

  /**
   * While the reader follows a live workspace at its end, the plain text above is rendered as
   * markdown in idle time, a few entries at a time, nearest first: it is ready before they scroll
   * there, and assistive technology reads it formatted. (Not while the reader is elsewhere: entries
   * growing above the view would move what they read.)
   */
  #showWhenIdle(): void {
    if (this.#idle !== undefined || typeof requestIdleCallback !== "function") return;
    this.#idle = requestIdleCallback(
      () => {
        this.#idle = undefined;
        if (!this.following || !this.#joined || this.#plain.size === 0) return;
        const nearest = [...this.#plain].slice(-IDLE_ENTRIES);
        for (const id of nearest) this.#shown.add(id);
        this.requestUpdate();
      },
      { timeout: 2000 },
    );
  }

  /** A printout has no scrolling: every text is rendered as markdown, now. */
  #onPrint = (): void => {
    if (this.#plain.size === 0) return;
    for (const id of this.#plain) this.#shown.add(id);
    this.requestUpdate();
    this.performUpdate();
  };
  #userScrollAt = -Infinity;

  /** Wheel, touch, keys or a scrollbar drag: the reader, not layout, is moving the list. */
  #onUserScroll = (): void => {
    this.#userScrollAt = performance.now();
  };

  /** Following stops when the reader scrolls up, and resumes when they reach the end again. */
  #onScroll = (event: Event): void => {
    const list = event.currentTarget as HTMLElement;
    const atEnd = list.scrollTop + list.clientHeight >= list.scrollHeight - 48;
    if (atEnd) {
      this.following = true;
      this.unseen = 0;
    } else if (list.scrollTop < this.#lastScrollTop - 4 && performance.now() - this.#userScrollAt < 1000) {
      this.following = false;
    }
    this.#lastScrollTop = list.scrollTop;
    this.#showNearView();
  };

  #renderHeader(): TemplateResult {
    const summary = this.#timeline.summary;
    const mode = summary.currentModeId ? modeName({ currentModeId: summary.currentModeId, availableModes: summary.modes }) : undefined;
    const turn = summary.running ? "Running…" : summary.lastStopReason ? `Idle · last turn ${summary.lastStopReason.replace(/_/g, " ")}` : "Idle";
    return html`<header part="header">
      <h2 class="title" part="title">${reveal(summary.title ?? "Agent session")}</h2>
      <span part="turn-status" class="status" data-running=${summary.running} role="status">${turn}</span>
      <button class="tool" part="raw-toggle" aria-pressed=${this.rawView ? "true" : "false"} @click=${() => (this.rawView = !this.rawView)}>
        Raw events
      </button>
      ${this.#joined ? this.#renderConnection() : nothing}
      <div class="header-meta" part="header-meta">
        ${mode && !(this.#connection.live && summary.modes.length > 1) ? html`<span>Mode: ${mode}</span>` : nothing}
        ${this.#connection.live && summary.modes.length > 1
          ? html`<label>Mode <select part="mode-picker" @change=${this.#onMode}>
              ${summary.modes.map((option) => html`<option value=${option.id} ?selected=${option.id === summary.currentModeId}>${reveal(String(option.name))}</option>`)}
            </select></label>`
          : nothing}
        ${this.#connection.live ? this.#renderConfigPickers() : nothing}
        ${summary.usage
          ? html`<span>Context: ${formatTokens(summary.usage.used)} / ${formatTokens(summary.usage.size)}${summary.usage.cost ? ` · ${formatCost(summary.usage.cost)}` : ""}</span>`
          : nothing}
        ${summary.pendingPermissions ? html`<span>${plural(summary.pendingPermissions, "permission request")} waiting</span>` : nothing}
        <span>${plural(this.#timeline.size, "entry").replace("entrys", "entries")} · ${plural(summary.eventCount, "event")}</span>
      </div>
    </header>`;
  }

  #renderConnection(): TemplateResult {
    const connection = this.#connection;
    const words: Record<ConnectionStatus, string> = { idle: "Offline", connecting: "Connecting…", live: "Live", reconnecting: "Reconnecting…", error: "Error" };
    const people = connection.users.map((user) => reveal(String(user.userName ?? user.userId)));
    return html`<span part="connection" class="connection" data-status=${connection.status} role="status" title=${connection.reason ?? ""}>${words[connection.status]}</span>
      ${people.length ? html`<span part="presence" class="presence" aria-label="Connected">${[...new Set(people)].join(", ")}</span>` : nothing}`;
  }

  /** Pickers for the agent's config options (the mode has its own). */
  #renderConfigPickers(): TemplateResult | typeof nothing {
    const entry = this.#timeline.entry("config-options");
    if (entry?.type !== "config-options") return nothing;
    return html`${entry.options
      .filter((option) => option.category !== "mode")
      .map((option) => {
        if (option.type === "boolean") {
          return html`<label part="config-picker"><input type="checkbox" data-config=${option.id} .checked=${Boolean(option.currentValue)} @change=${this.#onConfig} /> ${reveal(String(option.name))}</label>`;
        }
        if (option.type !== "select") return nothing;
        const choices = (option.options as Array<{ value?: string; name?: string; options?: Array<{ value: string; name: string }> }>).flatMap((item) => item.options ?? [item as { value: string; name: string }]);
        return html`<label part="config-picker">${reveal(String(option.name))}
          <select data-config=${option.id} @change=${this.#onConfig}>
            ${choices.map((choice) => html`<option value=${choice.value} ?selected=${choice.value === option.currentValue}>${reveal(String(choice.name))}</option>`)}
          </select></label>`;
      })}`;
  }

  #onConfig = (event: Event): void => {
    const input = event.target as HTMLInputElement | HTMLSelectElement;
    const value = input instanceof HTMLInputElement && input.type === "checkbox" ? String(input.checked) : input.value;
    this.#connection.setConfigOption(input.dataset.config!, value).catch((error: unknown) => {
      this.liveError = errorDetail(error, "config-failed");
      this.dispatchEvent(workspaceEvent("sandbox-workspace-error", this.liveError));
    });
  };

  #onMode = (event: Event): void => {
    const modeId = (event.target as HTMLSelectElement).value;
    this.#connection.setMode(modeId).catch((error: unknown) => {
      this.liveError = errorDetail(error, "mode-failed");
      this.dispatchEvent(workspaceEvent("sandbox-workspace-error", this.liveError));
    });
  };

  #renderTimeline(): TemplateResult {
    if (this.#timeline.size === 0) {
      return html`<p class="empty">${this.events || this.#joined ? "No events yet." : ""}</p>`;
    }
    return html`<ol part="timeline" class="timeline" aria-label="Session transcript" @click=${this.#onToggle} @keydown=${this.#onKeydown} @scroll=${this.#onScroll} @wheel=${this.#onUserScroll} @touchmove=${this.#onUserScroll} @pointerdown=${this.#onUserScroll} @keyup=${this.#onUserScroll}>
      ${repeat(
        this.#timeline.entries,
        (entry) => entry.id,
        (entry) => {
          const open = this.#isOpen(entry);
          const rawOpen = this.#rawOpen.has(entry.id);
          const live = entry.type === "permission-request" ? `${this.#connection.status}:${this.#connection.pending.size}` : "";
          const shown = this.#shown.has(entry.id);
          return guard([entry, entry.rev, open, rawOpen, this.#rawShown.get(entry.id), live, this.#settled.get(entry.id), shown], () => this.#renderEntry(entry, open, rawOpen));
        },
      )}
    </ol>`;
  }

  #isOpen(entry: Entry): boolean {
    return this.#open.get(entry.id) ?? (VIEWS[entry.type] as EntryView<Entry["type"]>).open?.(entry as never) ?? false;
  }

  #renderEntry(entry: Entry, open: boolean, rawOpen: boolean): TemplateResult {
    this.#rendering = entry.id;
    this.#plain.delete(entry.id);
    const view = VIEWS[entry.type] as EntryView<Entry["type"]>;
    const status = view.status?.(entry as never);
    const at = LATEST_TYPES.has(entry.type) ? entry.updatedAt : entry.createdAt;
    const summary = view.summary(entry as never, this.#ctx);
    const title = typeof summary === "string" ? reveal(summary) : summary;
    const body = open ? view.body(entry as never, this.#ctx) : nothing;
    const plain = this.#plain.has(entry.id);
    return html`<li class="entry" part="entry entry-${entry.type}" data-type=${entry.type} data-status=${status ?? nothing} data-entry-id=${entry.id} ?data-plain=${plain}>
      <button class="summary" part="entry-summary" id="s-${entry.id}" aria-expanded=${open ? "true" : "false"} aria-controls="b-${entry.id}">
        <span class="chevron" aria-hidden="true"></span>
        <span class="label" part="entry-label">${reveal(view.label(entry as never))}</span>
        <span class="entry-title" part="entry-title">${title}</span>
        ${status ? html`<span class="status" part="entry-status status-${status}">${status.replace("_", " ")}</span>` : nothing}
        ${at && isTime(at) ? html`<time class="when" datetime=${new Date(at).toISOString()}>${this.#ctx.time(at)}</time>` : nothing}
      </button>
      <div class="body" part="entry-body" id="b-${entry.id}" ?hidden=${!open}>
        ${open
          ? html`${body}
              <details class="raw" part="entry-raw" ?open=${rawOpen} data-raw-for=${entry.id} @toggle=${this.#onRawToggle}>
                <summary>Raw events (${count(entry.events.length)})</summary>
                ${rawOpen ? this.#renderRawEvents(entry.events, entry.id) : nothing}
              </details>`
          : nothing}
      </div>
    </li>`;
  }

  #renderRawEvents(events: readonly RawEvent[], key: string): TemplateResult {
    const shown = this.#rawShown.get(key) ?? RAW_PAGE;
    return html`${events.slice(0, shown).map((event) => html`<pre part="json" class="json" tabindex="0">${json(event)}</pre>`)}
    ${events.length > shown
      ? html`<button class="tool more" data-more=${key} @click=${this.#onMore}>Show ${Math.min(RAW_PAGE, events.length - shown)} more of ${count(events.length - shown)}</button>`
      : nothing}`;
  }

  #renderRawList(): TemplateResult {
    const events = this.#timeline.events;
    const shown = this.#rawShown.get("*") ?? RAW_PAGE;
    return html`<ol part="raw-list" class="raw-list" aria-label="Raw events">
      ${repeat(
        events.slice(0, shown),
        (_, i) => i,
        (event) => html`<li class="raw-event">
          <details>
            <summary>${rawLine(event)}</summary>
            <pre part="json" class="json" tabindex="0">${json(event)}</pre>
          </details>
        </li>`,
      )}
      ${events.length > shown
        ? html`<li class="more"><button class="tool" data-more="*" @click=${this.#onMore}>Show ${Math.min(RAW_PAGE, events.length - shown)} more of ${count(events.length - shown)}</button></li>`
        : nothing}
    </ol>`;
  }

  #onToggle = (event: Event): void => {
    const button = (event.target as Element).closest?.("button.summary");
    const item = button?.closest<HTMLElement>("[data-entry-id]");
    const entry = item && this.#timeline.entry(item.dataset.entryId!);
    if (!entry) return;
    this.#open.set(entry.id, !this.#isOpen(entry));
    this.requestUpdate();
  };

  #onRawToggle = (event: Event): void => {
    const details = event.currentTarget as HTMLDetailsElement;
    const id = details.dataset.rawFor!;
    if (details.open === this.#rawOpen.has(id)) return;
    if (details.open) this.#rawOpen.add(id);
    else this.#rawOpen.delete(id);
    this.requestUpdate();
  };

  #onMore = (event: Event): void => {
    event.stopPropagation();
    const key = (event.currentTarget as HTMLElement).dataset.more!;
    this.#rawShown.set(key, (this.#rawShown.get(key) ?? RAW_PAGE) + RAW_PAGE);
    this.requestUpdate();
  };

  /** Arrow keys, Home and End move between entry headers, as in an accordion. */
  #onKeydown = (event: KeyboardEvent): void => {
    const current = (event.target as Element).closest?.("button.summary");
    if (!current || !["ArrowDown", "ArrowUp", "Home", "End"].includes(event.key)) return;
    const buttons = [...this.renderRoot.querySelectorAll<HTMLButtonElement>(".timeline > .entry > .summary")];
    const at = buttons.indexOf(current as HTMLButtonElement);
    const next = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: buttons.length - 1 }[event.key as "Home"];
    if (next === undefined || next < 0 || next >= buttons.length) return;
    event.preventDefault();
    buttons[next].focus();
  };
}

/** One line naming a raw event: index, sender, method and update type. */
function rawLine(event: RawEvent): string {
  if (typeof event !== "object" || event === null) return `unreadable: ${String(event)}`;
  const e = event as Record<string, any>;
  const payload = e.payload ?? {};
  const what =
    payload.method === "session/update"
      ? `session/update ${payload.params?.update?.sessionUpdate ?? "?"}`
      : payload.method ?? (payload.error ? `error for #${payload.id}` : payload.id !== undefined ? `response #${payload.id}` : "unreadable");
  return `#${e.eventIndex ?? "?"} ${e.sender ?? "?"} ${what}`;
}

/** A thrown error as an event detail: RivetKit's action errors carry the workspace's code. */
function errorDetail(error: unknown, fallback: string): SandboxWorkspaceErrorDetail {
  const code = (error as { code?: unknown })?.code;
  return { code: typeof code === "string" ? code : fallback, message: error instanceof Error ? error.message : String(error) };
}

/** Roughly how many lines a text takes: enough to tell a screenful from a few words. */
function textLines(text: string): number {
  let lines = 1;
  for (let at = text.indexOf("\n"); at !== -1 && lines < 1000; at = text.indexOf("\n", at + 1)) lines++;
  return lines + Math.floor(text.length / 100);
}
