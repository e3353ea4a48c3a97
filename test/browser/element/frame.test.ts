import { expect } from "@open-wc/testing";
import { afterRenders, inNextFrame } from "../../../src/components/frame.js";

describe("the page's shared render frame", () => {
  it("runs every element's render in one frame, then what reads layout, after all of them", async () => {
    const order: string[] = [];
    const frames: Array<CSSNumberish | null> = [];
    await new Promise<void>((resolve) => {
      for (const name of ["a", "b", "c"]) {
        inNextFrame(() => {
          frames.push(document.timeline.currentTime);
          order.push(`render ${name}`);
          afterRenders(() => order.push(`scroll ${name}`));
        });
      }
      inNextFrame(() => afterRenders(resolve));
    });
    expect(order).to.deep.equal(["render a", "render b", "render c", "scroll a", "scroll b", "scroll c"]);
    expect(new Set(frames).size, "one frame").to.equal(1);
  });

  it("runs a job outside a frame's renders at once", () => {
    let ran = false;
    afterRenders(() => (ran = true));
    expect(ran).to.be.true;
  });

  it("keeps rendering the others when one render throws, and reports the error", async () => {
    const rendered: string[] = [];
    // The test runner fails a test on any uncaught error: take this one over while it is expected.
    const runnerOnError = window.onerror;
    const reported = new Promise<unknown>((resolve) => {
      window.onerror = (_message, _source, _line, _column, error) => {
        window.onerror = runnerOnError;
        resolve(error);
        return true;
      };
    });
    await new Promise<void>((resolve) => {
      inNextFrame(() => rendered.push("a"));
      inNextFrame(() => {
        throw new Error("broken view");
      });
      inNextFrame(() => {
        rendered.push("c");
        resolve();
      });
    });
    expect(rendered).to.deep.equal(["a", "c"]);
    expect(String(await reported)).to.contain("broken view");
  });

  it("still renders in a page that gets no animation frames (a hidden tab), on a timer", async () => {
    const realRaf = window.requestAnimationFrame;
    window.requestAnimationFrame = () => 0;
    try {
      const started = performance.now();
      await new Promise<void>((resolve) => inNextFrame(resolve));
      expect(performance.now() - started).to.be.within(40, 500);
    } finally {
      window.requestAnimationFrame = realRaf;
    }
  });
});
