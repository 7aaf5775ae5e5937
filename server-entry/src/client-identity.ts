/**
 * Trusted front end: the browser's IP and User-Agent in headers signed with the secret shared with
 * Strapi (HMAC-SHA256 by WebCrypto), together with the request they are for (method, path) and a
 * timestamped nonce, so that a set holds for one request only. Strapi's side of the contract:
 * server/src/http/trusted-front-end.ts.
 */
import type { ClientIdentity } from './types';

/** Header names and signed text: the contract with the plugin's trusted-front-end check. */
const CLIENT_HEADERS = {
  ip: 'x-refresh-token-client-ip',
  userAgent: 'x-refresh-token-client-user-agent',
  nonce: 'x-refresh-token-client-nonce',
  signature: 'x-refresh-token-client-signature',
};
const base64url = (bytes: Uint8Array): string =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

const hmacKeys = new Map<string, ReturnType<typeof crypto.subtle.importKey>>();
async function sign(secret: string, text: string): Promise<string> {
  let key = hmacKeys.get(secret);
  if (!key)
    hmacKeys.set(
      secret,
      (key = crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']))
    );
  return base64url(new Uint8Array(await crypto.subtle.sign('HMAC', await key, new TextEncoder().encode(text))));
}

/** The request a set of client headers is signed for. */
export interface SignedRequest {
  method: string;
  /** The URL (absolute, or a path) the request goes to: its path is signed. */
  url: string;
}

/** The signed client headers for one request to Strapi; none without a secret. */
export async function clientHeaders(
  secret: string | undefined,
  client: ClientIdentity = {},
  request: SignedRequest
): Promise<Record<string, string>> {
  if (!secret) return {};
  const ip = client.ip ?? '';
  const encodedUserAgent = encodeURIComponent(client.userAgent ?? '');
  const nonce = `${Date.now()}.${base64url(crypto.getRandomValues(new Uint8Array(16)))}`;
  const path = new URL(request.url, 'http://front-end.invalid').pathname;
  const text = `${request.method.toUpperCase()}\n${path}\n${nonce}\n${ip}\n${encodedUserAgent}`;
  return {
    [CLIENT_HEADERS.ip]: ip,
    [CLIENT_HEADERS.userAgent]: encodedUserAgent,
    [CLIENT_HEADERS.nonce]: nonce,
    [CLIENT_HEADERS.signature]: await sign(secret, text),
  };
}
