/** The client's options, checked and with their defaults, and the URLs they make. */
import { memoryStorage } from './storage';
import { isAbsolute, runtimeKeepsCookies } from './transport';
import type { AuthClientOptions } from './types';

export function settingsOf(options: AuthClientOptions) {
  if (!options || typeof options.baseURL !== 'string') throw new TypeError('createAuthClient: baseURL (string) is required');
  const delivery = options.delivery ?? 'cookie';
  if (!['cookie', 'body', 'both'].includes(delivery)) throw new TypeError(`createAuthClient: unknown delivery "${String(delivery)}"`);
  if (delivery === 'cookie' && !options.fetch && !runtimeKeepsCookies()) {
    // Login would work, then every refresh would fail and logout would leave the session live.
    throw new TypeError(
      "createAuthClient: this runtime's fetch keeps no cookies, so delivery 'cookie' cannot work here. " +
        "Use delivery: 'body' (and the plugin's delivery 'body' or 'both'), or pass a fetch with a cookie jar."
    );
  }
  const apiPrefix = (options.apiPrefix ?? '/api').replace(/\/+$/, '');
  const baseURL = options.baseURL.replace(/\/+$/, '');
  const origin = (): string => {
    if (baseURL) return baseURL;
    const location = (globalThis as { location?: { origin?: string } }).location;
    if (location?.origin) return location.origin;
    throw new TypeError('createAuthClient: baseURL "" needs a browser page (location.origin)');
  };
  return {
    delivery,
    storage: options.storage ?? memoryStorage(),
    fetchImpl: options.fetch ?? (((input, init) => globalThis.fetch(input, init)) as typeof fetch),
    credentials: options.credentials ?? 'include',
    startTimeout: options.startTimeout ?? 5000,
    crossTab: options.crossTab ?? typeof window !== 'undefined',
    channelName: options.channelName ?? `strapi-refresh-token:${baseURL}`,
    /** The refresh token travels in bodies and lives in `storage`. */
    keepsBodyToken: delivery !== 'cookie',
    origin,
    /** An API path's URL: `/token/refresh` -> `https://api.example.com/api/token/refresh`. */
    api: (path: string) => `${origin()}${apiPrefix}${path}`,
    /** A `fetch` input against the server's origin. */
    resolve: (input: string) => (isAbsolute(input) ? input : `${origin()}${input.startsWith('/') ? '' : '/'}${input}`),
  };
}
