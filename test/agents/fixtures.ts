/**
 * Turning a recorded session into a commit-ready fixture: machine paths replaced by stable
 * placeholders, a check that nothing of this machine is left, and the README that counts what
 * each recording holds.
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import type { SessionEvent } from "sandbox-agent";
import { AGENT_SPECS, AGENTS, type AgentName } from "../../demo/agents.js";
import { FAKE_API_KEY } from "./fake-model.js";
import { SCENARIO_LIST } from "./scenarios.js";

/** The placeholders fixtures use instead of this machine's folders. */
export const PLACEHOLDERS = { workDir: "/workspace", tempRoot: "/sandbox", repo: "/repo" } as const;

export interface Replacement {
  from: string;
  to: string;
}

/** Longest first, and each absolute path also without its leading slash (OpenCode's titles). */
export function pathReplacements(paths: { workDir: string; tempRoot: string; repo: string; extra?: Replacement[] }): Replacement[] {
  const base: Replacement[] = [
    { from: paths.workDir, to: PLACEHOLDERS.workDir },
    { from: paths.tempRoot, to: PLACEHOLDERS.tempRoot },
    { from: paths.repo, to: PLACEHOLDERS.repo },
    ...(paths.extra ?? []),
  ];
  const all = base.flatMap((r) => (r.from.startsWith("/") ? [r, { from: r.from.slice(1), to: r.to.slice(1) }] : [r]));
  return all.filter((r) => r.from.length > 1).sort((a, b) => b.from.length - a.from.length);
}

/** Replaces machine paths in every string of the events; nothing else is changed or dropped. */
export function sanitizeEvents(events: SessionEvent[], replacements: Replacement[]): SessionEvent[] {
  let json = JSON.stringify(events);
  for (const { from, to } of replacements) json = json.split(jsonFragment(from)).join(jsonFragment(to));
  return JSON.parse(json) as SessionEvent[];
}

/** What must not be in a fixture: this machine's temp and home folders, and the fake key. */
export function leftovers(events: SessionEvent[], extra: string[] = []): string[] {
  const json = JSON.stringify(events);
  const suspects = [`${tmpdir()}/`, `${homedir()}/`, FAKE_API_KEY, ...extra].filter((s) => s.length > 2);
  return suspects.filter((s) => json.includes(jsonFragment(s)));
}

function jsonFragment(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

/** A name for each entry: the JSON-RPC method (and `sessionUpdate`), or which response. */
export function entryType(event: SessionEvent): string {
  const payload = event.payload as Record<string, unknown>;
  const method = typeof payload.method === "string" ? payload.method : undefined;
  if (method === "session/update") {
    const update = (payload.params as { update?: { sessionUpdate?: string } } | undefined)?.update;
    return `session/update ${update?.sessionUpdate ?? "?"}`;
  }
  if (method) return `${method} (${"id" in payload ? "request" : "notification"}, ${event.sender})`;
  if ("error" in payload) return `error response (${event.sender})`;
  if ("result" in payload) return `result (${event.sender})`;
  return `other (${event.sender})`;
}

export function countTypes(events: SessionEvent[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const event of events) {
    const type = entryType(event);
    counts.set(type, (counts.get(type) ?? 0) + 1);
  }
  return counts;
}

export async function writeFixture(dir: string, name: string, events: SessionEvent[]): Promise<string> {
  const file = join(dir, `${name}.json`);
  await writeFile(file, `${JSON.stringify(events, null, 2)}\n`);
  return file;
}

/** Rewrites the README from the fixtures present in `dir`, so a partial re-recording keeps the rest. */
export async function writeReadme(dir: string, versions: Partial<Record<AgentName, string[]>>): Promise<void> {
  const files = (await readdir(dir)).filter((f) => f.endsWith(".json")).sort();
  const lines = [
    "# Recorded agent sessions",
    "",
    "Real coding agents recorded through the real sandbox-agent daemon (`@sandbox-agent/cli` 0.4.2) with the",
    "`sandbox-agent` SDK: each file is `sdk.getEvents()` for one session (all pages), an array of `SessionEvent`s",
    "exactly as the SDK returns them. Only the model is fake: a local scripted server (`test/agents/fake-model.ts`)",
    "that streams the Anthropic Messages, OpenAI Responses and Chat Completions APIs. The agent runs its tools for",
    `real in a temporary folder holding \`notes.md\` and \`greet.sh\`, shown here as \`${PLACEHOLDERS.workDir}\`; other`,
    `temporary paths appear as \`${PLACEHOLDERS.tempRoot}\`. Nothing else is changed or removed.`,
    "",
    "Recorded with:",
    "",
    "```sh",
    "npm run record:agents                          # every agent and scenario",
    "npm run record:agents -- claude review cancel  # some of them",
    "```",
    "",
    "Claude Code's adapter is a devDependency; Codex's and OpenCode's are installed on demand into the",
    "git-ignored `.agents/` folder. Codex needs bubblewrap (`bwrap`) for its sandbox.",
    "",
    "## Agents",
    "",
    "| agent | adapter and agent versions | model API |",
    "|---|---|---|",
    ...AGENTS.map((agent) => `| \`${agent}\` | ${(versions[agent] ?? [`${AGENT_SPECS[agent].package}@${AGENT_SPECS[agent].version}`]).join(", ")} | ${dialectName(AGENT_SPECS[agent].dialect)} |`),
    "",
    "## Scenarios",
    "",
    ...SCENARIO_LIST.map((s) => `- \`${s.name}\`: ${s.description}.`),
    "",
    "## Recordings",
    "",
  ];
  for (const file of files) {
    const events = JSON.parse(await readFile(join(dir, file), "utf8")) as SessionEvent[];
    const counts = [...countTypes(events)].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    lines.push(`### ${file.replace(/\.json$/, "")}`, "", `${events.length} events.`, "", "| entry | count |", "|---|---|");
    for (const [type, count] of counts) lines.push(`| \`${type}\` | ${count} |`);
    lines.push("");
  }
  await writeFile(join(dir, "README.md"), lines.join("\n"));
}

function dialectName(dialect: string): string {
  return dialect === "anthropic" ? "Anthropic Messages (SSE)" : dialect === "responses" ? "OpenAI Responses (SSE)" : "OpenAI Chat Completions (SSE)";
}
