import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { defaultConfig, derivedSessionOnly, LIFESPAN_KEYS, lifespanErrors, lifespansOf, type Lifespans, pluginConfig } from '../config';

/** How long a read of the saved settings is trusted; bounds staleness across instances. */
const CACHE_MS = 5000;
const STORE_KEY = 'settings';

/** 'default': the built-in default (config/plugins leaves it), 'config': set there, 'saved': saved in the admin. */
export type LifespanSource = 'default' | 'config' | 'saved';

export interface SettingsView {
  values: Lifespans;
  configured: Lifespans;
  sources: Record<keyof Lifespans, LifespanSource>;
}

/**
 * The lifespans in force: config/plugins.ts supplies the defaults, values saved from the admin
 * settings page (plugin store) override them without a restart.
 */
const settings = ({ strapi }: { strapi: Core.Strapi }) => {
  const store = () => strapi.store({ type: 'plugin', name: 'refresh-token' });
  const configured = (): Lifespans => lifespansOf(pluginConfig(strapi));
  let cache: { saved: Partial<Lifespans>; at: number } | null = null;
  let inForce: { saved: Partial<Lifespans>; raw: unknown[]; value: Lifespans } | null = null;

  async function saved(): Promise<Partial<Lifespans>> {
    const readAt = Date.now(); // stamped before the read: a slow read must not stretch the bound
    if (cache && readAt - cache.at < CACHE_MS) return cache.saved;
    const raw = ((await store().get({ key: STORE_KEY })) ?? {}) as Partial<Lifespans>;
    const clean: Partial<Lifespans> = {};
    for (const key of LIFESPAN_KEYS) if (Number.isInteger(raw[key])) clean[key] = raw[key];
    cache = { saved: clean, at: readAt };
    return clean;
  }

  /**
   * Config overridden by saved values. When neither sets the remember-me-off idle lifespan, it is
   * derived from the access and idle lifespans in force, so saving those never breaks it.
   */
  function combine(savedValues: Partial<Lifespans>): Lifespans {
    const merged = { ...configured(), ...savedValues };
    const { sessionOnlyIdleLifespan } = pluginConfig(strapi);
    if (sessionOnlyIdleLifespan == null && !('sessionOnlyIdleLifespan' in savedValues)) {
      merged.sessionOnlyIdleLifespan = derivedSessionOnly(merged.accessTokenLifespan, merged.refreshTokenIdleLifespan);
    }
    return merged;
  }

  function merge(savedValues: Partial<Lifespans>): Lifespans {
    const merged = combine(savedValues);
    // A saved set that no longer fits the config (e.g. config max lowered) falls back to config.
    return lifespanErrors(merged).length === 0 ? merged : configured();
  }

  return {
    configured,

    /** Worked out again only when the saved values or the configured ones change (a refresh asks every time). */
    async lifespans(): Promise<Lifespans> {
      const savedValues = await saved();
      const config = pluginConfig(strapi) as unknown as Record<string, unknown>;
      const raw = LIFESPAN_KEYS.map((key) => config[key]);
      if (inForce?.saved !== savedValues || raw.some((value, i) => value !== inForce?.raw[i])) {
        inForce = { saved: savedValues, raw, value: merge(savedValues) };
      }
      return inForce.value;
    },

    async view(): Promise<SettingsView> {
      const savedValues = await saved();
      const sources = {} as SettingsView['sources'];
      const config = configured();
      const defaults = lifespansOf(defaultConfig);
      const isDefault = (key: keyof Lifespans) =>
        key === 'sessionOnlyIdleLifespan' ? pluginConfig(strapi).sessionOnlyIdleLifespan == null : config[key] === defaults[key];
      for (const key of LIFESPAN_KEYS) sources[key] = key in savedValues ? 'saved' : isDefault(key) ? 'default' : 'config';
      return { values: merge(savedValues), configured: config, sources };
    },

    /** Saves a full or partial set; rejects (400, field errors) a set that breaks the rules. */
    async save(input: Partial<Lifespans>): Promise<SettingsView> {
      const next = { ...(await saved()), ...input };
      const errorsByKey = lifespanErrors(combine(next));
      if (errorsByKey.length > 0) {
        throw new errors.ValidationError('Invalid lifespans', {
          errors: errorsByKey.map(([key, message]) => ({ path: [key], message, name: 'ValidationError' })),
        });
      }
      await store().set({ key: STORE_KEY, value: next });
      cache = { saved: next, at: Date.now() };
      return this.view();
    },

    async reset(): Promise<SettingsView> {
      await store().set({ key: STORE_KEY, value: {} });
      cache = { saved: {}, at: Date.now() };
      return this.view();
    },
  };
};

export default settings;
export type SettingsService = ReturnType<typeof settings>;

declare module './registry' {
  interface Services {
    settings: SettingsService;
  }
}
