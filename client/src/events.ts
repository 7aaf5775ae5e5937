/** The client's three event streams. A throwing listener never breaks the client. */
import type { AuthChangeEvent, SessionExpiredEvent, TokenRefreshEvent } from './types';

export type Listeners<T> = Set<(event: T) => void>;

export function emit<T>(listeners: Listeners<T>, event: T): void {
  for (const listener of [...listeners]) {
    try {
      listener(event);
    } catch (error) {
      // Reported the way an event handler's error would be, after the client has moved on.
      setTimeout(() => {
        throw error;
      }, 0);
    }
  }
}

export const createListeners = () => ({
  auth: new Set<(e: AuthChangeEvent) => void>(),
  expired: new Set<(e: SessionExpiredEvent) => void>(),
  refresh: new Set<(e: TokenRefreshEvent) => void>(),
});

/** Adds a listener; the returned function removes it. */
export const subscribe = <T>(listeners: Listeners<T>, listener: (event: T) => void) => {
  listeners.add(listener);
  return () => listeners.delete(listener);
};
