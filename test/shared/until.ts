/**
 * Waiting in tests, the same in the browser and in Node: nothing here imports the DOM or Node.
 */

/** What a wait that failed names: a text, or a function asked at the moment it failed (to tell the state then). */
export type What = string | (() => string | Promise<string>);

async function named(what: What): Promise<string> {
  try {
    return typeof what === "string" ? what : await what();
  } catch (error) {
    return `(telling the state failed too: ${String(error)})`;
  }
}

/** Resolves once `check` holds, asking every `every` ms; rejects naming `what` after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, what: What, ms = 20_000, every = 25): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${await named(what)}`);
    await new Promise((resolve) => setTimeout(resolve, every));
  }
}

/** `promise`, or a failure naming `what` after `ms`: a hang reports itself instead of running into the test's timeout. */
export function within<T>(promise: Promise<T>, ms: number, what: What): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(async () => reject(new Error(`timed out after ${ms} ms: ${await named(what)}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
