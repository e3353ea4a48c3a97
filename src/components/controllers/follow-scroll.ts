/**
 * Following the newest entries: while the reader is at the end of the transcript it stays there as
 * entries arrive; scrolling up stops that and counts what arrives unseen; reaching the end again, or
 * "jump to latest", resumes it. Layout moving the list is not the reader scrolling: only a scroll
 * soon after a wheel, touch, key or pointer stops following. A wheel turned up holds the list where
 * the reader takes it at once, before the scroll it causes arrives: a render in between must not
 * pull them back to the end.
 */
import type { ReactiveControllerHost } from "lit";
import { afterRenders } from "../frame.js";

/** How close to the end counts as at the end, in pixels. */
const END_SLACK_PX = 48;
/** At most this many frames of settling at the end while entries coming into view are laid out. */
const SETTLE_FRAMES = 20;
/** How long after a wheel, touch, key or pointer a scroll is the reader's. */
const USER_SCROLL_MS = 1000;
/**
 * How long after a wheel turned up the list is not pulled to its end: its scroll arrives within a
 * frame or two; when none comes (an entry's own scrolling box took the wheel), following goes on.
 */
const WHEEL_UP_MS = 500;

export class FollowScroll {
  /** Whether the transcript keeps to its newest entries. */
  following = true;
  /** Entries that arrived while the reader was elsewhere. */
  unseen = 0;

  #host: ReactiveControllerHost;
  #list: () => HTMLElement | null;
  #lastScrollTop = 0;
  #userScrollAt = -Infinity;
  #wheelUpAt = -Infinity;

  /** `list`: the scrolling list (the transcript or the raw event list), when rendered. */
  constructor(host: ReactiveControllerHost, list: () => HTMLElement | null) {
    this.#host = host;
    this.#list = list;
  }

  /** `added` entries arrived: counted as unseen unless the reader follows. */
  arrived(added: number): void {
    if (this.following || added <= 0) return;
    this.unseen += added;
    this.#host.requestUpdate();
  }

  /** Follow again (the reader sent a prompt, or asked for the latest). */
  follow(): void {
    this.following = true;
    this.unseen = 0;
    this.#host.requestUpdate();
  }

  /** Stop following: the reader was taken elsewhere (a link to one entry). What arrives from now on is counted. */
  hold(): void {
    this.following = false;
    this.unseen = 0;
    this.#userScrollAt = -Infinity;
    this.#host.requestUpdate();
  }

  jumpToLatest = (): void => {
    // The reader asked to follow: a wheel turned just before is not them scrolling away again.
    this.#userScrollAt = -Infinity;
    this.#wheelUpAt = -Infinity;
    this.follow();
    this.scrollToEnd();
  };

  /** After the host rendered: keep to the end, once every element on the page has rendered this frame (one layout for all). */
  afterRender(live: boolean): void {
    if (this.following && live) afterRenders(() => !this.#wheelingUp() && this.scrollToEnd());
  }

  scrollToEnd(): void {
    const list = this.#list();
    if (!list) return;
    list.scrollTop = list.scrollHeight;
    // Known now, not when its scroll event arrives: a reader turning the wheel before then is scrolling up from here.
    this.#lastScrollTop = list.scrollTop;
    // Entries off screen are laid out at a placeholder height until they come into view
    // (content-visibility), so reaching the end grows the list: settle there again, frame by frame,
    // until its height holds.
    let height = list.scrollHeight;
    let frames = 0;
    const settle = () => {
      if (this.following && !this.#wheelingUp()) list.scrollTop = list.scrollHeight;
      this.#lastScrollTop = list.scrollTop;
      if (!this.following || list.scrollHeight === height || ++frames >= SETTLE_FRAMES) return;
      height = list.scrollHeight;
      requestAnimationFrame(settle);
    };
    requestAnimationFrame(settle);
  }

  /** Wheel, touch, keys or a scrollbar drag: the reader, not layout, is moving the list. */
  onUserScroll = (event: Event): void => {
    this.#userScrollAt = performance.now();
    // (A wheel with Ctrl held zooms the page instead.)
    if (event.type === "wheel" && (event as WheelEvent).deltaY < 0 && !(event as WheelEvent).ctrlKey) this.#wheelUpAt = this.#userScrollAt;
  };

  /** Whether the reader just turned the wheel up, and its scroll may not have arrived yet. */
  #wheelingUp(): boolean {
    return performance.now() - this.#wheelUpAt < WHEEL_UP_MS;
  }

  /** Following stops when the reader scrolls up, and resumes when they reach the end again. */
  onScroll = (event: Event): void => {
    const list = event.currentTarget as HTMLElement;
    const atEnd = list.scrollTop + list.clientHeight >= list.scrollHeight - END_SLACK_PX;
    if (atEnd) {
      if (!this.following || this.unseen) this.follow();
    } else if ((list.scrollTop < this.#lastScrollTop - 4 || this.#wheelingUp()) && performance.now() - this.#userScrollAt < USER_SCROLL_MS) {
      if (this.following) {
        this.following = false;
        this.#host.requestUpdate();
      }
    }
    this.#lastScrollTop = list.scrollTop;
  };
}
