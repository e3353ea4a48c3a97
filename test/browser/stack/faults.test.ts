/**
 * Faults on one registry process (RivetKit's embedded engine): see test/browser/support/faults.ts.
 */
import { faultsSuite } from "../support/faults.js";

faultsSuite("faults", {});
