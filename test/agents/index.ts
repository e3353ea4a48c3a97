/**
 * Real agents against a scripted fake model, for recordings and live tests: the fake model
 * server, an agent's slot in a sandbox-agent daemon, and the recorded scenarios.
 *
 *   const model = await startFakeModel({ script: scenario("review").script(workDir) });
 *   await prepareAgentSlot({ dataDir, agent: "claude", fakeModel: fakeBackend(model) });
 *   const daemon = await startDaemon({ dataDir });   // demo/daemon.ts: `claude` now runs offline
 *
 * The agents' slots are demo/agents.ts's (npm start runs real agents with the host's credentials).
 */
export { FAKE_API_KEY, FAKE_MODEL_ID, fakeBackend, startFakeModel, type FakeModel, type FakeModelOptions, type ModelRequestRecord, type ModelScript, type ModelStep, type ModelTurn, type ScriptTool } from "./fake-model.js";
export { AGENTS, AGENT_SPECS, AgentUnavailableError, findAgent, installAgent, prepareAgentSlot, type AgentInstall, type AgentName, type AgentSlot, type AgentSlotOptions } from "../../demo/agents.js";
export { SCENARIOS, SCENARIO_LIST, WORK_FILES, scenario, type Scenario, type ScenarioName } from "./scenarios.js";
export { allEvents, recordScenario, type Recording } from "./record.js";
