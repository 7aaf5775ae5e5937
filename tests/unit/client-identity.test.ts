/** The server entry (WebCrypto) and the plugin (node:crypto) sign the browser's identity and the request alike. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CLIENT_HEADERS, clientSignature, signedText } from '../../server/src/http/trusted-front-end';
import { clientHeaders } from '../../server-entry/src';

describe('trusted front-end headers', () => {
  it('no secret, no headers', async () => {
    expect(await clientHeaders(undefined, { ip: '203.0.113.1', userAgent: 'x' }, { method: 'POST', url: '/api/token/refresh' })).toEqual(
      {}
    );
  });

  it('the entry signs exactly what the plugin verifies: method, path, a fresh nonce, IP and User-Agent', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 16, maxLength: 64 }),
        fc.ipV4(),
        fc.string({ maxLength: 200 }),
        fc.constantFrom('GET', 'post', 'DELETE'),
        fc.webPath(),
        async (secret, ip, userAgent, method, path) => {
          const url = `http://strapi.internal:1337${path.startsWith('/') ? path : `/${path}`}`;
          const headers = await clientHeaders(secret, { ip, userAgent }, { method, url });
          expect(Object.keys(headers).sort()).toEqual(Object.values(CLIENT_HEADERS).sort());
          expect(headers[CLIENT_HEADERS.ip]).toBe(ip);
          expect(decodeURIComponent(headers[CLIENT_HEADERS.userAgent])).toBe(userAgent);
          const nonce = headers[CLIENT_HEADERS.nonce];
          expect(Math.abs(Number(nonce.split('.')[0]) - Date.now())).toBeLessThan(5_000);
          const text = signedText(method, new URL(url).pathname, nonce, ip, headers[CLIENT_HEADERS.userAgent]);
          expect(headers[CLIENT_HEADERS.signature]).toBe(clientSignature(secret, text));
        }
      ),
      { numRuns: 200 }
    );
  });

  it('two sets for the same request differ (one use each)', async () => {
    const request = { method: 'POST', url: '/api/auth/local' };
    const [a, b] = await Promise.all([clientHeaders('s'.repeat(32), {}, request), clientHeaders('s'.repeat(32), {}, request)]);
    expect(a[CLIENT_HEADERS.nonce]).not.toBe(b[CLIENT_HEADERS.nonce]);
    expect(a[CLIENT_HEADERS.signature]).not.toBe(b[CLIENT_HEADERS.signature]);
  });
});
