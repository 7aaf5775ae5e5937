/**
 * Tabs of one app share one session: BroadcastChannel carries the access token between them (in
 * memory only), Web Locks make one tab refresh at a time. Without Web Locks, a tab announces its
 * refresh and the others wait for its token.
 */
import type { AuthUser } from './types';

/** Messages between tabs. */
export type TabMessage =
  | { type: 'token'; jwt: string; expiresAt: number | null; user: AuthUser | null }
  | { type: 'hello' }
  | { type: 'refreshing' }
  | { type: 'logout' }
  | { type: 'expired'; status: number; message?: string };

interface LockManagerLike {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

/** How long a tab holds the refresh lock after sharing its token, so peers read it before they get the lock. */
const LOCK_SETTLE_MS = 30;
/** How long a new tab waits for a peer to share its token before refreshing itself. */
const PEER_WAIT_MS = 150;
/** Without Web Locks: how long to wait for a peer's announced refresh before doing our own. */
const PEER_REFRESH_WAIT_MS = 10_000;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface Tabs {
  /** Whether other tabs can be reached at all. */
  readonly shared: boolean;
  post(message: TabMessage): void;
  /** Runs `refresh` as the only tab refreshing: under the Web Lock, or after a peer's announced refresh. */
  exclusively(refresh: () => Promise<boolean>, stillNeeded: () => boolean): Promise<boolean>;
  /** A new tab asks the others for their token; resolves when `received()` or after a short wait. */
  askPeers(received: () => boolean): Promise<void>;
  /** A peer's token, logout or expiry arrived: stop waiting for its refresh. */
  peerSettled(): void;
  close(): void;
}

export function openTabs(enabled: boolean, name: string, onMessage: (message: TabMessage) => void): Tabs {
  const locks: LockManagerLike | null = enabled
    ? ((globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks ?? null)
    : null;
  const channel: BroadcastChannel | null = enabled && typeof BroadcastChannel !== 'undefined' ? new BroadcastChannel(name) : null;
  let peerRefreshing: Promise<void> | null = null;
  let settle: (() => void) | null = null;

  const post = (message: TabMessage) => {
    try {
      channel?.postMessage(message);
    } catch {
      /* channel closed */
    }
  };

  if (channel) {
    channel.onmessage = (event: MessageEvent<TabMessage>) => {
      const message = event.data;
      if (!message || typeof message !== 'object') return;
      if (message.type === 'refreshing' && !peerRefreshing) {
        peerRefreshing = new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, PEER_REFRESH_WAIT_MS);
          settle = () => {
            clearTimeout(timer);
            resolve();
          };
        }).finally(() => {
          peerRefreshing = null;
          settle = null;
        });
      }
      onMessage(message);
    };
  }

  return {
    shared: channel !== null,
    post,
    async exclusively(refresh, stillNeeded) {
      if (locks) {
        return new Promise<boolean>((resolveResult, reject) => {
          locks
            .request(name, async () => {
              try {
                const ok = await refresh();
                resolveResult(ok);
                // Let the shared token reach the other tabs before they get the lock.
                if (ok && channel) await sleep(LOCK_SETTLE_MS);
              } catch (error) {
                reject(error);
              }
            })
            .catch(reject);
        });
      }
      if (channel) {
        if (peerRefreshing) await peerRefreshing;
        if (!stillNeeded()) return true;
        post({ type: 'refreshing' });
      }
      return refresh();
    },
    async askPeers(received) {
      if (!channel) return;
      post({ type: 'hello' });
      const deadline = Date.now() + PEER_WAIT_MS;
      while (Date.now() < deadline && !received()) await sleep(10);
    },
    peerSettled: () => settle?.(),
    close() {
      settle?.();
      channel?.close();
    },
  };
}
