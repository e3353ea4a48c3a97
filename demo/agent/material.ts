/**
 * What the demo agent (agent.ts) and the recorded fixture (test/fixtures/session.ts) both say and
 * offer: Claude Code's session options and the flaky auth-middleware story. One copy, so the live
 * demo and the tests tell the same story. Plain data only: the fixture also runs in the browser.
 */
import type {
  PermissionOption,
  PlanEntry,
  SessionConfigOption,
  SessionModeState,
  SessionUpdate,
} from "@agentclientprotocol/sdk";

export const lines = (...l: string[]): string => l.join("\n");

// ---------------------------------------------------------------------------------------------
// What the session offers (mirrors Claude Code's adapter)
// ---------------------------------------------------------------------------------------------

export const MODES: SessionModeState["availableModes"] = [
  { id: "default", name: "Default", description: "Standard behavior, prompts for dangerous operations" },
  { id: "plan", name: "Plan Mode", description: "Planning mode, no actual tool execution" },
  { id: "acceptEdits", name: "Accept Edits", description: "Auto-accept file edit operations" },
];

export const MODELS = [
  { modelId: "claude-sonnet-4-5", name: "Sonnet 4.5", description: "Best for everyday coding tasks" },
  { modelId: "claude-opus-4-1", name: "Opus 4.1", description: "Most capable, for complex work" },
  { modelId: "claude-haiku-4-5", name: "Haiku 4.5", description: "Fastest, for quick answers" },
];

export interface ConfigState {
  modeId: string;
  /** A new session's defaults: the first model, thinking on. */
  modelId?: string;
  thinking?: boolean;
}

/** The whole list, every time: `config_option_update` carries all options, not a delta. */
export function configOptions({ modeId, modelId = MODELS[0].modelId, thinking = true }: ConfigState): SessionConfigOption[] {
  return [
    {
      id: "mode",
      name: "Mode",
      category: "mode",
      type: "select",
      currentValue: modeId,
      options: MODES.map((m) => ({ value: m.id, name: m.name, description: m.description })),
    },
    {
      id: "model",
      name: "Model",
      category: "model",
      type: "select",
      currentValue: modelId,
      options: MODELS.map((m) => ({ value: m.modelId, name: m.name, description: m.description })),
    },
    {
      id: "thinking",
      name: "Extended thinking",
      description: "Think before answering (uses more tokens)",
      category: "thought_level",
      type: "boolean",
      currentValue: thinking,
    },
  ];
}

/** Claude's adapter offers these three, in this order. */
export const PERMISSION_OPTIONS: PermissionOption[] = [
  { optionId: "allow_always", name: "Always Allow", kind: "allow_always" },
  { optionId: "allow", name: "Allow", kind: "allow_once" },
  { optionId: "reject", name: "Reject", kind: "reject_once" },
];

/** A rejected tool call's last update, worded as the adapter words it. */
export function rejectedUpdate(toolCallId: string): SessionUpdate {
  return {
    sessionUpdate: "tool_call_update",
    toolCallId,
    status: "failed",
    content: [
      {
        type: "content",
        content: { type: "text", text: "The user doesn't want to proceed with this tool use. The tool use was rejected." },
      },
    ],
    rawOutput: { error: "rejected by user" },
  };
}

// ---------------------------------------------------------------------------------------------
// The story: a flaky auth test in acme-api, its cause and its fix
// ---------------------------------------------------------------------------------------------

/** Relative to the session's working directory. */
export const MIDDLEWARE_REL = "src/auth/middleware.ts";

export const MIDDLEWARE_HEAD = lines(
  'import type { NextFunction, Request, Response } from "express";',
  'import { verifyToken, type TokenClaims } from "./tokens.js";',
  "",
);

export const MIDDLEWARE_OLD = lines(
  "const LEEWAY_MS = 30_000;",
  "",
  "export function isExpired(claims: TokenClaims, now = Date.now()): boolean {",
  "  return claims.exp * 1000 + LEEWAY_MS <= now;",
  "}",
  "",
  "export async function authMiddleware(req: Request, res: Response, next: NextFunction) {",
  '  const header = req.headers.authorization ?? "";',
  '  const token = header.startsWith("Bearer ") ? header.slice(7) : null;',
  '  if (!token) return res.status(401).json({ error: "missing_token" });',
  "  const claims = await verifyToken(token);",
  '  if (isExpired(claims)) return res.status(401).json({ error: "token_expired" });',
  "  res.locals.user = claims.sub;",
  "  next();",
  "}",
);

export const MIDDLEWARE_NEW = lines(
  "const LEEWAY_MS = 30_000;",
  "",
  "/** Milliseconds since the epoch; injectable so tests can pin time. */",
  "export type Clock = () => number;",
  "",
  "export function isExpired(claims: TokenClaims, now: number): boolean {",
  "  return claims.exp * 1000 + LEEWAY_MS <= now;",
  "}",
  "",
  "export function createAuthMiddleware({ clock = Date.now }: { clock?: Clock } = {}) {",
  "  return async function authMiddleware(req: Request, res: Response, next: NextFunction) {",
  '    const header = req.headers.authorization ?? "";',
  '    const token = header.startsWith("Bearer ") ? header.slice(7) : null;',
  '    if (!token) return res.status(401).json({ error: "missing_token" });',
  "    const claims = await verifyToken(token);",
  '    if (isExpired(claims, clock())) return res.status(401).json({ error: "token_expired" });',
  "    res.locals.user = claims.sub;",
  "    next();",
  "  };",
  "}",
  "",
  "/** Default instance, reading the real clock. */",
  "export const authMiddleware = createAuthMiddleware();",
);

/** `npm test -- auth` failing, run in `cwd`. */
export function testOutput(cwd: string): string {
  return lines(
    "> acme-api@1.4.2 test",
    "> vitest run auth",
    "",
    ` RUN  v2.1.8 ${cwd}`,
    "",
    " ❯ test/auth/middleware.test.ts (6 tests | 1 failed) 48ms",
    "   × authMiddleware > accepts a token inside the 30s leeway",
    "     → expected 401 to be 200 // Object.is equality",
    "",
    " FAIL  test/auth/middleware.test.ts > authMiddleware > accepts a token inside the 30s leeway",
    "AssertionError: expected 401 to be 200 // Object.is equality",
    "",
    "- Expected",
    "+ Received",
    "",
    "- 200",
    "+ 401",
    "",
    " ❯ test/auth/middleware.test.ts:41:24",
    "     39|     const res = await request(app).get(\"/me\").set(\"authorization\", `Bearer ${token}`);",
    "     40| ",
    "     41|     expect(res.status).toBe(200);",
    "       |                        ^",
    "     42|   });",
    "",
    " Test Files  1 failed (1)",
    "      Tests  1 failed | 5 passed (6)",
    "   Duration  612ms",
  );
}

/**
 * The plan's four steps, `done` of them completed and the one at `active` in progress. The last
 * step differs: the fixture's turn ends on a re-run, the demo agent's on a summary.
 */
export function plan(done: number, active: number, lastStep = "Re-run the auth suite"): PlanEntry[] {
  const items: [string, PlanEntry["priority"]][] = [
    ["Read the auth middleware", "high"],
    ["Reproduce the flaky test", "high"],
    ["Make the clock injectable", "medium"],
    [lastStep, "low"],
  ];
  return items.map(([content, priority], i) => ({
    content,
    priority,
    status: i < done ? "completed" : i === active ? "in_progress" : "pending",
  }));
}

export const THOUGHT =
  "Intermittent failures in an auth test usually mean time. JWT `exp` has whole-second precision while " +
  "`Date.now()` is in milliseconds; if the test floors the current time to build a token, the result " +
  "depends on where in the second it runs. I should read the middleware, then run the suite.";

// Ends without a newline: the next block starts with "## ", which must not land mid-line.
export const INTRO = "I'll read the middleware first, then run the auth tests to reproduce it.";

/** The diagnosis; each caller adds its own closing paragraph (ask first, or go ahead). */
export const ROOT_CAUSE = lines(
  "## Root cause",
  "",
  "`exp` has whole-second precision, but `isExpired` compares it against `Date.now()` in **milliseconds**.",
  "The test builds its token with `exp = Math.floor(Date.now() / 1000) - 29`, so the `floor` silently drops up to 999 ms:",
  "",
  "- started early in a second, the request lands inside the 30 s leeway and gets `200`",
  "- started in the last ~50 ms of a second, the token is already past the leeway and gets `401`",
);

export const FIXED = lines(
  "## Fixed: injectable clock",
  "",
  "The middleware no longer reads `Date.now()` directly:",
  "",
  "- `isExpired(claims, now)` now **requires** `now`",
  "- `createAuthMiddleware({ clock })` builds the middleware; `authMiddleware` is still exported for existing imports",
  "- the test can pin time instead of racing the second boundary:",
  "",
  "```ts",
  "const app = buildApp({",
  "  auth: createAuthMiddleware({ clock: () => 1_767_225_600_000 }),",
  "});",
  "```",
  "",
  "Run `npm test -- auth` to confirm.",
);

// ---------------------------------------------------------------------------------------------
// The long write-up (the fixture's turn 3, the agent's /long)
// ---------------------------------------------------------------------------------------------

const LONG_MESSAGE = lines(
  "# Token expiry in `acme-api`",
  "",
  "This PR makes the auth middleware's notion of *now* injectable. Nothing changes for callers that import " +
    "`authMiddleware`; tests (and anything else that needs deterministic time) build their own instance with " +
    "`createAuthMiddleware({ clock })`.",
  "",
  "## How a request is checked",
  "",
  "1. The `Authorization` header is read; anything but `Bearer <token>` is a `401 missing_token`.",
  "2. `verifyToken` checks the signature and decodes the claims. A bad signature throws, which the error " +
    "handler turns into `401 invalid_token`.",
  "3. `isExpired(claims, clock())` compares the expiry against the injected clock, with a 30 s leeway for clock " +
    "skew between the issuer and us.",
  "4. On success the subject (`claims.sub`) is stored in `res.locals.user` and the request continues.",
  "",
  "The leeway matters: tokens are minted by the identity service, whose clock can drift a few seconds from ours. " +
    "Without it, a token issued \"now\" by a fast clock could look like it comes from the future, and one " +
    "expiring \"now\" could be rejected by a slow one.",
  "",
  "## Why the test was flaky",
  "",
  "`exp` is a JWT *NumericDate*: whole seconds since the epoch. The old code compared `exp * 1000 + LEEWAY_MS` " +
    "with `Date.now()`, which is fine in production but not in a test that does this:",
  "",
  "```ts",
  "const exp = Math.floor(Date.now() / 1000) - 29; // 29 s ago: inside the leeway",
  "const token = await signToken({ sub: \"u_1\", exp });",
  "const res = await request(app)",
  "  .get(\"/me\")",
  "  .set(\"authorization\", `Bearer ${token}`);",
  "expect(res.status).toBe(200);",
  "```",
  "",
  "`Math.floor` throws away the milliseconds, so the token really expired somewhere between 29.000 s and " +
    "29.999 s ago. If the request then takes longer than what is left of that second, the check runs after " +
    "`exp + 30 s` and the middleware answers `401`. On a loaded CI runner that happened in roughly one run in twenty.",
  "",
  "## What changed",
  "",
  "| File | Change | Risk |",
  "| --- | --- | --- |",
  "| `src/auth/middleware.ts` | `createAuthMiddleware({ clock })`; `isExpired` requires `now` | low: default export unchanged |",
  "| `test/auth/middleware.test.ts` | builds the app with a fixed clock | none |",
  "| `src/auth/index.ts` | re-exports `createAuthMiddleware` and `Clock` | none |",
  "",
  "## What the tests should cover",
  "",
  "- **Boundaries, with a pinned clock.** For a token with `exp = T`:",
  "  - at `T*1000 + 29_999` it is accepted,",
  "  - at `T*1000 + 30_000` it is rejected (`<=` is deliberate),",
  "  - a token with `exp` in the future is accepted regardless of leeway.",
  "- **Missing and malformed headers**: no header, `Basic …`, `Bearer` with nothing after it.",
  "- **Signature failures** surface as `invalid_token`, never as `token_expired`.",
  "- **The default instance** still reads the real clock: one smoke test with a token valid for an hour.",
  "",
  "> Tip: keep one test that uses the *real* clock. If someone reintroduces a hidden `Date.now()`, the " +
    "pinned-clock tests will not notice, but the smoke test plus `--repeat 50` in CI will.",
  "",
);

/** Extra sections so that any chunk count has enough text to cut. */
function appendix(n: number): string {
  return lines(
    "",
    `## Appendix ${n}: replaying failure case #${n}`,
    "",
    `Run ${n} pinned the clock at \`${1767225600000 + n * 997}\` and minted a token with ` +
      `\`exp = ${1767225600 + n - 30}\`. The middleware answered as expected:`,
    "",
    "```console",
    `$ npx vitest run auth --repeat ${n * 10}`,
    ` ✓ test/auth/middleware.test.ts (6 tests) ${40 + (n % 17)}ms`,
    "",
    " Test Files  1 passed (1)",
    `      Tests  6 passed (6) × ${n * 10}`,
    "```",
    "",
    `| run | now (ms) | exp (s) | status |`,
    "| ---: | ---: | ---: | :---: |",
    `| ${n}a | ${1767225600000 + n * 997} | ${1767225600 + n - 30} | 200 |`,
    `| ${n}b | ${1767225600000 + n * 997 + 30_000} | ${1767225600 + n - 30} | 401 |`,
    "",
    `- the boundary held in all ${n * 10} repetitions`,
    "- no test reads `Date.now()` directly any more",
    "",
  );
}

/** The write-up, with as many appendices as it takes to reach `minLength` characters. */
export function longMarkdown(minLength: number): string {
  let text = LONG_MESSAGE;
  for (let n = 1; Array.from(text).length < minLength; n++) text += appendix(n);
  return text;
}

/** `_meta` keys on each `/firehose` chunk: wall-clock send time (ms since epoch, sub-millisecond) and chunk index. */
export const FIREHOSE_META = { sentAt: "sandbox-workspace/sentAt", index: "sandbox-workspace/index" } as const;
