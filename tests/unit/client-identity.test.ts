/** The server entry (WebCrypto) and the plugin (node:crypto) sign the browser's identity alike. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CLIENT_HEADERS, clientSignature } from '../../server/src/http/trusted-front-end';
import { clientHeaders } from '../../server-entry/src';

describe('trusted front-end headers', () => {
  it('no secret, no headers', async () => {
    expect(await clientHeaders(undefined, { ip: '203.0.113.1', userAgent: 'x' })).toEqual({});
  });

  it('the entry signs exactly what the plugin verifies, for any IP and User-Agent', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 16, maxLength: 64 }),
        fc.ipV4(),
        fc.string({ maxLength: 200 }),
        async (secret, ip, userAgent) => {
          const headers = await clientHeaders(secret, { ip, userAgent });
          expect(Object.keys(headers).sort()).toEqual(Object.values(CLIENT_HEADERS).sort());
          expect(headers[CLIENT_HEADERS.ip]).toBe(ip);
          expect(decodeURIComponent(headers[CLIENT_HEADERS.userAgent])).toBe(userAgent);
          expect(headers[CLIENT_HEADERS.signature]).toBe(clientSignature(secret, ip, headers[CLIENT_HEADERS.userAgent]));
        }
      ),
      { numRuns: 200 }
    );
  });
});
