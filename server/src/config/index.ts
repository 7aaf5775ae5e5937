import { yup } from '@strapi/utils';
import { parseDuration, parseDurationOrZero, type Duration } from './duration';
import { originPatternError } from './trusted-origins';

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
};

/** A duration where 0 (in any spelling: 0, '0', '0s') means off. */
const durationOrZero = (key: string, example: string) =>
  yup.mixed().test('duration', `${key} must be 0 or a duration like '${example}'`, (value) => parseDurationOrZero(value) !== null);

const duration = (key: string) =>
  yup
    .mixed()
    .test(
      'duration',
      `${key} must be a positive number of seconds or a string like '15m' (units: s, m, h, d)`,
      (value) => parseDuration(value) !== null
    );

/** The four lifespans, in seconds, and the rules between them: shared by start-up and the admin API. */
export interface Lifespans {
  accessTokenLifespan: number;
  refreshTokenIdleLifespan: number;
  refreshTokenMaxLifespan: number;
  reuseGracePeriod: number;
  sessionOnlyIdleLifespan: number;
}

export const LIFESPAN_KEYS = [
  'accessTokenLifespan',
  'refreshTokenIdleLifespan',
  'refreshTokenMaxLifespan',
  'reuseGracePeriod',
  'sessionOnlyIdleLifespan',
] as const;

/** Bounds that keep a typo from locking everyone out or minting decade-long sessions. */
export const LIFESPAN_BOUNDS: Record<keyof Lifespans, [number, number]> = {
  accessTokenLifespan: [1, 86400],
  refreshTokenIdleLifespan: [60, 365 * 86400],
  refreshTokenMaxLifespan: [60, 365 * 86400],
  reuseGracePeriod: [0, 300],
  sessionOnlyIdleLifespan: [60, 365 * 86400],
};

/** Every broken rule as [key, message]; empty when the lifespans are consistent. */
export function lifespanErrors(l: Lifespans): Array<[keyof Lifespans, string]> {
  const errors: Array<[keyof Lifespans, string]> = [];
  for (const key of LIFESPAN_KEYS) {
    const [min, max] = LIFESPAN_BOUNDS[key];
    if (!Number.isInteger(l[key]) || l[key] < min || l[key] > max) {
      errors.push([key, `${key} must be between ${min} and ${max} seconds`]);
    }
  }
  if (l.accessTokenLifespan >= l.refreshTokenIdleLifespan) {
    errors.push(['accessTokenLifespan', 'accessTokenLifespan must be shorter than refreshTokenIdleLifespan']);
  }
  if (l.refreshTokenIdleLifespan > l.refreshTokenMaxLifespan) {
    errors.push(['refreshTokenIdleLifespan', 'refreshTokenIdleLifespan must not be longer than refreshTokenMaxLifespan']);
  }
  // Only meaningful once access < idle holds (otherwise no value could fit between them).
  if (l.accessTokenLifespan < l.refreshTokenIdleLifespan && l.accessTokenLifespan >= l.sessionOnlyIdleLifespan) {
    errors.push(['sessionOnlyIdleLifespan', 'sessionOnlyIdleLifespan must be longer than accessTokenLifespan']);
  }
  if (l.accessTokenLifespan < l.refreshTokenIdleLifespan && l.sessionOnlyIdleLifespan > l.refreshTokenIdleLifespan) {
    errors.push(['sessionOnlyIdleLifespan', 'sessionOnlyIdleLifespan must not be longer than refreshTokenIdleLifespan']);
  }
  return errors;
}

const schema = yup
  .object({
    accessTokenLifespan: duration('accessTokenLifespan'),
    refreshTokenIdleLifespan: duration('refreshTokenIdleLifespan'),
    refreshTokenMaxLifespan: duration('refreshTokenMaxLifespan'),
    reuseGracePeriod: durationOrZero('reuseGracePeriod', '10s'),
    sessionOnlyIdleLifespan: yup
      .mixed()
      .test(
        'duration',
        "sessionOnlyIdleLifespan must be a positive number of seconds or a string like '1d'",
        (v) => v === undefined || v === null || parseDuration(v) !== null
      ),
    maxSessionsPerUser: yup
      .number()
      .strict()
      .integer('maxSessionsPerUser must be a whole number')
      .min(1, 'maxSessionsPerUser must be at least 1 (or null: no cap)')
      .nullable()
      .typeError('maxSessionsPerUser must be a number or null'),
    newDevice: yup
      .object({
        enabled: yup.boolean().strict().typeError('newDevice.enabled must be a boolean'),
        lookback: duration('newDevice.lookback'),
        email: yup
          .mixed()
          .test(
            'email',
            'newDevice.email must be false or { subject, text } strings',
            (v) =>
              v === false ||
              (typeof v === 'object' && v !== null && typeof (v as any).subject === 'string' && typeof (v as any).text === 'string')
          ),
      })
      .noUnknown(true, 'newDevice has an unknown key: ${unknown}'),
    delivery: yup.mixed().oneOf(['cookie', 'body', 'both'], "delivery must be one of 'cookie', 'body', 'both'"),
    cookie: yup
      .object({
        name: yup
          .string()
          .strict()
          .matches(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'cookie.name must be a valid cookie name')
          .required('cookie.name is required'),
        path: yup.string().strict().matches(/^\//, "cookie.path must start with '/'").required('cookie.path is required'),
        sameSite: yup.mixed().oneOf(['strict', 'lax', 'none'], "cookie.sameSite must be one of 'strict', 'lax', 'none'"),
        secure: yup.mixed().oneOf([true, false, 'auto'], "cookie.secure must be true, false or 'auto'"),
        domain: yup.string().strict().nullable().notRequired(),
      })
      .noUnknown(true, 'cookie has an unknown key: ${unknown}'),
    strict: yup.boolean().strict().typeError('strict must be a boolean'),
    strictCacheTtl: durationOrZero('strictCacheTtl', '1s'),
    trustedOrigins: yup
      .array()
      .strict()
      .typeError('trustedOrigins must be an array of origins such as https://app.example.com')
      .of(
        yup.mixed().test('origin', '${originalValue}', function check(value) {
          const problem = originPatternError(value);
          return problem === null || this.createError({ message: `trustedOrigins: ${problem}` });
        })
      )
      .notRequired(),
    rateLimit: yup
      .object({
        enabled: yup.boolean().strict().typeError('rateLimit.enabled must be a boolean'),
        interval: duration('rateLimit.interval'),
        max: yup
          .number()
          .strict()
          .integer('rateLimit.max must be an integer')
          .min(1, 'rateLimit.max must be at least 1')
          .typeError('rateLimit.max must be a number'),
        store: yup.mixed().oneOf(['memory', 'redis'], "rateLimit.store must be 'memory' or 'redis'"),
        redis: yup.mixed().notRequired(),
      })
      .test(
        'redis-client',
        "rateLimit.store 'redis' needs rateLimit.redis: an ioredis or node-redis client",
        (r) => r?.store !== 'redis' || (typeof r.redis === 'object' && r.redis !== null)
      ),
    legacyTokenExchange: yup
      .object({
        enabled: yup.boolean().strict().typeError('legacyTokenExchange.enabled must be a boolean'),
        issuedBefore: yup
          .mixed()
          .test(
            'date',
            'legacyTokenExchange.issuedBefore must be an ISO date such as 2026-12-01T00:00:00Z',
            (v) => v == null || (typeof v === 'string' && !Number.isNaN(Date.parse(v)))
          ),
      })
      .noUnknown(true, 'legacyTokenExchange has an unknown key: ${unknown}'),
    builtInRefreshMode: yup.mixed().oneOf(['take-over', 'refuse'], "builtInRefreshMode must be 'take-over' or 'refuse'"),
    proxySecret: yup
      .string()
      .strict()
      .min(16, 'proxySecret must be at least 16 characters (a random secret shared with the front end)')
      .notRequired()
      .typeError('proxySecret must be a string'),
    cleanup: yup.object({
      enabled: yup.boolean().strict().typeError('cleanup.enabled must be a boolean'),
      cron: yup.string().strict().typeError('cleanup.cron must be a cron string'),
      retainRevokedFor: durationOrZero('cleanup.retainRevokedFor', '1d'),
      batchSize: yup
        .number()
        .strict()
        .integer()
        .min(1, 'cleanup.batchSize must be at least 1')
        .typeError('cleanup.batchSize must be a number'),
    }),
  })
  .noUnknown(true, 'unknown config key: ${unknown}');

/** Seconds of a validated duration where 0 is allowed (grace period, retention, cache TTL). */
export const secondsOrZero = (value: Duration): number => parseDurationOrZero(value) as number;

/** The remember-me-off idle lifespan when none is set: a day, within the access and idle lifespans. */
export const derivedSessionOnly = (access: number, idle: number): number => Math.min(idle, Math.max(86400, access + 1));

export function lifespansOf(config: Pick<PluginConfig, keyof Lifespans>): Lifespans {
  const access = parseDuration(config.accessTokenLifespan) as number;
  const idle = parseDuration(config.refreshTokenIdleLifespan) as number;
  return {
    accessTokenLifespan: access,
    refreshTokenIdleLifespan: idle,
    refreshTokenMaxLifespan: parseDuration(config.refreshTokenMaxLifespan) as number,
    reuseGracePeriod: secondsOrZero(config.reuseGracePeriod),
    sessionOnlyIdleLifespan: parseDuration(config.sessionOnlyIdleLifespan) ?? derivedSessionOnly(access, idle),
  };
}

/**
 * Strapi calls this synchronously with the merged config and prefixes the message with the
 * plugin name; one message listing every broken rule, each naming its key.
 */
export function validateConfig(config: unknown): void {
  const problems: string[] = [];
  try {
    schema.validateSync(config, { abortEarly: false, strict: true });
  } catch (error) {
    const e = error as { errors?: string[]; message: string };
    problems.push(...(e.errors?.length ? e.errors : [e.message]));
  }
  const c = config as PluginConfig;
  // The rules between lifespans too, as soon as each lifespan reads as a duration: every problem at once.
  const readable =
    [c?.accessTokenLifespan, c?.refreshTokenIdleLifespan, c?.refreshTokenMaxLifespan].every((v) => parseDuration(v) !== null) &&
    parseDurationOrZero(c?.reuseGracePeriod) !== null &&
    (c?.sessionOnlyIdleLifespan == null || parseDuration(c.sessionOnlyIdleLifespan) !== null);
  if (readable) problems.push(...lifespanErrors(lifespansOf(c)).map(([, message]) => message));
  if (c?.cookie?.sameSite === 'none') {
    if (c.cookie.secure === false) {
      problems.push(
        "cookie.sameSite 'none' requires cookie.secure true or 'auto' (browsers drop SameSite=None cookies that are not Secure)"
      );
    }
    if (!Array.isArray(c.trustedOrigins) || c.trustedOrigins.length === 0) {
      // SameSite=None exists only to serve front ends on other sites: they must be named.
      problems.push("cookie.sameSite 'none' requires trustedOrigins: list the front-end origins that may use the cookie");
    }
  }
  if (problems.length === 1) throw new Error(`invalid config: ${problems[0]}`);
  if (problems.length > 1) throw new Error(`invalid config (${problems.length} problems):\n  - ${problems.join('\n  - ')}`);
}

export default {
  default: defaultConfig,
  validator: validateConfig,
};
