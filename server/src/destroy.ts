import type { Core } from '@strapi/strapi';
import { drained } from './http/in-flight';
import { getService } from './services/registry';

/** Strapi destroys plugins before it closes the HTTP server: let token requests in progress finish. */
export default async ({ strapi }: { strapi: Core.Strapi }) => {
  if (!(await drained(strapi, 10_000))) strapi.log.warn('[refresh-token] shutting down with token requests still in progress after 10 s');
  await getService(strapi, 'activity').stop(); // the counts added up since the last write
};
