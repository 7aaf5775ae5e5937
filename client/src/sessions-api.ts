/** The sessions API over the client's authenticated fetch: sign out everywhere or elsewhere, list and revoke sessions. */
import { AuthError } from './errors';
import { JSON_HEADERS } from './transport';
import type { SessionInfo } from './types';

interface Needs {
  authFetch(input: string, init?: RequestInit): Promise<Response>;
  api(path: string): string;
  /** The session this client is using. */
  currentSessionId(): string | null;
  signOutLocally(): Promise<void>;
  logout(): Promise<unknown>;
}

export function sessionsApi({ authFetch, api, currentSessionId, signOutLocally, logout }: Needs) {
  const post = (path: string) => authFetch(api(path), { method: 'POST', headers: JSON_HEADERS, body: '{}' });
  return {
    async logoutAll() {
      const response = await post('/token/logout-all');
      const error = response.ok ? null : await AuthError.fromResponse(response);
      await signOutLocally();
      if (error) throw error;
    },

    async logoutOthers() {
      const response = await post('/token/logout-others');
      if (!response.ok) throw await AuthError.fromResponse(response);
      return ((await response.json()) as { revoked: number }).revoked;
    },

    async sessions() {
      const response = await authFetch(api('/token/sessions'), { headers: { Accept: 'application/json' } });
      if (!response.ok) throw await AuthError.fromResponse(response);
      return ((await response.json()) as { data: SessionInfo[] }).data;
    },

    async revokeSession(id: string) {
      const current = id === currentSessionId();
      const response = await authFetch(api(`/token/sessions/${encodeURIComponent(id)}`), {
        method: 'DELETE',
        headers: { Accept: 'application/json' },
      });
      if (!response.ok) throw await AuthError.fromResponse(response);
      if (current) await logout(); // also clears the cookie
    },
  };
}
