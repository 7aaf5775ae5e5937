/**
 * One client for the whole app (module scope: its single-flight refresh and cross-tab coordination
 * live in this instance), and a small composable over it. The refresh token stays in Strapi's
 * httpOnly cookie; the access token lives in memory only.
 */
import { readonly, ref } from 'vue';
import { createAuthClient } from 'strapi-plugin-refresh-token/client';

export const STRAPI_URL = import.meta.env.VITE_STRAPI_URL || 'http://localhost:1337';
export const auth = createAuthClient({ baseURL: STRAPI_URL });

const user = ref(null);
/** 'loading' | 'signedIn' | 'signedOut' | 'expired' | 'unavailable' */
const status = ref('loading');

/** Settles within the client's startTimeout (5 s), even when Strapi is down. */
export const ready = auth.getUser().then(
  (u) => {
    user.value = u;
    if (status.value === 'loading') status.value = u ? 'signedIn' : 'signedOut';
  },
  () => (status.value = 'signedOut')
);

auth.onAuthChange(async (e) => {
  if (e.reason === 'unavailable')
    status.value = 'unavailable'; // the client retries in the background
  else if (e.signedIn) status.value = 'signedIn';
  else if (status.value !== 'expired') status.value = 'signedOut';
  user.value = e.signedIn ? (e.user ?? (await auth.getUser())) : null;
});
auth.onSessionExpired(() => (status.value = 'expired'));

export function useAuth() {
  return {
    user: readonly(user),
    status: readonly(status),
    login: (identifier, password) => auth.login(identifier, password),
    logout: () => auth.logout(),
    logoutEverywhere: () => auth.logoutAll(),
    fetch: auth.fetch,
  };
}
