/**
 * A 401 or 403 with its reason. Thrown as Strapi's UnauthorizedError/ForbiddenError, Strapi's
 * route authorization step would replace the reason with a bare "Unauthorized"/"Forbidden"; as any
 * other error, its error middleware would log a stack trace for every refused token. So the
 * controllers answer it themselves (`answeringRefusals`), in the same error shape, and code that
 * runs inside another plugin's route throws it as a public error (`asPublicError`).
 */
import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import createError from 'http-errors';
import type { Context } from 'koa';
import { tracked } from './in-flight';
import { isStoreUnavailable, storeAnswered, unavailable } from './store-faults';

export class Refusal extends Error {
  constructor(
    readonly status: 401 | 403,
    message: string
  ) {
    super(message);
    this.name = status === 401 ? 'UnauthorizedError' : 'ForbiddenError';
  }
}

export const refuse = (status: 401 | 403, message: string): never => {
  throw new Refusal(status, message);
};

type Action = (ctx: Context) => Promise<void>;

/**
 * Wraps controller actions so that a Refusal becomes its 401/403 response and an unreachable
 * database a 503 (see store-faults).
 */
export function answeringRefusals<T extends Record<string, Action>>(strapi: Core.Strapi, actions: T): T {
  const wrapped: Record<string, Action> = {};
  for (const [name, action] of Object.entries(actions)) {
    wrapped[name] = (ctx) =>
      tracked(strapi, async () => {
        try {
          await action(ctx);
        } catch (error) {
          if (await isStoreUnavailable(strapi, error)) throw unavailable(ctx, strapi, error);
          if (!(error instanceof Refusal)) throw error;
          ctx.status = error.status;
          ctx.body = { data: null, error: { status: error.status, name: error.name, message: error.message, details: {} } };
        }
        storeAnswered(strapi); // answered (a refusal too): the store was reachable
      });
  }
  return wrapped as T;
}

/**
 * A Refusal as an error Strapi shows with its message, in REST and in GraphQL: the route
 * authorization step lets a PolicyError (403) and an HTTP error (401, named UnauthorizedError)
 * through untouched, where it would answer Strapi's own UnauthorizedError with a bare "Unauthorized".
 */
export function asPublicError(refusal: Refusal): Error {
  const error: Error = refusal.status === 401 ? createError(401, refusal.message) : new errors.PolicyError(refusal.message);
  error.name = refusal.name;
  return error;
}

/**
 * What to throw for a failure in code that runs inside another plugin's route (the
 * users-permissions wrappers) or in a GraphQL resolver: a 503 for an unreachable store, a
 * Refusal as a public error, anything else as it is.
 */
export async function publicFailure(ctx: Context, strapi: Core.Strapi, error: unknown): Promise<unknown> {
  if (await isStoreUnavailable(strapi, error)) return unavailable(ctx, strapi, error);
  return error instanceof Refusal ? asPublicError(error) : error;
}
