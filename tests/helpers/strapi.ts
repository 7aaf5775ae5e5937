/**
 * Boots the playground Strapi app in this process with the BUILT plugin (dist/, through the
 * package's exports), on a fresh database, listening on a random port. One at a time per process.
 */
import path from 'node:path';
import type { Core } from '@strapi/strapi';
import { createRequire } from 'node:module';
import { createDatabase } from './database';
import { HttpClient } from './http';

export const PLAYGROUND = path.resolve(__dirname, '../../playground');
export const DEMO_USER = { username: 'demo', email: 'demo@example.com', password: 'Demo-Passw0rd!' };

export interface TestApp {
  strapi: Core.Strapi;
  url: string;
  /** `from`: another local address (127.0.0.2…), i.e. another client IP. */
  client(from?: string): HttpClient;
  /** This app's database; pass it to another startStrapi (after stop({ keepDatabase: true })) to restart on it. */
  database: Database;
  stop(options?: { keepDatabase?: boolean }): Promise<void>;
  createUser(
    fields?: Partial<{ username: string; email: string; password: string; blocked: boolean; confirmed: boolean }>
  ): Promise<{ id: number; email: string; password: string }>;
}

export interface StartOptions {
  /** The refresh-token plugin config (rate limiting is off unless given). */
  plugin?: Record<string, unknown>;
  /** Extra users-permissions config. */
  usersPermissions?: Record<string, unknown>;
  env?: Record<string, string>;
  /** Boot on this database (kept from an earlier app) instead of a new one. */
  database?: Database;
  /** A new database with no tables, as a new app has (default: a copy of the run's template, when there is one). */
  emptyDatabase?: boolean;
}

type Database = Awaited<ReturnType<typeof createDatabase>>;

/** Both limiters as a user gets them (startStrapi turns them off unless told otherwise). */
export const LIMITERS_AT_DEFAULTS = {
  plugin: { rateLimit: { enabled: true } },
  usersPermissions: { ratelimit: { enabled: true } },
} as const;

// Strapi's ESM build does not load under Node's ESM resolver; use its CommonJS entry, as an app does.
const { createStrapi } = createRequire(import.meta.url)('@strapi/strapi') as typeof import('@strapi/strapi');

let userCounter = 0;

export async function startStrapi(options: StartOptions = {}): Promise<TestApp> {
  const database = options.database ?? (await createDatabase({ fromTemplate: !options.emptyDatabase }));
  const env: Record<string, string> = {
    ...database.env,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
    SEED: 'true',
    // Strapi posts telemetry for the first API requests of a day: nothing to measure here.
    STRAPI_TELEMETRY_DISABLED: 'true',
    REFRESH_TOKEN_CONFIG: JSON.stringify({ rateLimit: { enabled: false }, ...options.plugin }),
    // users-permissions throttles /auth/local to 10 a minute per IP: off, except where a test wants it.
    UP_CONFIG: JSON.stringify({ ratelimit: { enabled: false }, ...options.usersPermissions }),
    ...options.env,
  };
  const previous: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(env)) {
    previous[key] = process.env[key];
    process.env[key] = value;
  }
  // strapi.destroy() calls process.removeAllListeners(), which would cut the test runner's own
  // IPC with this worker: keep the listeners there were before boot and put them back after.
  const listeners = process.eventNames().map((event) => [event, process.listeners(event as any)] as const);
  const strapi = await createStrapi({ appDir: PLAYGROUND, distDir: PLAYGROUND, serveAdminPanel: false }).load();
  strapi.server.mount();
  await new Promise<void>((resolve) => strapi.server.httpServer.listen(0, '127.0.0.1', resolve));
  const { port } = strapi.server.httpServer.address() as { port: number };
  const url = `http://127.0.0.1:${port}`;

  return {
    strapi,
    url,
    client: (from?: string) => new HttpClient(url, from),
    database,
    async stop({ keepDatabase = false } = {}) {
      await strapi.destroy();
      for (const [event, fns] of listeners) for (const fn of fns) process.on(event as any, fn as any);
      if (!keepDatabase) await database.drop();
      for (const [key, value] of Object.entries(previous)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    },
    async createUser(fields = {}) {
      const n = ++userCounter;
      const data = {
        username: `user${n}`,
        email: `user${n}@example.com`,
        password: `Passw0rd-${n}!`,
        confirmed: true,
        blocked: false,
        ...fields,
      };
      const role = await strapi.db.query('plugin::users-permissions.role').findOne({ where: { type: 'authenticated' } });
      const user = await strapi
        .plugin('users-permissions')
        .service('user')
        .add({ ...data, provider: 'local', role: role.id });
      return { id: user.id, email: data.email, password: data.password };
    },
  };
}
