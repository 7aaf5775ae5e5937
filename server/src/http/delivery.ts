/**
 * Where this request's refresh token travels: the cookie, the JSON body, or both, per `delivery`.
 *
 * A server-rendered front end's server (the `./server` entry) keeps the token itself and asks for
 * it in the body with `X-Refresh-Token-Delivery: body`, whatever `delivery` says, so the entry
 * works on the plugin's defaults and over an internal plain-HTTP hop to a production Strapi. This
 * is granted only to requests no browser script can make: no `Origin` (browsers send it on every
 * POST) and no `Sec-Fetch-Site` (browsers send it on every request; Node's fetch does not). Such a client reads any
 * Set-Cookie anyway: httpOnly protects the token from page script, and page script cannot ask.
 */
import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import type { Context } from 'koa';
import { pluginConfig } from '../config';

const SERVER_DELIVERY_HEADER = 'x-refresh-token-delivery';

function asked(ctx: Context): boolean {
  if (ctx.get(SERVER_DELIVERY_HEADER) !== 'body') return false;
  if (ctx.get('origin') || ctx.get('sec-fetch-site')) {
    // Refused before anything happens: a login must not leave a session no one can hold.
    throw new errors.ValidationError(
      "X-Refresh-Token-Delivery: body is for server-to-server requests (a front end's server): this request carries Origin or Sec-Fetch-Site, as only browsers do"
    );
  }
  return true;
}

/** Whether this request's refresh token travels in the cookie. */
export const usesCookie = (ctx: Context, strapi: Core.Strapi): boolean => {
  const { delivery } = pluginConfig(strapi);
  return (delivery === 'cookie' || delivery === 'both') && !asked(ctx);
};

/** Whether this request's refresh token travels in the JSON body. */
export const usesBody = (ctx: Context, strapi: Core.Strapi): boolean => {
  const { delivery } = pluginConfig(strapi);
  return delivery === 'body' || delivery === 'both' || asked(ctx);
};
