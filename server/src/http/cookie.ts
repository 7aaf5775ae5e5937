import type { CookieConfig } from '../config';

export interface CookieSettings {
  name: string;
  options: {
    httpOnly: true;
    signed: true;
    secure: boolean;
    sameSite: 'strict' | 'lax' | 'none';
    path: string;
    domain?: string;
    overwrite: true;
  };
}

/**
 * Resolves the cookie's name and fixed options. `secure: 'auto'` means Secure in production; a
 * Secure cookie gets the `__Secure-` prefix, which browsers only accept over HTTPS.
 */
export function cookieSettings(cookie: CookieConfig, nodeEnv = process.env.NODE_ENV): CookieSettings {
  const secure = cookie.secure === 'auto' ? nodeEnv === 'production' : cookie.secure;
  return {
    name: secure ? `__Secure-${cookie.name}` : cookie.name,
    options: {
      httpOnly: true,
      signed: true,
      secure,
      sameSite: cookie.sameSite,
      path: cookie.path,
      ...(cookie.domain ? { domain: cookie.domain } : {}),
      overwrite: true,
    },
  };
}

/** Max-Age in ms for a session that dies at `expiresAtMs`; never negative. */
export const cookieMaxAge = (expiresAtMs: number, nowMs: number): number => Math.max(0, expiresAtMs - nowMs);
