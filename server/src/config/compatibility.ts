/**
 * The Strapi versions this plugin supports: the oldest minor the compatibility matrix
 * (tests/compat) installs, boots and drives through login → refresh → reuse → logout, and whose
 * admin panel builds with it. package.json's peerDependencies say the same.
 */
const OLDEST_SUPPORTED_STRAPI = '5.20.0';

const parts = (version: string) =>
  version
    .split(/[.+-]/)
    .slice(0, 3)
    .map((n) => Number.parseInt(n, 10) || 0);

/** Why this Strapi version is not supported, or null when it is. */
export function unsupportedStrapi(version: unknown): string | null {
  if (typeof version !== 'string' || !/^\d+\.\d+\.\d+/.test(version)) return null; // unknown: do not guess
  const [major, minor, patch] = parts(version);
  const [, oMinor, oPatch] = parts(OLDEST_SUPPORTED_STRAPI);
  if (major !== 5)
    return `strapi-plugin-refresh-token supports Strapi 5 (${OLDEST_SUPPORTED_STRAPI} or newer); this app runs Strapi ${version}`;
  if (minor < oMinor || (minor === oMinor && patch < oPatch)) {
    return `strapi-plugin-refresh-token needs Strapi ${OLDEST_SUPPORTED_STRAPI} or newer; this app runs Strapi ${version}. Upgrade Strapi (npx @strapi/upgrade minor), or use an older release of the plugin.`;
  }
  return null;
}
