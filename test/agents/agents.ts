/**
 * Real coding agents in a sandbox-agent daemon's slot, pointed at the fake model: where each
 * agent's ACP adapter comes from, and the launcher plus isolated HOME and config it runs with.
 *
 *   const install = await findAgent("claude");                  // or installAgent() for codex/opencode
 *   await prepareAgentSlot({ dataDir, agent: "claude", modelUrl: model.url, workDir, install });
 *   const daemon = await startDaemon({ dataDir });               // the daemon now runs `claude`
 *
 * Claude Code's adapter is a devDependency. Codex's and OpenCode's are not: `installAgent` puts
 * them in a git-ignored cache folder (`.agents/` in the repository) with `npm install --prefix`.
 */
import { execFile } from "node:child_process";
import { constants as fsConstants, existsSync } from "node:fs";
import { access, chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { FAKE_API_KEY, FAKE_MODEL_ID } from "./fake-model.js";

export const AGENTS = ["claude", "codex", "opencode"] as const;
export type AgentName = (typeof AGENTS)[number];

export interface AgentSpec {
  /** The npm package that provides the ACP adapter, pinned. */
  package: string;
  version: string;
  /** Whether it is a devDependency (else installed on demand into the cache folder). */
  devDependency: boolean;
  /** The model API dialect the agent speaks. */
  dialect: "anthropic" | "responses" | "chat";
}

export const AGENT_SPECS: Record<AgentName, AgentSpec> = {
  claude: { package: "@zed-industries/claude-agent-acp", version: "0.20.0", devDependency: true, dialect: "anthropic" },
  codex: { package: "@zed-industries/codex-acp", version: "0.16.0", devDependency: false, dialect: "responses" },
  opencode: { package: "opencode-ai", version: "1.18.33", devDependency: false, dialect: "chat" },
};

/** Where the adapter of an installed agent is, and what it is. */
export interface AgentInstall {
  agent: AgentName;
  /** The command the launcher runs (before the daemon's own arguments). */
  command: string[];
  /** `package@version` of the adapter, and of the agent inside it where that is a separate package. */
  versions: string[];
}

/** Raised when an agent cannot run here; the message says what to do. */
export class AgentUnavailableError extends Error {}

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** The git-ignored folder where agents that are not devDependencies get installed. */
export const AGENT_CACHE = join(ROOT, ".agents");

/** The model slug Codex is configured with (answered by the fake model all the same). */
export const CODEX_MODEL = "gpt-5.3-codex";

const platformTag = `${process.platform}-${process.arch}`;

/** Finds an installed agent (node_modules for Claude, the cache folder for the others). */
export async function findAgent(agent: AgentName, cacheDir = AGENT_CACHE): Promise<AgentInstall> {
  const spec = AGENT_SPECS[agent];
  const from = spec.devDependency ? ROOT : join(cacheDir, agent);
  const require = createRequire(join(from, "package.json"));
  const resolvePackage = (name: string, base = require) => {
    try {
      return dirname(base.resolve(`${name}/package.json`));
    } catch {
      return undefined;
    }
  };
  const adapterDir = resolvePackage(spec.package);
  if (!adapterDir) {
    throw new AgentUnavailableError(
      spec.devDependency
        ? `${spec.package} is not installed: run \`npm install\` (it is a devDependency).`
        : `${spec.package}@${spec.version} is not installed in ${from}: \`npm run record:agents -- ${agent}\` installs it there, or run \`npm install --prefix ${from} ${spec.package}@${spec.version}\`.`,
    );
  }
  const version = (JSON.parse(await readFile(join(adapterDir, "package.json"), "utf8")) as { version: string }).version;
  if (version !== spec.version) throw new AgentUnavailableError(`${spec.package} is ${version}, expected ${spec.version}.`);
  const adapterRequire = createRequire(join(adapterDir, "package.json"));

  if (agent === "claude") {
    const sdkDir = resolvePackage("@anthropic-ai/claude-agent-sdk", adapterRequire);
    if (!sdkDir) throw new AgentUnavailableError("@anthropic-ai/claude-agent-sdk (Claude Code) is missing next to the adapter: run `npm install`.");
    const sdk = JSON.parse(await readFile(join(sdkDir, "package.json"), "utf8")) as { version: string; claudeCodeVersion?: string };
    return {
      agent,
      command: [process.execPath, join(adapterDir, "dist", "index.js")],
      versions: [`${spec.package}@${version}`, `@anthropic-ai/claude-agent-sdk@${sdk.version}`, `Claude Code ${sdk.claudeCodeVersion ?? "?"}`],
    };
  }
  // Codex and OpenCode ship native binaries in per-platform packages; npm 11 runs no install
  // scripts, so run the binary directly and make sure it is executable.
  const binaryPackage = agent === "codex" ? `@zed-industries/codex-acp-${platformTag}` : `opencode-${platformTag}`;
  const binaryDir = resolvePackage(binaryPackage, adapterRequire) ?? resolvePackage(binaryPackage);
  if (!binaryDir) throw new AgentUnavailableError(`${binaryPackage} is missing (no build of ${spec.package} for ${platformTag}?).`);
  const binary = join(binaryDir, "bin", agent === "codex" ? "codex-acp" : "opencode");
  if (!existsSync(binary)) throw new AgentUnavailableError(`${binary} is missing.`);
  await ensureExecutable(binary);
  if (agent === "codex" && !(await onPath("bwrap"))) {
    throw new AgentUnavailableError("Codex's sandbox needs bubblewrap (`bwrap`), which is not installed: on Debian/Ubuntu run `apt-get install -y bubblewrap`.");
  }
  return { agent, command: agent === "codex" ? [binary] : [binary, "acp"], versions: [`${spec.package}@${version}`] };
}

/** Installs a non-devDependency agent into the cache folder (`npm install --prefix`), then finds it. */
export async function installAgent(agent: AgentName, options: { cacheDir?: string; log?: (line: string) => void } = {}): Promise<AgentInstall> {
  const cacheDir = options.cacheDir ?? AGENT_CACHE;
  try {
    return await findAgent(agent, cacheDir);
  } catch (error) {
    const spec = AGENT_SPECS[agent];
    if (spec.devDependency || !(error instanceof AgentUnavailableError) || /bubblewrap/.test(error.message)) throw error;
    const prefix = join(cacheDir, agent);
    await mkdir(prefix, { recursive: true });
    options.log?.(`installing ${spec.package}@${spec.version} into ${prefix}`);
    try {
      await promisify(execFile)("npm", ["install", "--prefix", prefix, "--no-audit", "--no-fund", "--save-exact", `${spec.package}@${spec.version}`], { maxBuffer: 16 * 1024 * 1024 });
    } catch (installError) {
      throw new AgentUnavailableError(`npm install of ${spec.package}@${spec.version} failed: ${(installError as Error).message}`);
    }
    return findAgent(agent, cacheDir);
  }
}

export interface AgentSlotOptions {
  /** The daemon's XDG_DATA_HOME (its `dataDir`), before the daemon starts. */
  dataDir: string;
  agent: AgentName;
  /** The fake model's base URL (`FakeModel.url`). */
  modelUrl: string;
  /** The folder the agent will work in (the session's cwd). */
  workDir: string;
  /** From findAgent/installAgent; found when omitted. */
  install?: AgentInstall;
}

export interface AgentSlot {
  /** The launcher the daemon runs: `<dataDir>/sandbox-agent/bin/agent_processes/<agent>-acp`. */
  launcher: string;
  /** The agent's private HOME (config, caches, its own session files), inside the data dir. */
  home: string;
  install: AgentInstall;
}

/**
 * Installs `agent` in a daemon's slot: an isolated HOME with the agent's config pointing at the
 * fake model, and the `<agent>-acp` launcher that exports that environment and runs the adapter.
 */
export async function prepareAgentSlot(options: AgentSlotOptions): Promise<AgentSlot> {
  const install = options.install ?? (await findAgent(options.agent));
  const bin = join(options.dataDir, "sandbox-agent", "bin");
  const processes = join(bin, "agent_processes");
  const home = join(options.dataDir, "agent-home", options.agent);
  await mkdir(processes, { recursive: true });
  await mkdir(home, { recursive: true });
  const env: Record<string, string> = {
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    XDG_DATA_HOME: join(home, ".local", "share"),
    XDG_CACHE_HOME: join(home, ".cache"),
    XDG_STATE_HOME: join(home, ".local", "state"),
  };

  if (options.agent === "claude") {
    const sdkCli = join(dirname(createRequire(install.command[1]).resolve("@anthropic-ai/claude-agent-sdk/package.json")), "cli.js");
    Object.assign(env, {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      CLAUDE_CONFIG_DIR: join(home, ".claude"),
      ANTHROPIC_BASE_URL: options.modelUrl,
      ANTHROPIC_API_KEY: FAKE_API_KEY,
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
      DISABLE_AUTOUPDATER: "1",
      DISABLE_TELEMETRY: "1",
      DISABLE_ERROR_REPORTING: "1",
      // The adapter offers bypassPermissions unless it runs as root outside a sandbox, and Claude
      // Code refuses that flag as root without this: the same modes and a working start everywhere.
      IS_SANDBOX: "1",
    });
    await mkdir(env.CLAUDE_CONFIG_DIR, { recursive: true });
    // claude-agent-acp 0.20 starts Claude Code with an empty environment (only what a client's
    // `_meta` passes), so Claude Code gets a wrapper that sets it; a path not ending in `.js` is
    // run as a program.
    const claudeCode = join(home, "claude-code");
    // Its stderr would be dropped; keep it in the agent's HOME for when something goes wrong.
    const script = shellScript(`${install.versions.at(-1) ?? "Claude Code"} against a fake model`, env, [process.execPath, sdkCli]).replace(/"\$@"\n$/, `"$@" 2>>"$HOME/claude-code.stderr"\n`);
    await writeFile(claudeCode, script, { mode: 0o755 });
    await chmod(claudeCode, 0o755);
    env.CLAUDE_CODE_EXECUTABLE = claudeCode;
  } else if (options.agent === "codex") {
    const codexHome = join(home, ".codex");
    env.CODEX_HOME = codexHome;
    env.OPENAI_API_KEY = FAKE_API_KEY;
    // Codex links its sandbox helper (`codex-linux-sandbox`, run by bwrap) into CODEX_HOME, but
    // refuses to under the temp dir, where a daemon's data dir usually is; give it its own TMPDIR.
    env.TMPDIR = join(home, ".tmp");
    await mkdir(env.TMPDIR, { recursive: true });
    await mkdir(codexHome, { recursive: true });
    await writeFile(
      join(codexHome, "config.toml"),
      [
        // A model Codex knows: an unknown one gets a warning message in the session and no apply_patch tool.
        `model = "${CODEX_MODEL}"`,
        `model_provider = "fake"`,
        `check_for_update_on_startup = false`,
        "",
        "[model_providers.fake]",
        `name = "Fake model"`,
        `base_url = "${options.modelUrl}/v1"`,
        `wire_api = "responses"`,
        `request_max_retries = 0`,
        `stream_max_retries = 0`,
        "",
        "[analytics]",
        "enabled = false",
        "",
      ].join("\n"),
    );
  } else {
    const configDir = join(env.XDG_CONFIG_HOME, "opencode");
    await mkdir(configDir, { recursive: true });
    const config = {
      $schema: "https://opencode.ai/config.json",
      autoupdate: false,
      share: "disabled",
      model: `fake/${FAKE_MODEL_ID}`,
      small_model: `fake/${FAKE_MODEL_ID}`,
      // OpenCode allows everything by default; ask, so that the recordings have permission requests.
      permission: { edit: "ask", bash: { "*": "ask" } },
      provider: {
        fake: {
          npm: "@ai-sdk/openai-compatible",
          name: "Fake model",
          options: { baseURL: `${options.modelUrl}/v1`, apiKey: FAKE_API_KEY },
          models: { [FAKE_MODEL_ID]: { name: "Fake model", reasoning: true, tool_call: true, limit: { context: 200000, output: 32000 } } },
        },
      },
    };
    env.OPENCODE_CONFIG = join(configDir, "opencode.json");
    await writeFile(env.OPENCODE_CONFIG, `${JSON.stringify(config, null, 2)}\n`);
    await stubOpencodePlugin(configDir);
    Object.assign(env, {
      OPENCODE_DISABLE_AUTOUPDATE: "1",
      OPENCODE_DISABLE_MODELS_FETCH: "1",
      OPENCODE_DISABLE_DEFAULT_PLUGINS: "1",
      OPENCODE_DISABLE_LSP_DOWNLOAD: "1",
      OPENCODE_DISABLE_SHARE: "1",
      OPENCODE_DISABLE_CLAUDE_CODE: "1",
    });
  }

  // Before it starts the adapter, the daemon checks for the agent's native CLI next to the
  // launcher and would download it (offline: "install failed"). The adapters here do not run it
  // (Claude's runs the SDK's cli.js, OpenCode's is the native binary itself), so a stand-in that
  // reports a version is enough.
  await writeFile(join(bin, options.agent), ["#!/bin/sh", `echo "${options.agent} 0.0.0 (stand-in written by sandbox-workspace's test/agents)"`, ""].join("\n"), { mode: 0o755 });
  await chmod(join(bin, options.agent), 0o755);

  const launcher = join(processes, `${options.agent}-acp`);
  await writeFile(launcher, shellScript(`${options.agent} (${install.versions.join(", ")}) against a fake model`, env, install.command), { mode: 0o755 });
  await chmod(launcher, 0o755);
  return { launcher, home, install };
}

/**
 * OpenCode runs `npm install @opencode-ai/plugin` in its config folder in the background unless
 * the folder already has it; a stub package and lock keep it offline.
 */
async function stubOpencodePlugin(configDir: string): Promise<void> {
  const version = AGENT_SPECS.opencode.version;
  const pluginDir = join(configDir, "node_modules", "@opencode-ai", "plugin");
  await mkdir(pluginDir, { recursive: true });
  await writeFile(join(pluginDir, "package.json"), `${JSON.stringify({ name: "@opencode-ai/plugin", version, main: "index.js" }, null, 2)}\n`);
  await writeFile(join(pluginDir, "index.js"), "module.exports = {};\n");
  await writeFile(join(configDir, "package.json"), `${JSON.stringify({ dependencies: { "@opencode-ai/plugin": version } }, null, 2)}\n`);
  await writeFile(
    join(configDir, "package-lock.json"),
    `${JSON.stringify(
      {
        name: "opencode",
        lockfileVersion: 3,
        requires: true,
        packages: { "": { dependencies: { "@opencode-ai/plugin": version } }, "node_modules/@opencode-ai/plugin": { version } },
      },
      null,
      2,
    )}\n`,
  );
}

async function ensureExecutable(path: string): Promise<void> {
  try {
    await access(path, fsConstants.X_OK);
  } catch {
    await chmod(path, 0o755);
  }
}

async function onPath(command: string): Promise<boolean> {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (!dir) continue;
    try {
      await access(join(dir, command), fsConstants.X_OK);
      return true;
    } catch {
      // Not in this one.
    }
  }
  return false;
}

/** `#!/bin/sh` that exports `env` and execs `command` with its own arguments. */
function shellScript(what: string, env: Record<string, string>, command: string[]): string {
  return [
    "#!/bin/sh",
    `# Written by sandbox-workspace's test/agents: ${what}.`,
    ...Object.entries(env).map(([key, value]) => `export ${key}=${shellQuote(value)}`),
    `exec ${command.map(shellQuote).join(" ")} "$@"`,
    "",
  ].join("\n");
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
