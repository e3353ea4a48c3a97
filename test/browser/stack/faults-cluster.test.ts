/**
 * Faults on a cluster (a standalone Rivet Engine and two runners, a link proxy in front of the
 * engine): the daemon and agent faults, links that drop or lose messages, sleep and wake. The
 * cluster's own faults (a runner crash or deploy, an engine restart) are in failover.test.ts.
 */
import { faultsSuite } from "../support/faults.js";

faultsSuite("faults-cluster", { cluster: true });
