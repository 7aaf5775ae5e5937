/**
 * A 401 or 403 with its reason. Thrown as Strapi's UnauthorizedError/ForbiddenError, Strapi's
 * route authorization step would replace the reason with a bare "Unauthorized"/"Forbidden"; as any
 * other error, its error middleware would log a stack trace for every refused token. The token
 * endpoint wrapper (./token-endpoint.ts) answers it, or throws it as a public error.
 */
import { errors } from '@strapi/utils';
import createError from 'http-errors';

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
