import { PLUGIN_ID } from '../pluginId';

/** The translation id of a key of translations/<locale>.json. */
export const getTrad = (id: string) => `${PLUGIN_ID}.${id}`;

export const prefixPluginTranslations = (trad: Record<string, string>, pluginId: string): Record<string, string> =>
  Object.fromEntries(Object.entries(trad).map(([key, value]) => [`${pluginId}.${key}`, value]));
