/**
 * Load on one registry process (RivetKit's embedded engine): see test/browser/support/load.ts.
 */
import { loadSuite } from "../support/load.js";

loadSuite("load", {}, "one registry process, embedded engine");
