/**
 * Trusted front end: the browser's IP and User-Agent in headers signed with the secret shared with
 * Strapi (HMAC-SHA256 by WebCrypto). Strapi's side of the contract: server/src/http/trusted-front-end.ts.
 */
import type { ClientIdentity } from './types';

/** Header names and signed text: the contract with the plugin's trusted-front-end check. */
const CLIENT_HEADERS = {
  ip: 'x-refresh-token-client-ip',
  userAgent: 'x-refresh-token-client-user-agent',
  signature: 'x-refresh-token-client-signature',
};
const hmacKeys = new Map<string, ReturnType<typeof crypto.subtle.importKey>>();
async function clientSignature(secret: string, ip: string, encodedUserAgent: string): Promise<string> {
  let key = hmacKeys.get(secret);
  if (!key)
    hmacKeys.set(
      secret,
      (key = crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']))
    );
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', await key, new TextEncoder().encode(`${ip}\n${encodedUserAgent}`)));
  return btoa(String.fromCharCode(...mac))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/** The signed client headers for one request to Strapi; none without a secret. */
export async function clientHeaders(secret: string | undefined, client: ClientIdentity = {}): Promise<Record<string, string>> {
  if (!secret) return {};
  const ip = client.ip ?? '';
  const encodedUserAgent = encodeURIComponent(client.userAgent ?? '');
  return {
    [CLIENT_HEADERS.ip]: ip,
    [CLIENT_HEADERS.userAgent]: encodedUserAgent,
    [CLIENT_HEADERS.signature]: await clientSignature(secret, ip, encodedUserAgent),
  };
}
