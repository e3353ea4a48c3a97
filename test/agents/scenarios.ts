/**
 * The recorded scenarios: the files the agent works on, the user's prompts, the fake model's
 * script for each, and how the recorder answers permission requests or cancels.
 */
import type { ModelScript, ModelStep } from "./fake-model.js";

export const SCENARIOS = ["review", "reject", "cancel", "followup", "permissions"] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** The work folder every recording starts from. */
export const WORK_FILES: Record<string, string> = {
  "notes.md": ["# Release notes", "", "Status: draft", "", "- Add a greeting script", "- Document the review steps", ""].join("\n"),
  "greet.sh": ["#!/bin/sh", 'echo "Hello, ${1:-world}!"', ""].join("\n"),
};

export type PermissionAnswer = "allow" | "reject";

export interface PermissionInfo {
  /** 0 for the first request of the recording, 1 for the next... */
  index: number;
  /** The request's tool call kind (`edit`, `execute`...), when the agent says. */
  kind?: string;
  title?: string;
}

export interface Scenario {
  name: ScenarioName;
  description: string;
  /** One prompt per turn, sent in order. */
  prompts: string[];
  answer(permission: PermissionInfo): PermissionAnswer;
  /** Cancel (destroy the session) once this many non-empty message chunks have streamed. */
  cancelAfterChunks?: number;
  script(workDir: string): ModelScript;
}

const REVIEW_PROMPT = "Please review notes.md: run greet.sh, mark the notes as reviewed, and summarise what you did.";

const FINAL_ANSWER = [
  "## Review complete",
  "",
  "I checked the notes and the greeting script:",
  "",
  "1. Read `notes.md`: two items, and the status was *draft*.",
  "2. Ran `greet.sh`: it prints a greeting.",
  "3. Marked the notes as **reviewed**.",
  "",
  "- [x] Notes read",
  "- [x] Script run",
  "- [x] Status updated",
  "",
  "Try it with a name:",
  "",
  "```sh",
  "sh greet.sh Ada",
  "# Hello, Ada!",
  "```",
].join("\n");

function reviewSteps(): ModelStep[] {
  return [
    {
      thinking: "The user wants a review of notes.md. I should plan the work, read the notes, run the script and update the status.",
      text: "I'll start with a short todo list.",
      tools: [
        {
          kind: "todo",
          items: [
            { content: "Read notes.md", status: "in_progress" },
            { content: "Run greet.sh", status: "pending" },
            { content: "Mark the notes as reviewed", status: "pending" },
          ],
        },
      ],
    },
    { text: "Let me read the notes first.", tools: [{ kind: "read", path: "notes.md" }] },
    {
      thinking: "The notes mention a greeting script. Running it shows whether it works.",
      tools: [{ kind: "shell", command: "ls -1 && sh greet.sh", description: "List the files and run the greeting script" }],
    },
    {
      text: "The script works. Now I'll mark the notes as reviewed.",
      tools: [{ kind: "edit", path: "notes.md", oldText: "Status: draft", newText: "Status: reviewed" }],
    },
    {
      tools: [
        {
          kind: "todo",
          items: [
            { content: "Read notes.md", status: "completed" },
            { content: "Run greet.sh", status: "completed" },
            { content: "Mark the notes as reviewed", status: "completed" },
          ],
        },
      ],
    },
    { text: FINAL_ANSWER },
  ];
}

const isEdit = (p: PermissionInfo) => p.kind === "edit" || /\b(edit|patch|write)\b/i.test(p.title ?? "");

const LONG_ANSWER = [
  "## How greet.sh works",
  "",
  "The script is a single `echo` line. It reads the first argument and falls back to `world` when none is given, so `sh greet.sh` prints a greeting for everyone while `sh greet.sh Ada` greets Ada by name.",
  "",
  "1. The shebang picks `/bin/sh`, so it runs in any POSIX shell.",
  "2. `${1:-world}` expands to the first argument, or to `world` when it is empty or unset.",
  "3. The double quotes keep names with spaces together.",
  "",
  "There is more to say about quoting, exit codes and how the script could grow a `--help` flag, and about testing it with a tiny harness that runs it with and without arguments and compares the output line by line.",
].join("\n");

export const SCENARIO_LIST: Scenario[] = [
  {
    name: "review",
    description: "a full review turn: todo list, read, a command and an edit (both allowed), a markdown answer",
    prompts: [REVIEW_PROMPT],
    answer: () => "allow",
    script: (workDir) => ({ workDir, turns: [{ prompt: REVIEW_PROMPT, steps: reviewSteps() }] }),
  },
  {
    name: "reject",
    description: "the review turn with the edit's permission rejected",
    prompts: [REVIEW_PROMPT],
    answer: (p) => (isEdit(p) || p.index >= 1 ? "reject" : "allow"),
    script: (workDir) => ({ workDir, turns: [{ prompt: REVIEW_PROMPT, steps: reviewSteps() }] }),
  },
  {
    name: "cancel",
    description: "a slowly streamed answer, cancelled mid-message",
    prompts: ["Explain in detail what greet.sh does."],
    answer: () => "allow",
    cancelAfterChunks: 8,
    script: (workDir) => ({
      workDir,
      turns: [
        {
          prompt: "Explain in detail what greet.sh does.",
          steps: [{ thinking: "A short script; I can explain it line by line.", text: LONG_ANSWER, chunkDelayMs: 150 }],
        },
      ],
    }),
  },
  {
    name: "followup",
    description: "a first turn (read, answer), then a follow-up prompt (read, answer with code)",
    prompts: ["What is the status in notes.md?", "Thanks. What does greet.sh print?"],
    answer: () => "allow",
    script: (workDir) => ({
      workDir,
      turns: [
        {
          prompt: "What is the status in notes.md?",
          steps: [
            { thinking: "I need to look at the file.", tools: [{ kind: "read", path: "notes.md" }] },
            { text: "The notes are still a **draft**. They list two items:\n\n- Add a greeting script\n- Document the review steps" },
          ],
        },
        {
          prompt: "Thanks. What does greet.sh print?",
          steps: [
            { tools: [{ kind: "read", path: "greet.sh" }] },
            { text: "It prints a greeting, `world` by default:\n\n```console\n$ sh greet.sh\nHello, world!\n$ sh greet.sh Ada\nHello, Ada!\n```" },
          ],
        },
      ],
    }),
  },
  {
    name: "permissions",
    description: "three permission requests in one turn (two commands and an edit), all allowed",
    prompts: ["Greet Ada and Grace with greet.sh, then mark notes.md as reviewed."],
    answer: () => "allow",
    script: (workDir) => ({
      workDir,
      turns: [
        {
          prompt: "Greet Ada and Grace with greet.sh, then mark notes.md as reviewed.",
          steps: [
            { text: "First Ada.", tools: [{ kind: "shell", command: "sh greet.sh Ada", description: "Greet Ada" }] },
            { text: "Now Grace.", tools: [{ kind: "shell", command: "sh greet.sh Grace", description: "Greet Grace" }] },
            { tools: [{ kind: "read", path: "notes.md" }] },
            { tools: [{ kind: "edit", path: "notes.md", oldText: "Status: draft", newText: "Status: reviewed" }] },
            { text: "Done:\n\n- [x] Greeted Ada\n- [x] Greeted Grace\n- [x] Marked `notes.md` as reviewed" },
          ],
        },
      ],
    }),
  },
];

export function scenario(name: ScenarioName): Scenario {
  return SCENARIO_LIST.find((s) => s.name === name)!;
}
