import type { TokenStorage } from './types';

/**
 * The default refresh-token storage for `delivery: 'body'`: a variable, gone when the page or
 * process ends. Each call returns an independent store.
 */
export function memoryStorage(): TokenStorage {
  let value: string | null = null;
  return {
    get: () => value,
    set: (token) => {
      value = token;
    },
    remove: () => {
      value = null;
    },
  };
}
