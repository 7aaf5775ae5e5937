import { getPublicSuffix } from 'tldts';

/**
 * Which web origins may use the refresh cookie. Pure: no Strapi, no Koa.
 *
 * An entry of `trustedOrigins` is an exact origin (`https://app.example.com`, `http://localhost:5173`)
 * or one of two wildcard forms: `https://*.example.com` (any subdomain, at any depth, of
 * example.com over https; not example.com itself) and `http://localhost:*` (any port). Nothing
 * broader: `*` alone, a wildcard in the middle of a name or a path would trust sites you do not own,
 * and so would a wildcard over a public suffix (`https://*.com`, `*.co.uk`, `*.vercel.app`,
 * `*.github.io`: anyone can register a name there), checked against the Public Suffix List.
 *
 * Without `trustedOrigins`, development trusts pages on this machine (localhost, 127.0.0.1, [::1]
 * on any port) so a front end on another port works out of the box; production trusts only the
 * server's own origin.
 */

const ORIGIN = /^(https?):\/\/(\*\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:]+\])(?::(\d{1,5}|\*))?$/;
const LOOPBACK = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/;

/** Why a trustedOrigins entry is refused, or null when it is a valid origin or pattern. */
export function originPatternError(entry: unknown): string | null {
  if (typeof entry !== 'string') return `${JSON.stringify(entry)} is not a string`;
  if (entry === '*' || entry === 'null') return `'${entry}' would trust every site; list your front ends' origins`;
  if (!ORIGIN.test(entry.toLowerCase())) {
    return `'${entry}' is not an origin: write scheme://host[:port] with no path or trailing slash, e.g. https://app.example.com, https://*.example.com or http://localhost:*`;
  }
  const [, , sub, host] = ORIGIN.exec(entry.toLowerCase())!;
  if (sub && getPublicSuffix(host, { allowPrivateDomains: true }) === host) {
    return `'${entry}' would trust every site under the public suffix ${host} (anyone can register a name there); name your own domain, e.g. https://*.example.com`;
  }
  return null;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Compiles the entries into one test; entries were validated at start-up. */
function compile(entries: string[]): (origin: string) => boolean {
  const exact = new Set<string>();
  const patterns: RegExp[] = [];
  for (const raw of entries) {
    const entry = raw.toLowerCase();
    const [, scheme, sub, host, port] = ORIGIN.exec(entry)!;
    if (!sub && port !== '*') {
      exact.add(entry);
      continue;
    }
    const hostPart = `${sub ? '(?:[a-z0-9-]+\\.)+' : ''}${escape(host)}`;
    const portPart = port === '*' ? '(?::\\d{1,5})?' : port ? `:${port}` : '';
    patterns.push(new RegExp(`^${scheme}://${hostPart}${portPart}$`));
  }
  return (origin) => exact.has(origin) || patterns.some((p) => p.test(origin));
}

export interface OriginPolicy {
  /** Whether a request with this `Origin` header, to a server at `ownOrigins`, may use the cookie. */
  allows(origin: string, ownOrigins: string[]): boolean;
}

export function originPolicy(trustedOrigins: string[] | undefined, nodeEnv = process.env.NODE_ENV): OriginPolicy {
  const trusted = trustedOrigins ? compile(trustedOrigins) : nodeEnv === 'production' ? () => false : (o: string) => LOOPBACK.test(o);
  return {
    allows(origin, ownOrigins) {
      const o = origin.toLowerCase();
      return ownOrigins.some((own) => own.toLowerCase() === o) || trusted(o);
    },
  };
}
