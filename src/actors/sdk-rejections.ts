/**
 * sandbox-agent's SDK lets some transport failures escape as unhandled rejections (a dead daemon,
 * a dead agent), which would end the host process. The workspace already reports those to its
 * clients; here they are logged instead of crashing. Anything else keeps Node's default behaviour.
 *
 * Process-wide, so installed once, when the first workspace actor wakes in this process: importing
 * the package changes nothing.
 */
let guarded = false;

export function guardSdkRejections(): void {
  if (guarded) return;
  guarded = true;
  process.on("unhandledRejection", (reason) => {
    const name = reason instanceof Error ? reason.name : "";
    const text = reason instanceof Error ? `${reason.message} ${String(reason.cause ?? "")}` : String(reason);
    if (/AcpHttpError|AcpRpcError|SandboxAgentError/.test(name) || /fetch failed|ECONNREFUSED|ECONNRESET|Broken pipe|ACP client is closed/i.test(text)) {
      console.warn(`[sandbox-workspace] sandbox-agent transport failure (reported to clients): ${name} ${text.slice(0, 200)}`);
      return;
    }
    // Not ours: fail as Node would have.
    setImmediate(() => {
      throw reason;
    });
  });
}
