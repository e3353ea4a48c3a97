/**
 * A @web/test-runner plugin that gives browser tests the real stack (daemon + demo agent + registry)
 * through server commands: `executeServerCommand("stack", { name, action, ... })`.
 * Stacks are started on first use, one per name, and all stopped when the run ends.
 */
import { client, startRegistry, startStack, type Stack } from "./stack.js";

type Payload = { name?: string; action: "start" | "stop-registry" | "start-registry" | "prompt"; workspaceId?: string; text?: string };

export function stackPlugin() {
  const stacks = new Map<string, Promise<Stack>>();
  const get = (name: string) => {
    if (!stacks.has(name)) stacks.set(name, startStack());
    return stacks.get(name)!;
  };
  return {
    name: "workspace-stack",
    async executeCommand({ command, payload }: { command: string; payload?: unknown }) {
      if (command !== "stack") return undefined;
      const { name = "shared", action, workspaceId, text } = payload as Payload;
      const stack = await get(name);
      switch (action) {
        case "start":
          return { endpoint: stack.registry.endpoint };
        case "stop-registry":
          await stack.registry.stop();
          return { ok: true };
        case "start-registry":
          stack.registry = await startRegistry({ sandboxUrl: stack.daemon.url }, { storage: stack.registry.storage, port: stack.registry.port });
          return { endpoint: stack.registry.endpoint };
        case "prompt": {
          // Someone else, from Node, while the browser may be away.
          const c = client(stack.registry.endpoint);
          try {
            const result = await c.workspace.getOrCreate([workspaceId!], { params: { userId: "u-node", userName: "Node" } }).prompt({ text: text! });
            return result;
          } finally {
            await c.dispose();
          }
        }
      }
    },
    async serverStop() {
      await Promise.all([...stacks.values()].map(async (stack) => (await stack).close()));
    },
  };
}
