/**
 * FollowScroll alone, on a real scrolling box: the reader's wheel wins over a render that lands
 * between the wheel and the scroll it causes.
 */
import { expect } from "@open-wc/testing";
import { FollowScroll } from "../../../src/components/controllers/follow-scroll.js";

const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));

function box(): { list: HTMLElement; follow: FollowScroll } {
  const list = document.createElement("div");
  list.style.cssText = "height: 200px; overflow: auto";
  list.innerHTML = `<div style="height: 5000px"></div>`;
  document.body.append(list);
  const follow = new FollowScroll({ addController() {}, removeController() {}, requestUpdate() {}, updateComplete: Promise.resolve(true) }, () => list);
  list.addEventListener("scroll", follow.onScroll);
  list.addEventListener("wheel", follow.onUserScroll);
  return { list, follow };
}

describe("following the newest entries (FollowScroll)", () => {
  it("stops when the wheel turns up just after it kept to the end, before that scroll was told", async () => {
    const { list, follow } = box();
    follow.scrollToEnd();
    // No scroll event has arrived yet for that move to the end: the reader turns the wheel now.
    list.dispatchEvent(new WheelEvent("wheel", { deltaY: -600 }));
    list.scrollTop -= 600;
    // An entry arrives and renders before the wheel's scroll is told.
    follow.afterRender(true);
    for (let i = 0; i < 5; i++) await frame();
    expect(follow.following, "following stopped").to.equal(false);
    expect(list.scrollTop, "the reader stays where the wheel took them").to.be.closeTo(5000 - 200 - 600, 1);
    follow.arrived(3);
    expect(follow.unseen).to.equal(3);
    list.remove();
  });

  it("keeps following when a scroll up is layout's, not the reader's", async () => {
    const { list, follow } = box();
    follow.scrollToEnd();
    list.dispatchEvent(new WheelEvent("wheel", { deltaY: 300 }));
    // A second after the reader's last input, layout moves the list up (an entry above shrank).
    await new Promise((resolve) => setTimeout(resolve, 1100));
    list.scrollTop -= 600;
    await frame();
    await frame();
    expect(follow.following).to.equal(true);
    list.remove();
  });
});
