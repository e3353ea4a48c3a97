/**
 * Records real agent sessions as fixtures:
 *
 *   npm run record:agents [-- <agent|scenario>... --verbose --debug-dir <dir>]
 *
 * For each agent and scenario: a fresh temp folder with `notes.md` and `greet.sh`, the fake model
 * playing the scenario's script, the real sandbox-agent daemon with the agent in its slot, and a
 * session driven through the `sandbox-agent` SDK (prompts, permission answers, a cancel). The
 * session's `getEvents` (all pages) goes to `test/fixtures/agents/<agent>-<scenario>.json` with
 * machine paths replaced, and the README there is rewritten. Everything started is stopped, also
 * on errors and Ctrl-C.
 */
import { appendFileSync, rmSync } from "node:fs";
import { mkdir, mkdtemp, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { InMemorySessionPersistDriver, SandboxAgent, type SessionEvent, type SessionPermissionRequest } from "sandbox-agent";
import { startDaemon, type Daemon } from "../../demo/daemon.js";
import { AGENTS, AgentUnavailableError, findAgent, installAgent, prepareAgentSlot, type AgentInstall, type AgentName } from "../../demo/agents.js";
import { fakeBackend, startFakeModel, type FakeModel, type ModelRequestRecord } from "./fake-model.js";
import { leftovers, pathReplacements, sanitizeEvents, writeFixture, writeReadme } from "./fixtures.js";
import { SCENARIOS, WORK_FILES, scenario as scenarioNamed, type Scenario, type ScenarioName } from "./scenarios.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const FIXTURE_DIR = join(ROOT, "test", "fixtures", "agents");

const START_TIMEOUT_MS = 90_000;
const PROMPT_TIMEOUT_MS = 180_000;
/** After the last prompt: wait until no event has arrived for this long (late updates do come). */
const SETTLE_MS = 1500;

/**
 * When the daemon cannot start an agent (say, it tries to download one), the SDK rejects a
 * promise nobody awaits and `createSession` never settles: the unhandled rejection, passed
 * here, fails the session start instead.
 */
let failStart: ((reason: unknown) => void) | undefined;

export function failSessionStart(reason: unknown): boolean {
  if (!failStart) return false;
  failStart(reason);
  return true;
}

export interface RecordOptions {
  agent: AgentName;
  install: AgentInstall;
  scenario: Scenario;
  model: FakeModel;
  log: (line: string) => void;
  verbose?: boolean;
  /** Called with the temp folder as soon as it exists, so a signal handler can remove it. */
  onTempRoot?: (dir: string | undefined) => void;
}

export interface Recording {
  events: SessionEvent[];
  stopReasons: string[];
  /** Paths of this machine to replace with placeholders. */
  paths: { workDir: string; tempRoot: string };
}

/** Runs one scenario with one agent and returns the session's events as the SDK recorded them. */
export async function recordScenario(options: RecordOptions): Promise<Recording> {
  const { agent, scenario, model, log } = options;
  const tempRoot = await realpath(await mkdtemp(join(tmpdir(), `sandbox-workspace-record-${agent}-`)));
  options.onTempRoot?.(tempRoot);
  const workDir = join(tempRoot, "work");
  const dataDir = join(tempRoot, "data");
  let daemon: Daemon | undefined;
  let sdk: SandboxAgent | undefined;
  try {
    await mkdir(workDir, { recursive: true });
    for (const [name, text] of Object.entries(WORK_FILES)) await writeFile(join(workDir, name), text, { mode: name.endsWith(".sh") ? 0o755 : 0o644 });
    model.setScript(scenario.script(workDir));
    await prepareAgentSlot({ dataDir, agent, fakeModel: fakeBackend(model), install: options.install });
    daemon = await startDaemon({ dataDir, startTimeoutMs: 30_000, onLog: options.verbose ? (line) => log(`  daemon: ${line}`) : undefined });
    // The default in-memory store keeps 500 events per session; keep them all.
    sdk = await SandboxAgent.connect({ baseUrl: daemon.url, persist: new InMemorySessionPersistDriver({ maxEventsPerSession: 1_000_000 }) });
    const startFailed = new Promise<never>((_, reject) => (failStart = reject));
    const session = await withTimeout(Promise.race([sdk.createSession({ agent, cwd: workDir }), startFailed]), START_TIMEOUT_MS, `no session after ${START_TIMEOUT_MS / 1000} s`).finally(
      () => (failStart = undefined),
    );

    let permissions = 0;
    session.onPermissionRequest((request) => {
      const info = { index: permissions++, kind: request.toolCall.kind ?? undefined, title: request.toolCall.title ?? undefined };
      const answer = scenario.answer(info);
      const optionId = pickOption(request, answer);
      log(`  permission ${info.index} (${info.kind ?? "?"}: ${info.title ?? "?"}): ${answer} -> ${optionId}`);
      session.rawRespondPermission(request.id, { outcome: { outcome: "selected", optionId } }).catch((error: unknown) => log(`  permission answer failed: ${String(error)}`));
    });

    let cancelled: Promise<unknown> | undefined;
    if (scenario.cancelAfterChunks !== undefined) {
      let chunks = 0;
      session.onEvent((event) => {
        if (cancelled || !isTextChunk(event)) return;
        if (++chunks >= scenario.cancelAfterChunks!) {
          log(`  cancelling after ${chunks} message chunks`);
          cancelled = sdk!.destroySession(session.id);
        }
      });
    }

    const stopReasons: string[] = [];
    for (const prompt of scenario.prompts) {
      log(`  prompt: ${prompt}`);
      const result = await withTimeout(session.prompt([{ type: "text", text: prompt }]), PROMPT_TIMEOUT_MS, `the agent did not finish the turn in ${PROMPT_TIMEOUT_MS / 1000} s`);
      stopReasons.push(String(result.stopReason));
      log(`  stopReason: ${result.stopReason}`);
      if (cancelled) break;
    }
    if (scenario.cancelAfterChunks !== undefined && !cancelled) throw new Error("the answer ended before the recorder could cancel it");
    if (cancelled) await cancelled;
    const events = await settle(sdk, session.id);
    return { events, stopReasons, paths: { workDir, tempRoot } };
  } finally {
    // After a failed agent start the SDK's dispose can wait forever; the daemon's stop ends it all.
    if (sdk) await withTimeout(sdk.dispose(), 5000, "dispose").catch(() => {});
    await daemon?.stop();
    await rm(tempRoot, { recursive: true, force: true });
    options.onTempRoot?.(undefined);
  }
}

/** The agent's option for an answer: `allow_once` (else `allow_always`), or `reject_once` (else `reject_always`). */
function pickOption(request: SessionPermissionRequest, answer: "allow" | "reject"): string {
  const kinds = answer === "allow" ? ["allow_once", "allow_always"] : ["reject_once", "reject_always"];
  for (const kind of kinds) {
    const option = request.options.find((o) => o.kind === kind);
    if (option) return option.optionId;
  }
  throw new Error(`no ${answer} option in ${JSON.stringify(request.options)}`);
}

function isTextChunk(event: SessionEvent): boolean {
  const payload = event.payload as { method?: string; params?: { update?: { sessionUpdate?: string; content?: { text?: string } } } };
  const update = payload.method === "session/update" ? payload.params?.update : undefined;
  return update?.sessionUpdate === "agent_message_chunk" && !!update.content?.text;
}

/** All pages of the session's events, once nothing new has arrived for SETTLE_MS. */
async function settle(sdk: SandboxAgent, sessionId: string): Promise<SessionEvent[]> {
  let events = await allEvents(sdk, sessionId);
  for (let waited = 0; waited < 15_000; ) {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    waited += SETTLE_MS;
    const next = await allEvents(sdk, sessionId);
    if (next.length === events.length) return next;
    events = next;
  }
  return events;
}

export async function allEvents(sdk: SandboxAgent, sessionId: string): Promise<SessionEvent[]> {
  const events: SessionEvent[] = [];
  let cursor: string | undefined;
  do {
    const page = await sdk.getEvents({ sessionId, cursor, limit: 500 });
    events.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return events;
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The SDK's HTTP errors carry the daemon's problem details (e.g. which install failed, and why). */
function describeError(error: unknown): string {
  const problem = (error as { problem?: { detail?: string; details?: { stderr?: string } } }).problem;
  const message = (error as Error).message ?? String(error);
  return problem ? [message, problem.detail, problem.details?.stderr].filter(Boolean).join(": ") : message;
}

function parseArgs(argv: string[]): { agents: AgentName[]; scenarios: ScenarioName[]; verbose: boolean; debugDir?: string } {
  const agents: AgentName[] = [];
  const scenarios: ScenarioName[] = [];
  let verbose = false;
  let debugDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--verbose" || arg === "-v") verbose = true;
    else if (arg === "--debug-dir") debugDir = argv[++i];
    else if ((AGENTS as readonly string[]).includes(arg)) agents.push(arg as AgentName);
    else if ((SCENARIOS as readonly string[]).includes(arg)) scenarios.push(arg as ScenarioName);
    else throw new Error(`unknown argument ${arg}: expected an agent (${AGENTS.join(", ")}), a scenario (${SCENARIOS.join(", ")}), --verbose or --debug-dir <dir>`);
  }
  return { agents: agents.length ? agents : [...AGENTS], scenarios: scenarios.length ? scenarios : [...SCENARIOS], verbose, debugDir };
}

async function main(): Promise<number> {
  const { agents, scenarios, verbose, debugDir } = parseArgs(process.argv.slice(2));
  const log = (line: string) => console.log(line);
  // Ctrl-C: the daemon module stops its daemons; remove the temp folder of the recording under way.
  let tempRoot: string | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (tempRoot) rmSync(tempRoot, { recursive: true, force: true });
    console.error(`\n${signal}: stopped`);
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, onSignal);
  process.on("exit", () => tempRoot && rmSync(tempRoot, { recursive: true, force: true }));
  process.on("unhandledRejection", (reason) => {
    if (!failSessionStart(reason)) log(`  unhandled rejection: ${(reason as Error)?.message ?? String(reason)}`);
  });

  // --debug-dir: every model request body, one JSON line each, to see what an agent sent.
  if (debugDir) await mkdir(debugDir, { recursive: true });
  const onRequest = debugDir ? (record: ModelRequestRecord, body: unknown) => appendFileSync(join(debugDir, "model-requests.jsonl"), `${JSON.stringify({ ...record, body })}\n`) : undefined;
  const model = await startFakeModel({ onLog: (line) => log(`  ${line}`), onRequest });
  const failures: string[] = [];
  const versions: Partial<Record<AgentName, string[]>> = {};
  await mkdir(FIXTURE_DIR, { recursive: true });
  try {
    for (const agent of agents) {
      let install: AgentInstall;
      try {
        install = await installAgent(agent, { log });
      } catch (error) {
        const message = error instanceof AgentUnavailableError ? error.message : String(error);
        log(`${agent}: skipped: ${message}`);
        failures.push(`${agent}: ${message}`);
        continue;
      }
      versions[agent] = install.versions;
      for (const name of scenarios) {
        const started = Date.now();
        log(`${agent}-${name}: recording (${install.versions.join(", ")})`);
        try {
          const recording = await recordScenario({ agent, install, scenario: scenarioNamed(name), model, log, verbose, onTempRoot: (dir) => (tempRoot = dir) });
          const replacements = pathReplacements({ ...recording.paths, repo: ROOT.replace(/\/$/, "") });
          const events = sanitizeEvents(recording.events, replacements);
          const left = leftovers(events, [recording.paths.tempRoot]);
          if (left.length > 0) throw new Error(`the events still contain ${left.join(", ")}; fixture not written`);
          const file = await writeFixture(FIXTURE_DIR, `${agent}-${name}`, events);
          log(`${agent}-${name}: ${events.length} events, stop reasons ${recording.stopReasons.join(", ") || "none"}, ${((Date.now() - started) / 1000).toFixed(1)} s -> ${file.slice(ROOT.length)}`);
        } catch (error) {
          log(`${agent}-${name}: FAILED: ${(error as Error).stack ?? error}`);
          failures.push(`${agent}-${name}: ${describeError(error)}`);
        }
        if (verbose) log(`  model requests: ${JSON.stringify(model.requests.splice(0))}`);
        else model.requests.splice(0);
      }
    }
    // The README lists every agent: versions of those not recorded now come from their installs.
    for (const agent of AGENTS) versions[agent] ??= await findAgent(agent).then((found) => found.versions, () => undefined);
    await writeReadme(FIXTURE_DIR, versions);
  } finally {
    await model.close();
  }
  if (failures.length > 0) {
    console.error(`\nNot recorded:\n${failures.map((f) => `- ${f}`).join("\n")}`);
    return 1;
  }
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === (await realpath(process.argv[1]).catch(() => process.argv[1]))) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
