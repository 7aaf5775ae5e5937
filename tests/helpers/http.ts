import http from 'node:http';

/** fetch with a cookie jar: what a browser would keep, minus the Path matching the server decides. */
export interface Reply {
  status: number;
  headers: Headers;
  body: any;
  text: string;
  setCookies: string[];
}

export interface RequestOptions {
  json?: unknown;
  body?: string | Buffer | FormData | URLSearchParams;
  headers?: Record<string, string>;
  bearer?: string;
  /** Send no cookies from the jar (and keep none from the reply). */
  noJar?: boolean;
}

/** One HTTP/1.1 request from a given local address (another loopback address: another client IP). */
function requestFrom(
  localAddress: string,
  url: string,
  init: { method: string; headers: Record<string, string>; body?: unknown }
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: init.method, headers: init.headers, localAddress }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const headers = new Headers();
        for (const [name, value] of Object.entries(res.headers)) for (const v of [value ?? []].flat()) headers.append(name, v);
        resolve(new Response(res.statusCode === 204 ? null : Buffer.concat(chunks), { status: res.statusCode, headers }));
      });
    });
    req.on('error', reject);
    req.end(init.body as string | Buffer | undefined);
  });
}

export class HttpClient {
  readonly jar = new Map<string, string>();
  /** `localAddress`: send from this address (e.g. 127.0.0.2), so that Strapi sees another client IP. */
  constructor(
    readonly baseURL: string,
    readonly localAddress?: string
  ) {}

  cookieHeader(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async request(method: string, path: string, options: RequestOptions = {}): Promise<Reply> {
    const headers: Record<string, string> = { ...options.headers };
    let body: RequestInit['body'] = options.body as RequestInit['body'];
    if (options.json !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = JSON.stringify(options.json);
    }
    if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
    if (!options.noJar && this.jar.size > 0 && !headers.cookie) headers.cookie = this.cookieHeader();
    if (this.localAddress && body !== undefined && typeof body !== 'string' && !Buffer.isBuffer(body))
      throw new Error('localAddress requests take a string or Buffer body');
    const res = this.localAddress
      ? await requestFrom(this.localAddress, this.baseURL + path, { method, headers, body })
      : await fetch(this.baseURL + path, { method, headers, body });
    const text = await res.text();
    const setCookies = res.headers.getSetCookie();
    if (!options.noJar) this.store(setCookies);
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, body: parsed, text, setCookies };
  }

  post(path: string, options?: RequestOptions) {
    return this.request('POST', path, options);
  }
  get(path: string, options?: RequestOptions) {
    return this.request('GET', path, options);
  }
  delete(path: string, options?: RequestOptions) {
    return this.request('DELETE', path, options);
  }

  private store(setCookies: string[]) {
    for (const line of setCookies) {
      const [pair, ...attributes] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const expired = attributes.some((a) => /^max-age=0$/i.test(a) || (/^expires=/i.test(a) && Date.parse(a.slice(8)) <= Date.now()));
      if (expired || value === '') this.jar.delete(name);
      else this.jar.set(name, value);
    }
  }

  login(identifier: string, password: string) {
    return this.post('/api/auth/local', { json: { identifier, password } });
  }
  refresh(options: RequestOptions = { json: {} }) {
    return this.post('/api/token/refresh', options);
  }
}

/** Attributes of the named Set-Cookie line, lower-cased keys: { value, path, 'max-age', ... }. */
export function parseSetCookie(setCookies: string[], name: string): Record<string, string> | undefined {
  const line = setCookies.find((l) => l.startsWith(`${name}=`));
  if (!line) return undefined;
  const [pair, ...attributes] = line.split(';').map((s) => s.trim());
  const result: Record<string, string> = { value: pair.slice(name.length + 1) };
  for (const a of attributes) {
    const eq = a.indexOf('=');
    result[(eq === -1 ? a : a.slice(0, eq)).toLowerCase()] = eq === -1 ? 'true' : a.slice(eq + 1);
  }
  return result;
}

export const decodeJwt = (token: string): Record<string, any> => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
