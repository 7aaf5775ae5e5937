import { signingKeyProblems } from '../tokens/signing-keys';
import { yup } from '@strapi/utils';
import { parseDuration, parseDurationOrZero } from './duration';
import { lifespanErrors, lifespansOf } from './lifespans';
import { originPatternError } from './trusted-origins';
import type { PluginConfig } from './index';

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
    senderConstraint: yup.mixed().oneOf(['off', 'optional', 'required'], "senderConstraint must be 'off', 'optional' or 'required'"),
    dpop: yup
      .object({
        proofWindow: duration('dpop.proofWindow'),
        requireForAccessTokens: yup.boolean().strict().typeError('dpop.requireForAccessTokens must be a boolean'),
      })
      .noUnknown(true, 'dpop has an unknown key: ${unknown}'),
    signing: yup
      .object({
        keys: yup.mixed(), // checked key by key below, every problem at once
        previousSecrets: yup
          .array()
          .of(yup.string().strict().min(1, 'signing.previousSecrets entries must be non-empty strings'))
          .typeError('signing.previousSecrets must be a list of earlier jwtSecrets'),
      })
      .noUnknown(true, 'signing has an unknown key: ${unknown}'),
    activity: yup.object({ retainFor: duration('activity.retainFor') }).noUnknown(true, 'activity has an unknown key: ${unknown}'),
    clientAddress: yup.mixed().oneOf(['network', 'full', 'none'], "clientAddress must be 'network', 'full' or 'none'"),
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
  problems.push(...signingKeyProblems(c?.signing?.keys));
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
