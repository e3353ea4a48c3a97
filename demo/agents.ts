/**
 * Real coding agents in a sandbox-agent daemon's slot: where each agent's ACP adapter comes from,
 * and the launcher it runs with, either against a fake model (recordings, tests: an isolated HOME
 * and config pointing at it) or against its real model API with the host's own credentials
 * (`npm start` with `WORKSPACE_AGENT=claude|codex|opencode`).
 *
 *   const install = await findAgent("claude");                  // or installAgent() for codex/opencode
 *   await prepareAgentSlot({ dataDir, agent: "claude", install, fakeModel });   // no fakeModel: the host's credentials
 *   const daemon = await startDaemon({ dataDir });               // the daemon now runs `claude`
 *
 * Claude Code's adapter is a devDependency. Codex's and OpenCode's are not: `installAgent` puts
 * them in a git-ignored cache folder (`.agents/` in the repository) with `npm install --prefix`,
 * and a host may have them on its PATH (`codex-acp`, `opencode`).
 */
import { execFile } from "node:child_process";
import { constants as fsConstants, existsSync } from "node:fs";
import { homedir } from "node:os";
import { access, chmod, mkdir, readFile, realpath, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

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

const ROOT = fileURLToPath(new URL("..", import.meta.url));
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

/** Each agent's ACP adapter as a host may have it on its PATH. */
const ON_PATH: Record<AgentName, { command: string; args: string[] }> = {
  claude: { command: "claude-agent-acp", args: [] },
  codex: { command: "codex-acp", args: [] },
  opencode: { command: "opencode", args: ["acp"] },
};

/**
 * The agent as a host has it: in node_modules or the cache folder (`findAgent`), else its adapter
 * on the PATH (any version). Throws an AgentUnavailableError that says how to install it.
 */
export async function findHostAgent(agent: AgentName): Promise<AgentInstall> {
  try {
    return await findAgent(agent);
  } catch (error) {
    if (!(error instanceof AgentUnavailableError) || /bubblewrap/.test(error.message)) throw error;
    const { command, args } = ON_PATH[agent];
    const found = await onPath(command);
    if (!found) throw new AgentUnavailableError(`${agent} is not installed. ${error.message} Or put its adapter on the PATH as \`${command}\`.`);
    if (agent === "codex" && !(await onPath("bwrap"))) {
      throw new AgentUnavailableError("Codex's sandbox needs bubblewrap (`bwrap`), which is not installed: on Debian/Ubuntu run `apt-get install -y bubblewrap`.");
    }
    const path = await realpath(found);
    // Claude's adapter is a script: run it with this Node, so that Claude Code is found beside it.
    return { agent, command: agent === "claude" ? [process.execPath, path] : [path, ...args], versions: [`${command} (${path})`] };
  }
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

/** A scripted stand-in for the agent's model API (test/agents/fake-model.ts). */
export interface FakeModelBackend {
  /** Its base URL. */
  url: string;
  apiKey: string;
  /** The model id it answers to. */
  modelId: string;
}

export interface AgentSlotOptions {
  /** The daemon's XDG_DATA_HOME (its `dataDir`), before the daemon starts. */
  dataDir: string;
  agent: AgentName;
  /**
   * The model the agent talks to. Given: the fake one, with an isolated HOME and config. Omitted:
   * the agent's real model API with the host's own credentials and HOME (see `missingCredentials`).
   */
  fakeModel?: FakeModelBackend;
  /** From findAgent/installAgent; found when omitted. */
  install?: AgentInstall;
}

export interface AgentSlot {
  /** The launcher the daemon runs: `<dataDir>/sandbox-agent/bin/agent_processes/<agent>-acp`. */
  launcher: string;
  /** The agent's HOME: a private one inside the data dir (fake model), or the host's. */
  home: string;
  install: AgentInstall;
}

/** What the environment of Claude Code keeps of the host's, with the host's credentials: its own and its cloud providers'. */
const CLAUDE_HOST_ENV = /^(ANTHROPIC_|CLAUDE_|AWS_|GOOGLE_|CLOUD_ML_|VERTEX_|HTTPS?_PROXY$|NO_PROXY$|NODE_EXTRA_CA_CERTS$|LANG$|LC_|USER$|SHELL$)/;

/**
 * Why `agent` could not talk to its model with the host's credentials, or undefined when some are
 * there (an API key in the environment, or the file its own login writes).
 */
export function missingCredentials(agent: AgentName, env: Record<string, string | undefined> = process.env): string | undefined {
  const home = env.HOME || homedir();
  const has = (...names: string[]) => names.some((name) => !!env[name]);
  if (agent === "claude") {
    const login = join(env.CLAUDE_CONFIG_DIR || join(home, ".claude"), ".credentials.json");
    if (has("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "CLAUDE_CODE_OAUTH_TOKEN", "CLAUDE_CODE_USE_BEDROCK", "CLAUDE_CODE_USE_VERTEX") || existsSync(login)) return undefined;
    return `Claude Code has no credentials: set ANTHROPIC_API_KEY (or CLAUDE_CODE_OAUTH_TOKEN), or log in once with Claude Code, which writes ${login}.`;
  }
  if (agent === "codex") {
    const login = join(env.CODEX_HOME || join(home, ".codex"), "auth.json");
    if (has("OPENAI_API_KEY", "CODEX_API_KEY") || existsSync(login)) return undefined;
    return `Codex has no credentials: set OPENAI_API_KEY, or log in once with \`codex login\`, which writes ${login}.`;
  }
  const login = join(env.XDG_DATA_HOME || join(home, ".local", "share"), "opencode", "auth.json");
  if (existsSync(login) || env.OPENCODE_CONFIG || Object.keys(env).some((name) => name.endsWith("_API_KEY") && !!env[name])) return undefined;
  return `OpenCode has no credentials: set a provider's API key (e.g. ANTHROPIC_API_KEY or OPENAI_API_KEY), or log in once with \`opencode auth login\`, which writes ${login}.`;
}

/**
 * Installs `agent` in a daemon's slot: the `<agent>-acp` launcher the daemon runs, with the
 * environment it needs. Against the fake model: an isolated HOME with the agent's config pointing
 * at it. Against its real API: the host's HOME and credentials.
 */
export async function prepareAgentSlot(options: AgentSlotOptions): Promise<AgentSlot> {
  const install = options.install ?? (await findAgent(options.agent));
  const fake = options.fakeModel;
  const bin = join(options.dataDir, "sandbox-agent", "bin");
  const processes = join(bin, "agent_processes");
  await mkdir(processes, { recursive: true });
  const home = fake ? join(options.dataDir, "agent-home", options.agent) : process.env.HOME || homedir();
  // Files of the slot's own (wrappers, a private temp dir): inside the data dir, which the daemon's owner removes.
  const own = join(options.dataDir, "agent-files", options.agent);
  await mkdir(own, { recursive: true, mode: 0o700 });
  const env: Record<string, string> = fake
    ? {
        HOME: home,
        XDG_CONFIG_HOME: join(home, ".config"),
        XDG_DATA_HOME: join(home, ".local", "share"),
        XDG_CACHE_HOME: join(home, ".cache"),
        XDG_STATE_HOME: join(home, ".local", "state"),
      }
    : // The daemon passes its environment on; it runs agents with XDG_DATA_HOME set to the data dir, which is not the host's.
      { XDG_DATA_HOME: process.env.XDG_DATA_HOME || join(home, ".local", "share") };
  if (fake) await mkdir(home, { recursive: true });

  if (options.agent === "claude") {
    const sdkCli = join(dirname(createRequire(install.command[1]).resolve("@anthropic-ai/claude-agent-sdk/package.json")), "cli.js");
    // claude-agent-acp 0.20 starts Claude Code with an empty environment (only what a client's
    // `_meta` passes), so Claude Code gets a wrapper that sets it; a path not ending in `.js` is
    // run as a program.
    const claudeEnv: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home };
    if (fake) {
      Object.assign(claudeEnv, env, {
        CLAUDE_CONFIG_DIR: join(home, ".claude"),
        ANTHROPIC_BASE_URL: fake.url,
        ANTHROPIC_API_KEY: fake.apiKey,
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
        DISABLE_AUTOUPDATER: "1",
        DISABLE_TELEMETRY: "1",
        DISABLE_ERROR_REPORTING: "1",
      });
      await mkdir(claudeEnv.CLAUDE_CONFIG_DIR, { recursive: true });
    } else {
      for (const [name, value] of Object.entries(process.env)) if (CLAUDE_HOST_ENV.test(name) && value !== undefined) claudeEnv[name] = value;
      claudeEnv.DISABLE_AUTOUPDATER = "1";
    }
    // The adapter offers bypassPermissions unless it runs as root outside a sandbox, and Claude
    // Code refuses that flag as root without this: the same modes and a working start everywhere.
    if (fake || process.getuid?.() === 0) claudeEnv.IS_SANDBOX = env.IS_SANDBOX = "1";
    // The adapter reads the fake setup too (its config dir, the model it points at).
    if (fake) for (const [key, value] of Object.entries(claudeEnv)) env[key] ??= value;
    // The host's credentials stay out of the script: it reads them from a file only its owner may read.
    const envFile = join(own, "claude-code.env");
    await writeFile(envFile, Object.entries(claudeEnv).map(([key, value]) => `export ${key}=${shellQuote(value)}\n`).join(""), { mode: 0o600 });
    const claudeCode = join(own, "claude-code");
    const what = `${install.versions.at(-1) ?? "Claude Code"} ${fake ? "against a fake model" : "with the host's credentials"}`;
    // Its stderr would be dropped; keep it beside the wrapper for when something goes wrong.
    const script = ["#!/bin/sh", `# Written by sandbox-workspace's demo/agents.ts: ${what}.`, `. ${shellQuote(envFile)}`, `exec ${[process.execPath, sdkCli].map(shellQuote).join(" ")} "$@" 2>>${shellQuote(join(own, "claude-code.stderr"))}`, ""].join("\n");
    await writeFile(claudeCode, script, { mode: 0o700 });
    await chmod(claudeCode, 0o700);
    env.CLAUDE_CODE_EXECUTABLE = claudeCode;
  } else if (options.agent === "codex") {
    // Codex links its sandbox helper (`codex-linux-sandbox`, run by bwrap) into CODEX_HOME, but
    // refuses to under the system temp dir itself; give it a temp dir of its own.
    env.TMPDIR = join(own, "tmp");
    await mkdir(env.TMPDIR, { recursive: true });
    if (fake) {
      const codexHome = join(home, ".codex");
      env.CODEX_HOME = codexHome;
      env.OPENAI_API_KEY = fake.apiKey;
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
          `base_url = "${fake.url}/v1"`,
          `wire_api = "responses"`,
          `request_max_retries = 0`,
          `stream_max_retries = 0`,
          "",
          "[analytics]",
          "enabled = false",
          "",
        ].join("\n"),
      );
    }
  } else {
    Object.assign(env, {
      OPENCODE_DISABLE_AUTOUPDATE: "1",
      OPENCODE_DISABLE_SHARE: "1",
    });
    if (fake) {
      const configDir = join(env.XDG_CONFIG_HOME, "opencode");
      await mkdir(configDir, { recursive: true });
      const config = {
        $schema: "https://opencode.ai/config.json",
        autoupdate: false,
        share: "disabled",
        model: `fake/${fake.modelId}`,
        small_model: `fake/${fake.modelId}`,
        // OpenCode allows everything by default; ask, so that the recordings have permission requests.
        permission: { edit: "ask", bash: { "*": "ask" } },
        provider: {
          fake: {
            npm: "@ai-sdk/openai-compatible",
            name: "Fake model",
            options: { baseURL: `${fake.url}/v1`, apiKey: fake.apiKey },
            models: { [fake.modelId]: { name: "Fake model", reasoning: true, tool_call: true, limit: { context: 200000, output: 32000 } } },
          },
        },
      };
      env.OPENCODE_CONFIG = join(configDir, "opencode.json");
      await writeFile(env.OPENCODE_CONFIG, `${JSON.stringify(config, null, 2)}\n`);
      await stubOpencodePlugin(configDir);
      Object.assign(env, {
        OPENCODE_DISABLE_MODELS_FETCH: "1",
        OPENCODE_DISABLE_DEFAULT_PLUGINS: "1",
        OPENCODE_DISABLE_LSP_DOWNLOAD: "1",
        OPENCODE_DISABLE_CLAUDE_CODE: "1",
      });
    }
  }

  // Before it starts the adapter, the daemon checks for the agent's native CLI next to the
  // launcher and would download it (offline: "install failed"). The adapters here do not run it
  // (Claude's runs the SDK's cli.js, OpenCode's is the native binary itself), so a stand-in that
  // reports a version is enough.
  await writeFile(join(bin, options.agent), ["#!/bin/sh", `echo "${options.agent} 0.0.0 (stand-in written by sandbox-workspace's demo/agents.ts)"`, ""].join("\n"), { mode: 0o755 });
  await chmod(join(bin, options.agent), 0o755);

  const launcher = join(processes, `${options.agent}-acp`);
  await writeFile(launcher, shellScript(`${options.agent} (${install.versions.join(", ")}) ${fake ? "against a fake model" : "with the host's credentials"}`, env, install.command), { mode: 0o755 });
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

/** Where `command` is on the PATH, if it is. */
async function onPath(command: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (!dir) continue;
    try {
      await access(join(dir, command), fsConstants.X_OK);
      return join(dir, command);
    } catch {
      // Not in this one.
    }
  }
  return undefined;
}

/** `#!/bin/sh` that exports `env` and execs `command` with its own arguments. */
function shellScript(what: string, env: Record<string, string>, command: string[]): string {
  return [
    "#!/bin/sh",
    `# Written by sandbox-workspace's demo/agents.ts: ${what}.`,
    ...Object.entries(env).map(([key, value]) => `export ${key}=${shellQuote(value)}`),
    `exec ${command.map(shellQuote).join(" ")} "$@"`,
    "",
  ].join("\n");
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
