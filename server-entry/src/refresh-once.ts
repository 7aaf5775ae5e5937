/**
 * One browser's navigation runs middleware, server components and route handlers at once, all
 * holding the same refresh cookie. Within this process they share one refresh per refresh token,
 * and its outcome is remembered for a short window, so a request still carrying the old cookie
 * gets the same new pair instead of a second rotation.
 */
export interface Pair {
  jwt: string;
  refreshToken: string;
}
export type RefreshOutcome = { pair: Pair } | { signedOut: true };

const inProgress = new Map<string, Promise<RefreshOutcome>>();
const recent = new Map<string, { outcome: RefreshOutcome; until: number }>();

export function refreshOncePerProcess(
  refreshToken: string,
  reuseWindowMs: number,
  refresh: (refreshToken: string) => Promise<RefreshOutcome>
): Promise<RefreshOutcome> {
  // Entries expire in insertion order (a fixed window): drop the expired ones from the front.
  const now = Date.now();
  for (const [token, entry] of recent) {
    if (entry.until > now) break;
    recent.delete(token);
  }
  const known = recent.get(refreshToken);
  if (known) return Promise.resolve(known.outcome);
  let running = inProgress.get(refreshToken);
  if (!running) {
    running = refresh(refreshToken)
      .then((outcome) => {
        recent.set(refreshToken, { outcome, until: Date.now() + reuseWindowMs });
        return outcome;
      })
      .finally(() => inProgress.delete(refreshToken));
    inProgress.set(refreshToken, running);
  }
  return running;
}

/** The outcome of a refresh this process is doing or just did, if any: for contexts that must not rotate. */
export async function refreshDoneOrRunning(refreshToken: string): Promise<RefreshOutcome | undefined> {
  const known = recent.get(refreshToken);
  return (await inProgress.get(refreshToken)) ?? (known && known.until > Date.now() ? known.outcome : undefined);
}
