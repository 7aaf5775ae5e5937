/** clientAddress: what a session keeps of an IP (pure). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ipNetwork, storedAddress } from '../../server/src/services/client-address';

describe('clientAddress', () => {
  it('network: the IPv4 /24 and the IPv6 /48, never the address; idempotent', () => {
    expect(storedAddress('203.0.113.77', 'network')).toBe('203.0.113.0/24');
    expect(storedAddress('::ffff:198.51.100.9', 'network')).toBe('198.51.100.0/24');
    expect(storedAddress('2001:db8:abcd:12:1:2:3:4', 'network')).toBe('2001:db8:abcd::/48');
    expect(storedAddress('2001:db8::1', 'network')).toBe('2001:db8:0::/48');
    expect(storedAddress('::1', 'network')).toBe('0:0:0::/48');
    expect(storedAddress('not an ip', 'network')).toBeUndefined();
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        const stored = storedAddress(ip, 'network')!;
        expect(stored).toBe(`${ip.split('.').slice(0, 3).join('.')}.0/24`);
        expect(ipNetwork(stored)).toBe(stored);
      })
    );
    fc.assert(
      fc.property(fc.ipV6(), (ip) => {
        const stored = storedAddress(ip, 'network')!;
        expect(stored).toMatch(/^[0-9a-f]{1,4}:[0-9a-f]{1,4}:[0-9a-f]{1,4}::\/48$/);
        expect(ipNetwork(stored)).toBe(stored);
      })
    );
  });

  it('full keeps the address; none keeps nothing; a missing address stays missing', () => {
    expect(storedAddress('203.0.113.77', 'full')).toBe('203.0.113.77');
    expect(storedAddress('203.0.113.77', 'none')).toBeUndefined();
    expect(storedAddress(undefined, 'network')).toBeUndefined();
  });
});
