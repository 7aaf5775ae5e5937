/**
 * Token requests in progress, so that a shutdown (SIGTERM: Strapi destroys plugins before it
 * closes the server) finishes them instead of cutting a rotation off half-way.
 */
const inFlight = new WeakMap<object, number>();
const waiters = new WeakMap<object, Array<() => void>>();

export async function tracked<T>(app: object, work: () => Promise<T>): Promise<T> {
  inFlight.set(app, (inFlight.get(app) ?? 0) + 1);
  try {
    return await work();
  } finally {
    const left = (inFlight.get(app) ?? 1) - 1;
    inFlight.set(app, left);
    if (left === 0) for (const wake of waiters.get(app)?.splice(0) ?? []) wake();
  }
}

/** Resolves when no token request is in progress, or after `timeoutMs`; true when drained. */
export function drained(app: object, timeoutMs: number): Promise<boolean> {
  if (!inFlight.get(app)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    const list = waiters.get(app) ?? [];
    list.push(() => {
      clearTimeout(timer);
      resolve(true);
    });
    waiters.set(app, list);
  });
}
