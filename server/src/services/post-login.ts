/**
 * What a login does besides creating its session: the per-user session cap, and the new-device
 * alert (an event, and optionally an e-mail). The sessions service keeps the table; the rules
 * about it live here.
 */
import type { Core } from '@strapi/strapi';
import { pluginConfig } from '../config';
import { parseDuration } from '../config/duration';
import { emitSessionEvent } from './events';
import type { RequestMeta } from './sessions';
import { deviceLabel } from './user-agent';
import { getService } from './registry';
import { ipNetwork } from './client-address';

const render = (template: string, values: Record<string, string>) =>
  template.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, key) => values[key] ?? '');

export async function afterLogin(
  strapi: Core.Strapi,
  { userId, sessionId, meta, firstLogin }: { userId: number; sessionId: string; meta: RequestMeta; firstLogin: boolean }
): Promise<void> {
  const config = pluginConfig(strapi);
  const sessions = getService(strapi, 'sessions');

  if (config.maxSessionsPerUser) await sessions.revokeBeyond(userId, config.maxSessionsPerUser, 'session-limit');

  // A new account has no devices to compare with: its first login is not an alert.
  if (!config.newDevice.enabled || firstLogin) return;
  const since = Date.now() - (parseDuration(config.newDevice.lookback) as number) * 1000;
  const device = deviceLabel(meta.userAgent);
  const network = ipNetwork(meta.ip);
  const seen = await sessions.devicesSince(userId, since, sessionId);
  if (seen.some((s) => deviceLabel(s.userAgent) === device && ipNetwork(s.ip) === network)) return;

  emitSessionEvent(strapi, 'new-device', { sessionId, userId, device, ip: meta.ip, userAgent: meta.userAgent });
  if (config.newDevice.email) await emailNewDevice(strapi, config.newDevice.email, { userId, device, ip: meta.ip ?? 'not recorded' });
}

async function emailNewDevice(
  strapi: Core.Strapi,
  template: { subject: string; text: string },
  { userId, device, ip }: { userId: number; device: string; ip: string }
) {
  const user = await strapi.db.query('plugin::users-permissions.user').findOne({ where: { id: userId }, select: ['email', 'username'] });
  if (!user?.email) return;
  const values = { username: user.username ?? '', device, ip, time: new Date().toISOString() };
  try {
    await strapi
      .plugin('email')
      .service('email')
      .send({ to: user.email, subject: render(template.subject, values), text: render(template.text, values) });
  } catch (error) {
    // An alert that cannot be mailed must not fail the login it reports.
    strapi.log.warn(`[refresh-token] new-device e-mail to user ${userId} failed: ${(error as Error).message}`);
  }
}
