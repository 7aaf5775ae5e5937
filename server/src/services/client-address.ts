/**
 * What a session keeps of its client's IP (`clientAddress`): by default only the network it
 * belongs to (IPv4 /24, IPv6 /48), which is all new-device alerts compare; the full address only
 * when a team opts in. Pure. Rate limiting reads the request's own address, in memory, and never
 * this.
 */
import type { ClientAddressMode } from '../config';

/** The network an IP belongs to, as people move within it: IPv4 /24, IPv6 /48. Idempotent on its own output. */
export function ipNetwork(ip: string | null | undefined): string | null {
  if (!ip) return null;
  const v4 = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.\d{1,3}(?:\/24)?$/i.exec(ip);
  if (v4) return `${v4[1]}.${v4[2]}.${v4[3]}.0/24`;
  if (!ip.includes(':')) return null; // neither IPv4 nor IPv6: nothing worth keeping
  const [head, tail = ''] = ip
    .toLowerCase()
    .replace(/\/\d+$/, '')
    .split('::');
  // Expand '::' so that the first three groups are the real ones (2001:db8::1 → 2001:db8:0).
  const left = head.split(':').filter(Boolean);
  const right = tail.split(':').filter(Boolean);
  const groups = [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups
    .slice(0, 3)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/48`;
}

/** The form of an IP a session stores (and events and alerts carry) under `mode`. */
export function storedAddress(ip: string | null | undefined, mode: ClientAddressMode): string | undefined {
  if (!ip || mode === 'none') return undefined;
  return mode === 'full' ? ip : (ipNetwork(ip) ?? undefined);
}
