/**
 * A live workspace in a phone-wide container, against the real stack: the live header (connection,
 * presence, mode and option pickers), a pending permission's answer buttons and the composer all
 * fit 320 px without scrolling sideways.
 */
import { expect } from "@open-wc/testing";
import type { SandboxWorkspace } from "../../../src/components/index.js";
import { until } from "../../shared/until.js";
import { $$, JOIN_MS, answer, join, open, presence } from "../support/harness.js";
import { layOutEverything, minContentWidth, overflow } from "../support/overflow.js";
import { fresh, stack } from "../support/stack.js";

const WIDTH = 320;

function expectFits(el: SandboxWorkspace, what: string): void {
  const measured = overflow(el);
  expect(el.getBoundingClientRect().width, `${what}: the element's width`).to.be.at.most(WIDTH);
  expect(measured.past, `${what}: boxes past the right edge`).to.deep.equal([]);
  expect(measured.scrollWidth, `${what}: scrollWidth against clientWidth ${measured.clientWidth}`).to.be.at.most(measured.clientWidth);
  expect(minContentWidth(el), `${what}: the narrowest it can get`).to.be.at.most(WIDTH);
}

describe("narrow: a live workspace fits a 320 px container", function () {
  this.timeout(2 * JOIN_MS + 60_000); // two joins, then a turn
  let endpoint: string;
  before(async () => {
    ({ endpoint } = await stack({ action: "start" }));
  });

  it("fits with two people present and a permission request waiting for an answer", async () => {
    const id = fresh("narrow");
    const ada = await join(endpoint, id, "Ada Lovelace");
    const grace = await join(endpoint, id, "Grace Hopper");
    const els = [ada, grace];
    for (const el of els) el.parentElement!.style.width = `${WIDTH}px`;
    await until(() => presence(ada).includes("Grace") && presence(grace).includes("Ada"), "each sees the other");
    const turn = ada.prompt("/permission");
    await until(() => els.every((el) => $$(el, '[part~="permission-button"]').length > 0), "both see the answer buttons", 30_000);
    await until(() => els.every((el) => $$(el, '[part="mode-picker"]').length > 0 && $$(el, '[part="config-picker"]').length > 0), "both show the pickers");
    for (const el of els) {
      layOutEverything(el);
      for (const entry of $$(el, '[part~="entry"]')) await open(el, entry);
      await el.updateComplete;
      expectFits(el, `${el.userName}, live`);
    }
    await answer(grace, "reject");
    expect((await turn)?.stopReason).to.equal("end_turn");
    for (const el of els) el.remove();
  });
});
