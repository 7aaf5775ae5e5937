/**
 * bcryptjs 2.4.3, which users-permissions, the admin and the document service hash passwords with,
 * aborts the whole Node process (V8 "invalid size error", SIGTRAP) on a string that is not
 * well-formed UTF-16: one anonymous `POST /api/auth/local/register` with `"password":"\ud800"`
 * would end Strapi. Two guards, so no path reaches it:
 * - a global middleware answers 400, naming the field, for a credential field holding such a
 *   string anywhere in a parsed body (REST, GraphQL variables, the admin's own login);
 * - every copy of bcryptjs the app loads refuses such a string with a ValidationError instead of
 *   crashing (the Content Manager, services, GraphQL literals, custom code).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import type { Context, Next } from 'koa';

const CREDENTIAL = /password|^(identifier|email|username)$/i;
const MAX_DEPTH = 6;

// String.prototype.isWellFormed is Node 20's (ES2024); Strapi's tsconfig stops at ES2020.
const isMalformed = (value: unknown) => typeof value === 'string' && !(value as string & { isWellFormed(): boolean }).isWellFormed();

/** The dotted path of the first credential field holding a malformed string, if any. */
function malformedCredentialField(value: unknown, at = '', depth = 0): string | undefined {
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return undefined;
  for (const [key, child] of Object.entries(value)) {
    const field = at ? `${at}.${key}` : key;
    if (CREDENTIAL.test(key) && isMalformed(child)) return field;
    const nested = malformedCredentialField(child, field, depth + 1);
    if (nested) return nested;
  }
  return undefined;
}

const refusal = (field: string) =>
  new errors.ValidationError(`${field} is not well-formed text (it contains a lone UTF-16 surrogate)`, {
    errors: [{ path: field.split('.'), message: 'must be well-formed text', name: 'ValidationError' }],
  });

/** 400 (Strapi's ValidationError) naming the first malformed credential field of a body. */
export function assertWellFormedCredentials(body: unknown): void {
  const field = malformedCredentialField(body);
  if (field) throw refusal(field);
}

/** Registered in bootstrap: after Strapi's body parser, before the router. */
export function wellFormedCredentials() {
  return async (ctx: Context, next: Next) => {
    assertWellFormedCredentials(ctx.request.body);
    return next();
  };
}

const GUARDED = Symbol.for('strapi-plugin-refresh-token.bcryptjs-guard');
const HASHING_PACKAGES = ['@strapi/plugin-users-permissions', '@strapi/admin', '@strapi/core'];

type Fn = (...args: unknown[]) => unknown;

/** Wraps hash/compare (sync and async) of every bcryptjs copy those packages resolve. */
export function guardBcrypt(strapi: Core.Strapi): void {
  const appRequire = createRequire(path.join(strapi.dirs.app.root, 'package.json'));
  for (const name of HASHING_PACKAGES) {
    let bcrypt: Record<string | symbol, unknown>;
    try {
      const from = createRequire(appRequire.resolve(`${name}/package.json`));
      bcrypt = from(from.resolve('bcryptjs'));
    } catch {
      continue; // not installed, or hashes with something else: nothing to guard
    }
    if (bcrypt[GUARDED]) continue;
    bcrypt[GUARDED] = true;
    for (const method of ['hash', 'compare', 'hashSync', 'compareSync']) {
      const original = bcrypt[method] as Fn | undefined;
      if (typeof original !== 'function') continue;
      const sync = method.endsWith('Sync');
      bcrypt[method] = function guarded(this: unknown, ...args: unknown[]) {
        if (isMalformed(args[0])) {
          const error = refusal('password');
          if (sync) throw error;
          const callback = args.find((a) => typeof a === 'function') as Fn | undefined;
          if (callback) return void process.nextTick(callback, error);
          return Promise.reject(error);
        }
        return original.apply(this, args);
      };
    }
  }
}
