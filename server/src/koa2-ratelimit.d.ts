declare module 'koa2-ratelimit' {
  import type { Context, Middleware } from 'koa';
  export const RateLimit: {
    middleware(options: {
      interval: number | Record<string, number>;
      max: number;
      headers?: boolean;
      prefixKey?: string;
      keyGenerator?: (ctx: Context) => Promise<string>;
      skip?: (ctx: Context) => Promise<boolean>;
      handler?: (ctx: Context) => unknown;
    }): Middleware;
  };
}
