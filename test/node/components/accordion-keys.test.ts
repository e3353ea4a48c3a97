import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { nextHeader } from "../../../src/components/controllers/accordion-keys.js";

describe("accordion keys", () => {
  it("move down and up one header, and stop at either end", () => {
    assert.equal(nextHeader("ArrowDown", 0, 3), 1);
    assert.equal(nextHeader("ArrowUp", 2, 3), 1);
    assert.equal(nextHeader("ArrowDown", 2, 3), undefined);
    assert.equal(nextHeader("ArrowUp", 0, 3), undefined);
  });

  it("jump to the first and last header with Home and End", () => {
    assert.equal(nextHeader("Home", 2, 5), 0);
    assert.equal(nextHeader("End", 0, 5), 4);
  });

  it("ignore other keys, and a header that is not in the list", () => {
    assert.equal(nextHeader("Enter", 1, 3), undefined);
    assert.equal(nextHeader("ArrowDown", -1, 0), undefined);
  });
});
