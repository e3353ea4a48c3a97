/**
 * The `<sandbox-workspace>` element: its attributes and state, lifecycle, public API and a render()
 * that composes templates; each behaviour lives in a controller. The class's JSDoc below (about 100
 * lines) is the element's documented surface, from which custom-elements.json is generated.
 */
import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from "lit";
import { property, state } from "lit/decorators.js";
import { guard } from "lit/directives/guard.js";
import { keyed } from "lit/directives/keyed.js";
import { repeat } from "lit/directives/repeat.js";
import { SharedStrings, Timeline, type ConfigOptionsEntry, type Entry, type PermissionRequestEntry, type QuestionEntry, type RawEvent } from "../events/index.js";
import { nextHeader, onAccordionKey } from "./controllers/accordion-keys.js";
import { WorkspaceConnection, type ConnectionStatus, type ConnectionTarget } from "./controllers/connection/workspace-connection.js";
import { ComposerInput } from "./controllers/composer-input.js";
import { ALL_RAW, Disclosure } from "./controllers/disclosure.js";
import { EntryFilters, kindOf } from "./controllers/entry-filters.js";
import { EntryFind } from "./controllers/entry-find.js";
import { EntryLinks } from "./controllers/entry-links.js";
import { FollowScroll } from "./controllers/follow-scroll.js";
import { ProgressiveMarkdown } from "./controllers/progressive-markdown.js";
import { VIRTUAL_ABOVE, VirtualList, WHILE_LOADING } from "./controllers/virtual-list.js";
import { clockTime, plural } from "./format.js";
import { inNextFrame } from "./frame.js";
import { workspaceEvent, type SandboxWorkspaceErrorCode, type SandboxWorkspaceErrorDetail } from "./sandbox-workspace.events.js";
import { reveal } from "./reveal.js";
import { styles } from "./styles/index.js";
import { composer } from "./templates/composer.js";
import { entry } from "./templates/entry.js";
import { filters, hiddenSentence, type FilterCounts } from "./templates/filters.js";
import { findBox } from "./templates/find.js";
import { header } from "./templates/header.js";
import { permissionActions } from "./templates/permission-actions.js";
import type { QuestionContent } from "../protocol/index.js";
import { questionForm, readQuestionForm } from "./templates/question-form.js";
import { rawEvents, rawList } from "./templates/raw-events.js";
import { commentCount, commentThread } from "./templates/comments.js";
import { queue } from "./templates/queue.js";
import { can, type WorkspaceRole } from "../protocol/index.js";
import type { ViewContext } from "./views/index.js";

/** How long the find box waits for typing to pause before searching a long transcript. */
const FIND_PAUSE_MS = 150;

/** Errors that end a turn: the next turn to start makes them history. */
const TURN_FAILURES = new Set(["sandbox-unreachable", "agent-exited", "prompt-failed"]);

/**
 * A coding agent's session as a readable, live transcript: one accordion per timeline entry.
 *
 * Set `events` to replay a stored session (an array of sandbox-agent `SessionEvent`s), or
 * `workspace-id` to join a live workspace.
 *
 * Each entry has a link: the page's URL with `#sandbox-workspace/<workspace-id>/<entry-id>` (each
 * part URL-encoded; a replay without a workspace-id uses its `id` attribute instead, and one with
 * neither has no links). An element whose workspace-id (or id) the page's fragment names, at load or
 * on `hashchange`, opens that entry, scrolls to it (no longer following the newest entries) and marks
 * it `entry-linked`, once its history has been read that far; an id it does not have is said in a
 * notice (`entry-not-found`).
 *
 * Filters are the reader's own: the menu in the header hides entry types (tool calls by kind) or
 * shows only what needs the reader; `hide` gives the types hidden until the reader chooses, and the
 * reader's choices are kept in localStorage per workspace (key `sandbox-workspace:filters:<workspace-id>`,
 * or the id for a replay). A linked entry is shown whatever the filters.
 *
 * @csspart header - The bar above the transcript.
 * @csspart title - The session title in the header.
 * @csspart header-meta - Mode, usage and counts in the header.
 * @csspart turn-status - Whether a turn is running, in the header.
 * @csspart raw-toggle - The button that switches between the transcript and the raw event list.
 * @csspart filters - The reader's filter menu in the header: its button, the count of hidden entries, and its panel.
 * @csspart filters-toggle - The button that opens and closes the filter menu.
 * @csspart filters-menu - The filter menu's panel: entry types (tool calls by kind), "Only what needs me", collapse and expand all.
 * @csspart hidden-count - How many entries the reader's filters hide ("12 hidden"), with a button that shows them all.
 * @csspart notice - A message about the element's setup or connection (missing attribute, error).
 * @csspart resend - "Send again" in the notice of a prompt whose turn died with the workspace's host (`connection-lost`): sends the same text as a new prompt.
 * @csspart timeline - The list of entries.
 * @csspart entry - Every entry; each also has `entry-<type>` (e.g. `entry-tool-call`).
 * @csspart entry-agent-message - An entry of type `agent-message`: an agent's message.
 * @csspart entry-agent-thought - An entry of type `agent-thought`: an agent's reasoning.
 * @csspart entry-user-message - An entry of type `user-message`: a prompt, with who sent it.
 * @csspart entry-tool-call - An entry of type `tool-call`: a tool call with its updates.
 * @csspart entry-plan - An entry of type `plan`: the agent's plan.
 * @csspart entry-usage - An entry of type `usage`: context and cost used.
 * @csspart entry-session-info - An entry of type `session-info`: the session's title, directory and ids.
 * @csspart entry-available-commands - An entry of type `available-commands`: the agent's slash commands.
 * @csspart entry-current-mode - An entry of type `current-mode`: the agent's mode.
 * @csspart entry-config-options - An entry of type `config-options`: the agent's config options.
 * @csspart entry-permission-request - An entry of type `permission-request`: a permission request and its answer.
 * @csspart entry-question - An entry of type `question`: a question from the agent (a form), its answer and who gave it.
 * @csspart entry-turn-end - An entry of type `turn-end`: the end of a turn, with its stop reason (and "Stopped" when the client stopped it).
 * @csspart entry-file-read - An entry of type `file-read`: a file the agent read through the client (`fs/read_text_file`).
 * @csspart entry-file-write - An entry of type `file-write`: a file the agent wrote through the client (`fs/write_text_file`), as a diff when the log shows the file before.
 * @csspart entry-terminal - An entry of type `terminal`: a terminal the agent ran through the client (`terminal/*`) that no tool call refers to.
 * @csspart entry-notice - An entry of type `notice`: a notice from the agent (info, warning or error).
 * @csspart entry-compaction - An entry of type `compaction`: the agent compacted its context, with the summary.
 * @csspart entry-plan-update - An entry of type `plan-update`: one of several plans the agent keeps, by plan id (unstable ACP).
 * @csspart entry-subagent - An entry of type `subagent`: a child session of this one, with the messages it sent or received (unstable ACP).
 * @csspart entry-session-message - An entry of type `session-message`: a message between sessions that names no known subagent (unstable ACP).
 * @csspart entry-error - An entry of type `error`: an error, or an event that could not be read.
 * @csspart entry-unknown - An entry of type `unknown`: a message of a type the element does not know, shown as it came.
 * @csspart entry-linked - The entry the page's link points to (`#sandbox-workspace/<workspace-id>/<entry-id>`): opened, scrolled to and highlighted.
 * @csspart entry-found - The find box's current match: opened, scrolled to and highlighted.
 * @csspart find - The find box in the header: its input (`find-input`) and where the match shown stands (`find-count`, "2 of 14").
 * @csspart find-input - The find box's input. Enter shows the next match, Shift+Enter the previous one, Escape clears it.
 * @csspart find-count - Where the match shown stands among them, or "No match".
 * @csspart entry-summary - An entry's header: the button that opens and closes it.
 * @csspart entry-link - The "Copy link" button beside an entry's header (where the element has a workspace-id or an id to link with).
 * @csspart entry-label - The entry type's name in its header.
 * @csspart entry-title - The entry's one-line summary in its header.
 * @csspart entry-status - The status badge in an entry's header; also `status-<status>` (e.g. `status-completed`).
 * @csspart entry-body - An entry's content.
 * @csspart entry-raw - The raw events an entry was folded from.
 * @csspart markdown - Rendered markdown.
 * @csspart json - Raw JSON.
 * @csspart field-label - The caption above a JSON field (input, output, a content block).
 * @csspart byline - Who sent a user message, and when.
 * @csspart resource - A resource or resource link in a message or tool output (never loaded).
 * @csspart locations - The files and lines a tool call touches.
 * @csspart terminal - A terminal a tool call refers to, or one the agent ran through the client.
 * @csspart terminal-output - A terminal's output, as the client reported it.
 * @csspart file-content - The text of a file the agent read or wrote through the client.
 * @csspart session-message - A message between sessions, under its subagent.
 * @csspart diff - A file diff; its lines are `diff-add`, `diff-del`, `diff-same`, `diff-fold`.
 * @csspart diff-add - An added line of a diff.
 * @csspart diff-del - A removed line of a diff.
 * @csspart diff-same - An unchanged line of a diff.
 * @csspart diff-fold - Unchanged lines of a diff, folded away.
 * @csspart diff-header - A diff's path and counts of added and removed lines.
 * @csspart plan - The plan's item list.
 * @csspart plan-progress - The plan's progress bar.
 * @csspart usage-meter - The share of the context window used.
 * @csspart commands - The agent's slash commands, in their entry.
 * @csspart modes - The agent's modes, the current one marked, in their entry.
 * @csspart config-options - The agent's config options and their values, in their entry.
 * @csspart permission-options - The options a permission request offers.
 * @csspart permission-option - Each option a permission request offers.
 * @csspart permission-outcome - How a permission request was answered, and by whom.
 * @csspart question-outcome - How a question from the agent was answered, and by whom ("Answered by Grace").
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
 * @csspart permission-once - The button that allows a permission request once.
 * @csspart permission-always - The button that always allows what a permission request asks.
 * @csspart permission-reject - The button that rejects a permission request.
 * @csspart question-form - The answer form of a pending question from the agent (live, where this element can answer).
 * @csspart question-field - Each field of a question: a labelled control in its form, or the field and its answer once answered.
 * @csspart question-submit - The button that sends a question's answer.
 * @csspart question-decline - The button that declines a question.
 * @csspart jump-latest - The button that jumps back to the newest entries.
 * @csspart queue - The prompts waiting for their turn, above the composer (live, when any wait): in the order they will run, with who sent each and when.
 * @csspart queue-item - Each queued prompt, with Withdraw (its author or an owner) and move up / down (owners).
 * @csspart comment-count - The number of comments on an entry, in its header (when it has any).
 * @csspart comments - An entry's comment thread and its form, in its body (live).
 * @csspart comment - Each comment: who wrote it, when, its text (markdown, sanitized), and Delete for its author or an owner.
 * @csspart comment-input - The text area of an entry's comment form (Enter sends, Shift+Enter adds a line; `@name` mentions).
 * @csspart role-note - What this user's role leaves out, said instead of a control it may not use ("You are watching this workspace…", "Waiting for an approver to answer.").
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
 * @fires sandbox-workspace-attention - Something needs this user, once per thing: `detail: { kind, id, entryId?, toolCallId?, message }`, `kind` being `permission` or `question` (one their role may answer) or `mention` (a comment by someone else with `@` and their name).
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
  /**
   * Entry types hidden until the reader chooses in the filter menu, space-separated (e.g.
   * `agent-thought usage`); `tool-call:<kind>` hides tool calls of one kind (e.g. `tool-call:read`).
   * The reader's choices, once made, are kept per workspace and win over it.
   */
  @property() hide?: string;
  /** Show the raw event list instead of the transcript. */
  @property({ type: Boolean, attribute: "raw-view", reflect: true }) rawView = false;
  /**
   * A stored session to render (sandbox-agent `SessionEvent`s). Setting a longer array that starts
   * with the previous one folds only the new events.
   */
  @property({ attribute: false }) events?: readonly RawEvent[];

  /** Why the element cannot show a session (a missing attribute). */
  @state() private notice?: SandboxWorkspaceErrorDetail;
  /** The latest error from the live workspace (a failed prompt, an agent that exited). */
  @state() private liveError?: SandboxWorkspaceErrorDetail;
  /**
   * This element's prompt whose turn died with the workspace's host (`connection-lost`), and why:
   * offered back as "Send again" in a notice of its own (so a later error does not hide it) until
   * this element prompts again; never re-sent by itself, since it may have run in part.
   */
  @state() private lostPrompt?: { text: string; message: string };
  /** Whether the filter menu is open. */
  @state() private filtersOpen = false;

  #timeline = new Timeline();
  /** One copy of the short strings every event repeats (ids, kinds): a long session's events take a third less memory. */
  #strings = new SharedStrings();
  /** The `events` array last folded, to fold only what a longer one adds. */
  #folded?: readonly RawEvent[];
  #reportedMalformed = 0;
  /** Questions this element's answer is on its way for: their forms wait. */
  #answering = new Set<string>();
  /** Queued prompts whose withdrawal or move is on its way. */
  #queueBusy = new Set<string>();
  /** Entries whose comment is on its way: their forms wait. */
  #commenting = new Set<string>();
  /** The workspace this element has joined, if live. */
  #joined?: ConnectionTarget;
  #disclosure = new Disclosure();
  #filters = new EntryFilters();
  /** What the live region says last (a copied link, entries hidden). */
  #said = "";
  /** The next render says how many entries the filters hide. */
  #sayHidden = false;
  /** The linked entry to scroll to once it is rendered open. */
  #revealing?: string;
  #links = new EntryLinks(this, {
    name: () => this.#linkName(),
    announce: (text) => this.#say(text),
  });
  #follow = new FollowScroll(this, () => this.renderRoot.querySelector<HTMLElement>(".timeline, .raw-list"));
  #virtual = new VirtualList(this);
  #find = new EntryFind();
  #findTimer?: ReturnType<typeof setTimeout>;
  /** The entries the transcript shows, in order, while it is virtual (for moving to one off screen). */
  #virtualItems?: Entry[];
  /** The entry being brought into a virtual transcript's DOM for a link. */
  #bringingIn?: string;
  /** `scrollToEntry` calls so far. */
  #scrollsAsked = 0;
  /** The entry a reader was at when the transcript turned virtual: brought back into view after. */
  #anchor?: string;
  #markdown = new ProgressiveMarkdown(this, {
    list: () => this.renderRoot.querySelector<HTMLElement>(".timeline"),
    followingLive: () => this.#follow.following && !!this.#joined,
    isOpen: (entry) => this.#disclosure.isOpen(entry),
    renderNow: () => this.performUpdate(),
  });
  #connection = new WorkspaceConnection(this, {
    timeline: () => this.#timeline,
    onStatus: (status, reason) => this.#onStatus(status, reason),
    onEvents: (arrived) => {
      // History pages and live broadcasts overlap: report each event to the host once.
      const events: RawEvent[] = [];
      const before = this.#timeline.size;
      if (!this.#fold(arrived, events)) return;
      this.#follow.arrived(this.#timeline.size - before);
      this.requestUpdate();
      this.dispatchEvent(workspaceEvent("sandbox-workspace-event", { events }));
    },
    onError: (code, message) => this.#report({ code, message }),
    onAttention: (attention) => this.dispatchEvent(workspaceEvent("sandbox-workspace-attention", attention)),
    onTurn: (turn) => {
      // A new turn supersedes an earlier one's failure (whose broadcast can land after the next prompt was sent).
      if (turn.state === "running" && this.liveError && TURN_FAILURES.has(this.liveError.code)) this.liveError = undefined;
    },
  });
  #composer = new ComposerInput(this, {
    commands: () => {
      const commands = this.#timeline.entry("available-commands");
      return commands?.type === "available-commands" ? commands : undefined;
    },
    ready: () => this.#connection.live,
    send: (text) => {
      this.#follow.follow();
      this.prompt(text).catch(() => undefined);
    },
    input: () => this.renderRoot.querySelector<HTMLTextAreaElement>(".composer-input"),
  });
  #views: Omit<ViewContext, "markdown"> = {
    entry: (id) => this.#timeline.entry(id),
    time: clockTime,
    permissionActions: (entry) => this.#permissionActions(entry),
    questionForm: (entry) => this.#questionForm(entry),
  };

  /** The folded session: entries, summary, events. Read-only for hosts. */
  get timeline(): Timeline {
    return this.#timeline;
  }

  /** Folds more events into the transcript (any order; duplicates are ignored). */
  appendEvents(events: Iterable<RawEvent>): void {
    if (this.#fold([...events])) this.requestUpdate();
  }

  /** Every way events come in: their repeated strings shared, then folded (see `Timeline.addAll`). */
  #fold(events: readonly RawEvent[], added?: RawEvent[]): boolean {
    this.#strings.share(events);
    return this.#timeline.addAll(events, added);
  }

  /** Where the live connection stands. */
  get connectionStatus(): ConnectionStatus {
    return this.#connection.status;
  }

  /**
   * Sends a prompt to the workspace as this element's user. Resolves when its turn ends, with the
   * stop reason; rejects with the workspace's error (also shown and fired as an event). Sent while
   * the element first joins, it waits until the element is live (a minute at most).
   */
  async prompt(text: string): Promise<{ stopReason: string } | undefined> {
    const trimmed = text.trim();
    if (!trimmed) throw new Error("A prompt needs some text.");
    this.dispatchEvent(workspaceEvent("sandbox-workspace-prompt", { text: trimmed }));
    this.liveError = undefined;
    this.lostPrompt = undefined;
    const joined = this.#joined;
    try {
      return await this.#connection.prompt(trimmed);
    } catch (error) {
      this.#reportFailure(error, "prompt-failed");
      // Only while still joined to the same workspace: an element that left has nothing to send it to.
      if ((error as { code?: unknown })?.code === "connection-lost" && this.#joined === joined) this.lostPrompt = { text: trimmed, message: (error as Error).message };
      throw error;
    }
  }

  /**
   * The link to one entry: this page's URL with the fragment
   * `#sandbox-workspace/<workspace-id>/<entry-id>`, each part URL-encoded (a replay without a
   * workspace-id uses its `id` attribute). Undefined when the element has neither.
   */
  entryLink(entryId: string): string | undefined {
    return this.#links.link(entryId);
  }

  /** Opens an entry and scrolls it into view. */
  async scrollToEntry(id: string): Promise<void> {
    if (!this.#timeline.entry(id)) return;
    await this.#scrollTo(id, true);
  }

  /** Scrolls entry `id` into view, opened first when `open`. */
  async #scrollTo(id: string, open: boolean): Promise<void> {
    if (open) this.#disclosure.setOpen(id, true);
    this.requestUpdate();
    const asked = ++this.#scrollsAsked;
    await this.updateComplete;
    const found = await this.#bringIn(id);
    // Asked again meanwhile (Enter held down in the find box): the last one asked wins.
    if (asked === this.#scrollsAsked) found?.scrollIntoView({ block: "nearest" });
  }

  /** The first entry in view in the transcript as rendered now. */
  #firstVisibleEntry(): string | undefined {
    const list = this.renderRoot.querySelector<HTMLElement>(".timeline");
    if (!list) return undefined;
    const top = list.getBoundingClientRect().top;
    for (const item of list.querySelectorAll<HTMLElement>(":scope > [data-entry-id]")) if (item.getBoundingClientRect().bottom > top) return item.dataset.entryId;
    return undefined;
  }

  /** The rendered entry `id`; in a virtual transcript, brought into the DOM (and into view) first. */
  async #bringIn(id: string): Promise<HTMLElement | undefined> {
    const find = () => this.renderRoot.querySelector<HTMLElement>(`.timeline > [data-entry-id="${CSS.escape(id)}"]`) ?? undefined;
    const items = this.#virtualItems;
    if (find() || !items) return find();
    const index = items.findIndex((item) => item.id === id);
    if (index < 0) return undefined;
    return this.#virtual.reveal(this.renderRoot.querySelector<HTMLElement>(".timeline"), index, find, "start");
  }

  /** Coalesces renders to one per frame: a fast stream of events costs one render per frame, not per event. */
  protected override scheduleUpdate(): void | Promise<unknown> {
    // Plain text came into view: show its markdown in this frame, before it is painted.
    if (this.#markdown.takeUrgent()) return super.scheduleUpdate();
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
    // Re-attached after a move in the DOM: join again.
    if (this.hasUpdated) this.#join();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    if (this.filtersOpen) this.#setFiltersOpen(false);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    this.#links.sync();
    this.#filters.sync(this.#linkName(), this.hide);
    if (changed.has("events")) this.#syncEvents();
    this.#takeLink();
    this.#markdown.beforeRender(this.#timeline.entries, this.#timeline.size, this.#follow.following && this.events === undefined, this.#timeline.refolds);
    if (!this.hasUpdated || (["events", "workspaceId", "endpoint", "actor", "userName", "token"] as const).some((key) => changed.has(key))) {
      this.#checkSetup();
      this.#join();
    }
  }

  protected override updated(): void {
    this.#follow.afterRender(!!this.#joined);
    this.#markdown.afterRender();
    this.#reportMalformed();
    this.#revealLinked();
    const anchor = this.#anchor;
    this.#anchor = undefined;
    if (anchor !== undefined) void this.#bringIn(anchor);
    const manual = this.#links.manual;
    if (manual && !manual.selected) {
      const field = this.renderRoot.querySelector<HTMLInputElement>(`[data-link-field="${CSS.escape(manual.entryId)}"]`);
      // Selecting may copy, which changes what renders: after this update, not inside it.
      if (field) queueMicrotask(() => this.#links.selectManual(field));
    }
  }

  protected override render(): TemplateResult {
    const live = this.#joined !== undefined;
    const connection = this.#connection;
    const problem = this.notice ?? this.liveError ?? (live && connection.reason && !connection.live ? { code: "connection", message: connection.reason } : undefined);
    // Only where it can be sent: live, by a role that prompts.
    const resend = this.lostPrompt && connection.live && (connection.role === undefined || can(connection.role, "prompt")) ? this.lostPrompt : undefined;
    const { following, unseen } = this.#follow;
    const shown = this.#shownEntries();
    if (this.#sayHidden) {
      this.#sayHidden = false;
      this.#said = this.#alternate(hiddenSentence(shown.hidden));
    }
    const missing = this.#links.missing;
    return html`
      ${header({
        summary: this.#timeline.summary,
        entries: this.#timeline.size,
        rawView: this.rawView,
        onRawToggle: () => (this.rawView = !this.rawView),
        filters: filters({
          filters: this.#filters,
          open: this.filtersOpen,
          hidden: shown.hidden,
          counts: shown.counts,
          userName: this.userName,
          onToggle: this.#onFiltersToggle,
          onChange: this.#onFilterChange,
          onNeedsMe: this.#onNeedsMe,
          onShowAll: this.#onShowAll,
          onCollapseAll: () => this.#openAll(false),
          onExpandAll: () => this.#openAll(true),
          onKeydown: this.#onFiltersKey,
        }),
        find: findBox({ query: this.#find.query, count: this.#find.count, position: this.#find.position, pending: this.#findTimer !== undefined, onInput: this.#onFindInput, onKeydown: this.#onFindKey }),
        link: live
          ? {
              status: connection.status,
              reason: connection.reason,
              users: connection.users,
              options: this.#configOptions(),
              control: connection.role === undefined || can(connection.role, "control"),
              onMode: this.#onMode,
              onConfig: this.#onConfig,
            }
          : undefined,
      })}
      ${problem && !(resend && problem.code === "connection-lost") ? html`<p part="notice" class="notice" role="alert" data-code=${problem.code}>${problem.message}</p>` : nothing}
      ${resend
        ? html`<p part="notice" class="notice" role="alert" data-code="connection-lost">
            ${resend.message} <button class="tool" part="resend" @click=${this.#onResend}>Send again</button>
          </p>`
        : nothing}
      ${missing !== undefined
        ? html`<p part="notice" class="notice" role="alert" data-code="entry-not-found">
            ${missingSentence(missing)} <button class="tool" @click=${this.#links.dismissMissing}>Dismiss</button>
          </p>`
        : nothing}
      <p class="visually-hidden" role="status" aria-live="polite">${this.#said}</p>
      ${this.rawView ? rawList(this.#timeline.events, ALL_RAW, this.#disclosure.rawShown(ALL_RAW), this.#onMore) : this.#renderTimeline(shown.list)}
      ${!following && unseen > 0
        ? html`<button class="tool jump" part="jump-latest" @click=${this.#follow.jumpToLatest}>↓ ${plural(unseen, "new entry", "new entries")}</button>`
        : nothing}
      ${live
        ? queue({
            queue: connection.live ? connection.queue : [],
            self: connection.self,
            owner: can(connection.role, "control"),
            busy: this.#queueBusy,
            time: clockTime,
            onWithdraw: this.#onWithdraw,
            onMove: this.#onMove,
          })
        : nothing}
      ${live ? this.#renderComposer() : nothing}
    `;
  }

  #renderTimeline(shown: Iterable<Entry>): TemplateResult {
    this.#virtualItems = undefined;
    if (this.#timeline.size === 0) return html`<p class="empty">${this.events || this.#joined ? "No events yet." : ""}</p>`;
    const user = this.#follow.onUserScroll;
    const links = this.#links;
    const linkable = this.#linkName() !== undefined;
    const connection = this.#connection;
    // Comments are the live workspace's: a replay has none.
    const commenting = this.#joined !== undefined && connection.role !== undefined;
    const who = `${connection.role}:${connection.self?.userId}:${connection.live}`;
    const renderItem = (item: Entry) => {
          const open = this.#disclosure.isOpen(item);
          const rawOpen = this.#disclosure.rawOpen(item.id);
          // Answer buttons depend on the link and the requests it knows, not on the entry alone.
          const answerable =
            item.type === "permission-request"
              ? `${this.#connection.status}:${this.#connection.pending.size}`
              : item.type === "question"
                ? `${this.#connection.status}:${this.#connection.questions.has(item.questionId)}:${this.#answering.has(item.questionId)}`
                : "";
          const linked = links.linked === item.id;
          const found = this.#find.current === item.id;
          const copied = links.copied === item.id;
          const manual = links.manual?.entryId === item.id ? links.manual.url : undefined;
          const thread = commenting ? connection.comments.forEntry(item.id) : undefined;
          const commentsRev = commenting ? `${connection.comments.revision(item.id)}:${this.#commenting.has(item.id)}:${who}` : "";
          return guard([item, item.rev, open, rawOpen, this.#disclosure.rawShown(item.id), answerable, this.#markdown.revision(item.id), linkable, linked, found, copied, manual, commentsRev], () => {
            const md = this.#markdown.forEntry(item.id);
            return entry(item, {
              open,
              rawOpen,
              linked,
              found,
              link: linkable ? { copied, manual, onCopy: this.#onCopyLink, onManualClose: links.closeManual } : undefined,
              ctx: { ...this.#views, markdown: md.markdown },
              plain: () => this.#markdown.plain(item.id),
              raw: () => rawEvents(item.events, item.id, this.#disclosure.rawShown(item.id), this.#onMore),
              onRawToggle: this.#onRawToggle,
              comments: thread
                ? {
                    count: commentCount(thread.length),
                    thread: () =>
                      commentThread({
                        entryId: item.id,
                        comments: thread,
                        self: connection.self,
                        owner: can(connection.role, "control"),
                        ready: connection.live,
                        sending: this.#commenting.has(item.id),
                        time: clockTime,
                        onSubmit: this.#onCommentSubmit,
                        onDelete: this.#onCommentDelete,
                      }),
                  }
                : undefined,
            });
          });
    };
    let items = Array.isArray(shown) ? (shown as Entry[]) : [...shown];
    const mode = this.#virtual.mode(items.length);
    const virtual = mode === "virtual";
    // The plain list is about to be replaced: a reader who is not following keeps the entry they were at.
    if (this.#virtual.justTurnedVirtual && !(this.#follow.following && this.#joined)) this.#anchor = this.#firstVisibleEntry();
    if (virtual) this.#virtualItems = items;
    // While the virtualizer loads, the end a reader sees: the newest entries while following a live workspace, else the first.
    else if (mode === "loading") items = this.#follow.following && this.#joined ? items.slice(-WHILE_LOADING) : items.slice(0, WHILE_LOADING);
    const key = (item: Entry) => item.id;
    // A new list when it turns virtual or plain: the virtualizer styles the list it runs in.
    return html`${keyed(
      virtual,
      html`<ol part="timeline" class="timeline ${virtual ? "virtual" : ""}" aria-label="Session transcript" @click=${this.#onToggle} @keydown=${this.#onKeydown} @scroll=${this.#onScroll} @wheel=${user} @touchmove=${user} @pointerdown=${user} @keyup=${user}>
        ${virtual ? this.#virtual.render(items, key, renderItem) : repeat(items, key, renderItem)}
      </ol>`,
    )}`;
  }

  /**
   * The entries the reader's filters let through (the linked one whatever they say), how many they
   * hide, and, while the menu is open, how many entries of each type and tool kind there are. Without
   * filters or menu it is the timeline itself: nothing is walked.
   */
  #shownEntries(): { list: Iterable<Entry>; hidden: number; counts?: FilterCounts } {
    const filters = this.#filters;
    if (!filters.active && !this.filtersOpen) return { list: this.#timeline.entries, hidden: 0 };
    const counts: FilterCounts | undefined = this.filtersOpen ? { types: new Map(), kinds: new Map() } : undefined;
    const list: Entry[] = [];
    const linked = this.#links.linked;
    const me = this.userName;
    let hidden = 0;
    for (const item of this.#timeline.entries) {
      if (counts) {
        counts.types.set(item.type, (counts.types.get(item.type) ?? 0) + 1);
        if (item.type === "tool-call") counts.kinds.set(kindOf(item), (counts.kinds.get(kindOf(item)) ?? 0) + 1);
      }
      if (filters.active && item.id !== linked && filters.hides(item, me)) hidden++;
      else list.push(item);
    }
    return { list, hidden, counts };
  }

  /** The element's name in links and stored filters: its workspace-id, else its id. */
  #linkName(): string | undefined {
    return this.workspaceId || this.id || undefined;
  }

  /** Says `text` in the live region (again, if it is what it said last). */
  #say(text: string): void {
    this.#said = this.#alternate(text);
    this.requestUpdate();
  }

  /** `text`, told apart from the same text said last: a live region reads only what changed. */
  #alternate(text: string): string {
    return text === this.#said ? `${text}\u00a0` : text;
  }

  /**
   * Before a render: the page's link names an entry of this element. Once it is folded, open it,
   * stop following the newest entries and mark it (the render after scrolls to it); once the whole
   * session is in without it, say so.
   */
  #takeLink(): void {
    const links = this.#links;
    const wanted = links.pending;
    if (wanted === undefined) return;
    if (this.#timeline.entry(wanted)) {
      links.landed(wanted);
      this.#disclosure.setOpen(wanted, true);
      this.#follow.hold();
      this.#revealing = wanted;
      this.rawView = false;
    } else if (this.events !== undefined || this.#connection.caughtUp) {
      links.notFound(wanted);
      this.dispatchEvent(workspaceEvent<SandboxWorkspaceErrorDetail>("sandbox-workspace-error", { code: "entry-not-found", message: missingText(wanted) }));
    }
  }

  /** After the render that opened the linked entry: scroll the transcript, and the page, to it. */
  #revealLinked(): void {
    const links = this.#links;
    const id = this.#revealing;
    if (id === undefined) return;
    const list = this.renderRoot.querySelector<HTMLElement>(".timeline");
    const item = list?.querySelector<HTMLElement>(`:scope > [data-entry-id="${CSS.escape(id)}"]`);
    if (list && !item && this.#virtualItems) {
      // Off screen in a virtual list: brought in first; the render after lands on it.
      if (this.#bringingIn !== id) {
        this.#bringingIn = id;
        void this.#bringIn(id).then((found) => {
          this.#bringingIn = undefined;
          // Not there after all (another scroll was asked for meanwhile, or it is filtered out): given up, not retried for ever.
          if (!found && this.#revealing === id) this.#revealing = undefined;
          this.requestUpdate();
        });
      }
      return;
    }
    if (!list || !item) return;
    this.#revealing = undefined;
    // At the top of the list, a little below its edge; then the page shows it. Entries laid out as
    // they come into view (content-visibility) move it in the next frames: it is put back, for a few
    // frames, unless the reader takes the list elsewhere first.
    const offset = () => item.getBoundingClientRect().top - list.getBoundingClientRect().top - 8;
    list.scrollTop += offset();
    this.scrollIntoView({ block: "nearest" });
    let frames = 0;
    let reader = false;
    const interrupt = () => (reader = true);
    const events = ["wheel", "touchmove", "pointerdown", "keydown"] as const;
    for (const name of events) list.addEventListener(name, interrupt, { passive: true });
    const settle = () => {
      if (!reader && item.isConnected && ++frames <= 20) {
        const by = offset();
        if (Math.abs(by) > 1) list.scrollTop += by;
        requestAnimationFrame(settle);
        return;
      }
      for (const name of events) list.removeEventListener(name, interrupt);
    };
    requestAnimationFrame(settle);
    if (links.byHashChange) item.querySelector<HTMLElement>(".summary")?.focus({ preventScroll: true });
  }

  #renderComposer(): TemplateResult {
    const connection = this.#connection;
    const ready = connection.live;
    const input = this.#composer;
    const role = connection.role;
    return composer({
      draft: input.draft,
      ready,
      reason: ready ? "" : connection.reason ?? (connection.status === "connecting" ? "Connecting to the workspace…" : "Not connected to the workspace."),
      running: this.#timeline.summary.running || connection.turn?.state === "running",
      // Before the workspace says the role, everything shows as it did before roles.
      canStop: role === undefined || can(role, "control"),
      note: ready && role !== undefined && !can(role, "prompt") ? roleNote(role) : undefined,
      suggestions: input.suggestions(),
      onInput: input.onInput,
      onKey: input.onKey,
      onSubmit: input.onSubmit,
      onPickCommand: input.onPickCommand,
      onStop: this.#onStop,
    });
  }

  #permissionActions(item: PermissionRequestEntry): TemplateResult | typeof nothing {
    if (item.status !== "pending" || !this.#connection.live) return nothing;
    const role = this.#connection.role;
    if (role !== undefined && !can(role, "answer")) return html`<p part="role-note" class="role-note">Waiting for an approver to answer.</p>`;
    const request = [...this.#connection.pending.values()].find((candidate) => candidate.toolCallId === item.toolCall.toolCallId);
    return request ? permissionActions(request, this.#onAnswer) : nothing;
  }

  #questionForm(item: QuestionEntry): TemplateResult | typeof nothing {
    if (item.status !== "pending" || item.mode !== "form" || !this.#connection.live || !this.#connection.questions.has(item.questionId)) return nothing;
    const role = this.#connection.role;
    if (role !== undefined && !can(role, "answer")) return html`<p part="role-note" class="role-note">Waiting for an approver to answer this question.</p>`;
    return questionForm(item, { busy: this.#answering.has(item.questionId), onSubmit: this.#onQuestionSubmit, onDecline: this.#onQuestionDecline });
  }

  #configOptions(): ConfigOptionsEntry | undefined {
    const options = this.#timeline.entry("config-options");
    return options?.type === "config-options" ? options : undefined;
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
    this.lostPrompt = undefined;
    this.#connection.open(target);
  }

  /** Forgets the transcript and what the reader opened in it. */
  #resetTranscript(): void {
    this.#timeline = new Timeline();
    this.#strings = new SharedStrings();
    this.#reportedMalformed = 0;
    this.#disclosure.clear();
    this.#markdown.reset();
    this.#find.search([], this.#find.query);
    this.#revealing = undefined;
  }

  #syncEvents(): void {
    const next = this.events ?? [];
    const previous = this.#folded ?? [];
    const extends_ = previous.length <= next.length && previous.every((event, i) => next[i] === event);
    if (!extends_) this.#resetTranscript();
    this.#fold(extends_ ? next.slice(previous.length) : next);
    this.#folded = next;
    // A stored session is a record: a turn whose end the SDK could not log (see SessionSummary.endUnlogged)
    // is over, not running forever. Live, the workspace says when it ends.
    if (this.#timeline.summary.running && this.#timeline.summary.endUnlogged) this.#timeline.endTurn();
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

  #onStatus(status: ConnectionStatus, reason?: string): void {
    if (status === "live") {
      this.liveError = undefined;
      this.dispatchEvent(workspaceEvent("sandbox-workspace-connected", { workspaceId: this.workspaceId }));
    } else if (status === "reconnecting" || status === "idle" || status === "error") {
      this.dispatchEvent(workspaceEvent("sandbox-workspace-disconnected", { workspaceId: this.workspaceId, reason }));
    }
  }

  /** Shows a live error and fires it for the host. */
  #report(detail: SandboxWorkspaceErrorDetail): void {
    this.liveError = detail;
    this.dispatchEvent(workspaceEvent("sandbox-workspace-error", detail));
  }

  /** A refused or failed action, reported with the workspace's code (RivetKit's action errors carry it) or `fallback`. */
  #reportFailure(error: unknown, fallback: SandboxWorkspaceErrorCode): void {
    const code = (error as { code?: unknown })?.code;
    this.#report({ code: typeof code === "string" ? code : fallback, message: error instanceof Error ? error.message : String(error) });
  }

  /** Events that could not be read are shown as error entries, and reported to the host once each. */
  #reportMalformed(): void {
    const malformed = this.#timeline.summary.malformedCount;
    if (malformed <= this.#reportedMalformed) return;
    const all: unknown[] = [];
    for (const item of this.#timeline.entries) if (item.type === "error" && item.reason === "malformed") all.push(item.events[0]);
    const fresh = all.slice(this.#reportedMalformed);
    this.#reportedMalformed = malformed;
    this.dispatchEvent(
      workspaceEvent<SandboxWorkspaceErrorDetail>("sandbox-workspace-error", {
        code: "malformed-event",
        message: `${plural(fresh.length, "event")} could not be read; shown as error entries.`,
        events: fresh,
      }),
    );
  }

  #onResend = (): void => {
    const lost = this.lostPrompt;
    if (!lost) return;
    this.#follow.follow();
    this.prompt(lost.text).catch(() => undefined);
  };

  #onStop = (): void => {
    this.#connection.cancel().catch((error: unknown) => this.#reportFailure(error, "cancel-failed"));
  };

  #onAnswer = (event: Event): void => {
    event.stopPropagation();
    const { permission, option } = (event.currentTarget as HTMLButtonElement).dataset;
    this.#connection.respondPermission(permission!, option!).catch((error: unknown) => this.#reportFailure(error, "permission-failed"));
  };

  #onQuestionSubmit = (event: SubmitEvent): void => {
    event.preventDefault();
    event.stopPropagation();
    const form = event.currentTarget as HTMLFormElement;
    const item = this.#timeline.entry(form.dataset.entry!);
    if (item?.type !== "question") return;
    this.#answerQuestion(item.questionId, "accept", readQuestionForm(form, item.fields));
  };

  #onQuestionDecline = (event: Event): void => {
    event.stopPropagation();
    this.#answerQuestion((event.currentTarget as HTMLButtonElement).dataset.question!, "decline");
  };

  #answerQuestion(questionId: string, action: "accept" | "decline", content?: QuestionContent): void {
    this.#answering.add(questionId);
    this.requestUpdate();
    this.#connection
      .respondQuestion(questionId, action, content)
      .catch((error: unknown) => this.#reportFailure(error, "question-failed"))
      .finally(() => {
        this.#answering.delete(questionId);
        this.requestUpdate();
      });
  }

  #onWithdraw = (event: Event): void => {
    const promptId = (event.currentTarget as HTMLElement).dataset.withdraw!;
    this.#queueAction(promptId, () => this.#connection.withdrawPrompt(promptId), "withdraw-failed");
  };

  /** Moves a queued prompt one place up or down (owners); the focus stays on the button pressed. */
  #onMove = (event: Event): void => {
    const { move, prompt } = (event.currentTarget as HTMLElement).dataset;
    const ids = this.#connection.queue.map((item) => item.promptId);
    const at = ids.indexOf(prompt!);
    const to = move === "up" ? at - 1 : at + 1;
    if (at < 0 || to < 0 || to >= ids.length) return;
    [ids[at], ids[to]] = [ids[to], ids[at]];
    this.#queueAction(prompt!, () => this.#connection.reorderQueue(ids), "reorder-failed", async () => {
      // Its buttons were disabled while the move was on its way: the focus goes back to the moved prompt.
      await this.updateComplete;
      const item = `[data-prompt-id="${CSS.escape(prompt!)}"]`;
      const button = this.renderRoot.querySelector<HTMLButtonElement>(`${item} [data-move="${move}"]`);
      (button && !button.disabled ? button : this.renderRoot.querySelector<HTMLButtonElement>(`${item} button:not([disabled])`))?.focus();
      const place = this.#connection.queue.findIndex((queued) => queued.promptId === prompt);
      if (place >= 0) this.#say(`Moved to place ${place + 1} of ${this.#connection.queue.length}.`);
    });
  };

  #queueAction(promptId: string, work: () => Promise<void>, code: SandboxWorkspaceErrorCode, done?: () => Promise<void>): void {
    this.#queueBusy.add(promptId);
    this.requestUpdate();
    work()
      .then(
        () => undefined,
        (error: unknown) => this.#reportFailure(error, code),
      )
      .finally(() => {
        this.#queueBusy.delete(promptId);
        this.requestUpdate();
        void done?.();
      });
  }

  #onCommentSubmit = (event: SubmitEvent): void => {
    event.preventDefault();
    event.stopPropagation();
    const form = event.currentTarget as HTMLFormElement;
    const entryId = form.dataset.entry!;
    const field = form.elements.namedItem("text") as HTMLTextAreaElement;
    const text = field.value;
    if (!text.trim()) return;
    this.#commenting.add(entryId);
    this.requestUpdate();
    this.#connection
      .comment(entryId, text)
      .then(() => {
        field.value = "";
      })
      .catch((error: unknown) => this.#reportFailure(error, "comment-failed"))
      .finally(() => {
        this.#commenting.delete(entryId);
        this.requestUpdate();
        void this.updateComplete.then(() => field.isConnected && field.focus());
      });
  };

  #onCommentDelete = (event: Event): void => {
    event.stopPropagation();
    const commentId = (event.currentTarget as HTMLElement).dataset.comment!;
    this.#connection.deleteComment(commentId).catch((error: unknown) => this.#reportFailure(error, "comment-failed"));
  };

  #onConfig = (event: Event): void => {
    const input = event.target as HTMLInputElement | HTMLSelectElement;
    const value = input instanceof HTMLInputElement && input.type === "checkbox" ? String(input.checked) : input.value;
    this.#connection.setConfigOption(input.dataset.config!, value).catch((error: unknown) => this.#reportFailure(error, "config-failed"));
  };

  #onMode = (event: Event): void => {
    this.#connection.setMode((event.target as HTMLSelectElement).value).catch((error: unknown) => this.#reportFailure(error, "mode-failed"));
  };

  #onCopyLink = (event: Event): void => {
    void this.#links.copy((event.currentTarget as HTMLElement).dataset.linkFor!);
  };

  #onFiltersToggle = (): void => {
    this.#setFiltersOpen(!this.filtersOpen);
  };

  #setFiltersOpen(open: boolean): void {
    this.filtersOpen = open;
    // A click anywhere else closes the menu.
    if (open) document.addEventListener("pointerdown", this.#onOutsideFilters, true);
    else document.removeEventListener("pointerdown", this.#onOutsideFilters, true);
  }

  #onOutsideFilters = (event: Event): void => {
    const box = this.renderRoot.querySelector(".filters");
    if (box && !event.composedPath().includes(box)) this.#setFiltersOpen(false);
  };

  #onFiltersKey = (event: KeyboardEvent): void => {
    if (event.key !== "Escape" || !this.filtersOpen) return;
    event.stopPropagation();
    this.#setFiltersOpen(false);
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>('[part="filters-toggle"]')?.focus());
  };

  #onFilterChange = (event: Event): void => {
    const input = event.target as HTMLInputElement;
    this.#filters.setHidden(input.dataset.token!, !input.checked);
    this.#sayHidden = true;
    this.requestUpdate();
  };

  #onNeedsMe = (event: Event): void => {
    this.#filters.setNeedsMe((event.target as HTMLInputElement).checked);
    this.#sayHidden = true;
    this.requestUpdate();
  };

  #onShowAll = (): void => {
    this.#filters.showAll();
    this.#sayHidden = true;
    this.requestUpdate();
  };

  /** Collapse all / expand all: the entries the reader sees. */
  #openAll(open: boolean): void {
    for (const item of this.#shownEntries().list) this.#disclosure.setOpen(item.id, open);
    this.#say(open ? "Entries expanded." : "Entries collapsed.");
  }

  /** Each change of the query shows its first match (searched once typing pauses, in a long transcript). */
  #onFindInput = (event: Event): void => {
    const query = (event.target as HTMLInputElement).value;
    this.#find.query = query;
    clearTimeout(this.#findTimer);
    this.#findTimer = undefined;
    const search = () => {
      this.#findTimer = undefined;
      this.#find.search(this.#shownEntries().list, query);
      this.#showFound(false);
    };
    if (this.#timeline.size > VIRTUAL_ABOVE) {
      this.#findTimer = setTimeout(search, FIND_PAUSE_MS);
      this.requestUpdate();
    } else search();
  };

  /** Enter: the next match; Shift+Enter: the previous one (searched again over what arrived meanwhile); Escape: clear. */
  #onFindKey = (event: KeyboardEvent): void => {
    if (event.key === "Escape") {
      event.preventDefault();
      clearTimeout(this.#findTimer);
      this.#findTimer = undefined;
      (event.target as HTMLInputElement).value = "";
      this.#find.search([], "");
      this.requestUpdate();
      return;
    }
    if (event.key !== "Enter") return;
    event.preventDefault();
    clearTimeout(this.#findTimer);
    this.#findTimer = undefined;
    // Searched again from the match shown: entries that arrived meanwhile count, and the reader keeps their place.
    this.#find.search(this.#shownEntries().list, this.#find.query, this.#find.current);
    this.#find.step(event.shiftKey ? -1 : 1);
    this.#showFound(true);
  };

  /**
   * Scrolls to the find box's match (its count, a live region, says where it stands); Enter also
   * opens it, typing does not. The transcript stops following the newest entries.
   */
  #showFound(open: boolean): void {
    const id = this.#find.current;
    this.requestUpdate();
    if (id === undefined) return;
    this.#follow.hold();
    void this.#scrollTo(id, open);
  }

  #onScroll = (event: Event): void => {
    this.#follow.onScroll(event);
    this.#markdown.showNearView();
  };

  #onKeydown = (event: KeyboardEvent): void => {
    const items = this.#virtualItems;
    if (!items) {
      onAccordionKey(event, this.renderRoot);
      return;
    }
    // A virtual transcript has only the entries near the view in the DOM: move by the entries themselves.
    const id = (event.target as Element).closest?.("button.summary")?.closest<HTMLElement>("[data-entry-id]")?.dataset.entryId;
    const next = id === undefined ? undefined : nextHeader(event.key, items.findIndex((item) => item.id === id), items.length);
    if (next === undefined) return;
    event.preventDefault();
    const target = items[next].id;
    const rendered = this.renderRoot.querySelector<HTMLElement>(`.timeline > [data-entry-id="${CSS.escape(target)}"] .summary`);
    if (rendered) {
      rendered.focus();
      return;
    }
    // Brought in, it is in view: focused without a scroll of the browser's own, which would move the virtualizer's range.
    void this.#bringIn(target).then((found) => found?.querySelector<HTMLElement>(".summary")?.focus({ preventScroll: true }));
  };

  #onToggle = (event: Event): void => {
    const button = (event.target as Element).closest?.("button.summary");
    const item = button?.closest<HTMLElement>("[data-entry-id]");
    const found = item && this.#timeline.entry(item.dataset.entryId!);
    if (!found) return;
    this.#disclosure.toggle(found);
    this.requestUpdate();
  };

  #onRawToggle = (event: Event): void => {
    const details = event.currentTarget as HTMLDetailsElement;
    if (this.#disclosure.setRawOpen(details.dataset.rawFor!, details.open)) this.requestUpdate();
  };

  #onMore = (event: Event): void => {
    event.stopPropagation();
    this.#disclosure.showMore((event.currentTarget as HTMLElement).dataset.more!);
    this.requestUpdate();
  };
}

/** What a role that does not prompt is told in the composer's place. */
function roleNote(role: WorkspaceRole): string {
  if (role === "approver") return "You are an approver here: you answer the agent's permission requests and questions, and comment. Prompters and owners send prompts.";
  return "You are watching this workspace: you can read along and comment on entries. Prompters and owners send prompts.";
}

const missingText = (id: string) =>
  `The linked entry “${id.slice(0, 120)}” is not in this session: the link may be to another session, or to history the workspace no longer keeps.`;

function missingSentence(id: string): string {
  return reveal(missingText(id));
}
