import type { Core } from '@strapi/strapi';
import type { Duration } from './duration';
export {
  lifespanErrors,
  lifespansOf,
  secondsOrZero,
  derivedSessionOnly,
  LIFESPAN_KEYS,
  LIFESPAN_BOUNDS,
  type Lifespans,
} from './lifespans';

export type Delivery = 'cookie' | 'body' | 'both';

export interface CookieConfig {
  name: string;
  path: string;
  sameSite: 'strict' | 'lax' | 'none';
  secure: boolean | 'auto';
  domain?: string;
}

export interface PluginConfig {
  accessTokenLifespan: Duration;
  refreshTokenIdleLifespan: Duration;
  refreshTokenMaxLifespan: Duration;
  reuseGracePeriod: Duration;
  /**
   * Idle lifespan of a session logged in with `rememberMe: false` (a browser-session cookie).
   * Unset: one day, or the idle lifespan when that is shorter.
   */
  sessionOnlyIdleLifespan?: Duration;
  /** At most this many live sessions per user; a login beyond it ends the least recently used. */
  maxSessionsPerUser: number | null;
  newDevice: NewDeviceConfig;
  delivery: Delivery;
  cookie: CookieConfig;
  strict: boolean;
  strictCacheTtl: Duration;
  /** Web origins (besides the server's own) whose pages may use the refresh cookie. */
  trustedOrigins?: string[];
  rateLimit: RateLimitConfig;
  cleanup: { enabled: boolean; cron: string; retainRevokedFor: Duration; batchSize: number };
  /**
   * Secret shared with server-rendered front ends (the `./server` entry), which then name the
   * browser's IP and User-Agent. Default: the REFRESH_TOKEN_PROXY_SECRET environment variable.
   */
  proxySecret?: string;
  /**
   * users-permissions in jwtManagement: 'refresh' (create-strapi's default): 'take-over' switches it
   * to 'legacy-support' for this process; 'refuse' stops start-up.
   */
  builtInRefreshMode: 'take-over' | 'refuse';
  /**
   * POST /api/token/exchange: a legacy users-permissions JWT (no session) for a session, once.
   * Off by default. `issuedBefore`: the cut-off (ISO date); default: the plugin's first start.
   */
  legacyTokenExchange: { enabled: boolean; issuedBefore?: string };
  /**
   * Sender-constrained sessions (DPoP, RFC 9449). 'off': proofs are ignored (sessions bound before
   * stay bound); 'optional': a login with a proof binds its new session; 'required': logins without
   * a proof are refused, and unbound sessions refresh no more.
   */
  senderConstraint: SenderConstraint;
  dpop: DpopConfig;
  /**
   * What a session stores of its client's IP: 'network' (the IPv4 /24 or IPv6 /48 new-device
   * alerts compare; the default), 'full' (opt-in, for forensics) or 'none'. Rate limiting reads the
   * full address, in memory only.
   */
  clientAddress: ClientAddressMode;
  /**
   * Access-token signing. `keys`: private JWKs (ES256 EC P-256, EdDSA Ed25519, RS256 RSA), each with
   * a `kid`: the first signs, all verify, `GET /api/token/jwks` publishes them. Unset: HS256 with
   * users-permissions' jwtSecret. `previousSecrets`: earlier jwtSecrets whose HS tokens still verify.
   */
  signing: { keys: object[]; previousSecrets: string[] };
  /** The admin's security activity page: how long its events and hourly counts are kept. */
  activity: { retainFor: Duration };
}

export type ClientAddressMode = 'network' | 'full' | 'none';

export type SenderConstraint = 'off' | 'optional' | 'required';

export interface DpopConfig {
  /** How far a proof's `iat` may lie from the server's clock, either way; also how long its `jti` is remembered. */
  proofWindow: Duration;
  /** users-permissions accepts an access token of a bound session only as `Authorization: DPoP` with a proof. */
  requireForAccessTokens: boolean;
}

export interface NewDeviceConfig {
  /** Emit `refresh-token.session.new-device` for a login from a device + network not seen lately. */
  enabled: boolean;
  /** How far back logins count as "seen". */
  lookback: Duration;
  /** Also e-mail the user (needs Strapi's email plugin configured). Placeholders: {{username}}, {{device}}, {{ip}}, {{time}}. */
  email: false | { subject: string; text: string };
}

export interface RateLimitConfig {
  enabled: boolean;
  interval: Duration;
  max: number;
  /** Where the counters live: this process ('memory') or Redis, shared by every instance. */
  store: 'memory' | 'redis';
  /** An ioredis (or node-redis v4+) client, with store: 'redis'. */
  redis?: unknown;
}

export const defaultConfig: PluginConfig = {
  accessTokenLifespan: '15m',
  refreshTokenIdleLifespan: '7d',
  refreshTokenMaxLifespan: '30d',
  reuseGracePeriod: '10s',
  sessionOnlyIdleLifespan: undefined,
  maxSessionsPerUser: null,
  newDevice: { enabled: true, lookback: '30d', email: false },
  delivery: 'cookie',
  cookie: {
    name: 'strapi_refresh_token',
    path: '/api/token',
    sameSite: 'lax',
    secure: 'auto',
    domain: undefined,
  },
  strict: false,
  strictCacheTtl: '1s',
  trustedOrigins: undefined,
  rateLimit: { enabled: true, interval: '1m', max: 30, store: 'memory', redis: undefined },
  cleanup: { enabled: true, cron: '0 * * * *', retainRevokedFor: '1d', batchSize: 1000 },
  proxySecret: undefined,
  builtInRefreshMode: 'take-over',
  legacyTokenExchange: { enabled: false, issuedBefore: undefined },
  senderConstraint: 'off',
  dpop: { proofWindow: '60s', requireForAccessTokens: false },
  clientAddress: 'network',
  signing: { keys: [], previousSecrets: [] },
  activity: { retainFor: '30d' },
};

/**
 * The plugin's config, typed. Read where it is used, per call: Strapi validated it at start-up and
 * keeps it in memory, so a read costs a property walk, and tests that change it see the change.
 */
export const pluginConfig = (strapi: Core.Strapi): PluginConfig => strapi.config.get('plugin::refresh-token') as PluginConfig;
