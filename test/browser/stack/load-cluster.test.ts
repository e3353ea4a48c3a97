/**
 * Load on a cluster: a standalone Rivet Engine and two runners (the stack plugin's `cluster`
 * stack), the 25 elements and 20 workspaces spread over both: see test/browser/support/load.ts.
 */
import { loadSuite } from "../support/load.js";

loadSuite("load-cluster", { cluster: true }, "standalone engine, two runners");
