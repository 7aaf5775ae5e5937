import type { Core } from '@strapi/strapi';
import { metrics } from './metrics';

/** Events on strapi.eventHub (`refresh-token.session.<name>`), also offered to Strapi webhooks. */
export const SESSION_EVENTS = ['created', 'refreshed', 'revoked', 'reused', 'new-device', 'unbound-attempt'] as const;
export type SessionEvent = (typeof SESSION_EVENTS)[number];

/**
 * Emits a session event without waiting for its listeners. An app's listener that fails is logged:
 * it must neither fail the token request nor become an unhandled rejection, which ends Node.
 */
export function emitSessionEvent(strapi: Core.Strapi, event: SessionEvent, payload: Record<string, unknown>): void {
  if (event === 'revoked') metrics.revocation(String(payload.reason));
  strapi.eventHub.emit(`refresh-token.session.${event}`, payload).catch((error: unknown) => {
    strapi.log.error(
      `[refresh-token] a listener of refresh-token.session.${event} failed: ${error instanceof Error ? error.message : String(error)}`
    );
  });
}
