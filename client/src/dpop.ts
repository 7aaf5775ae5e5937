/**
 * The client's DPoP key: made at login, kept where this runtime can keep it without script being
 * able to take it away, used for every refresh and logout of the session it bound.
 * - Browsers: a non-extractable key pair in IndexedDB, so reloads and tabs share it; script on the
 *   page can use it while it runs, never export it.
 * - Node and other runtimes: `dpopKey`, or a key pair made in memory for this client.
 */
import { generateProofKey, proofSigner, type ProofSigner } from '../../contracts/src/dpop-proof';

const DB = 'strapi-refresh-token';
const STORE = 'dpop-keys';

export interface ProofKeys {
  /** A new key for a login; null where none can be kept (the session stays unbound). */
  forLogin(): Promise<ProofSigner | null>;
  /** The login succeeded: keep its key for the session's refreshes. */
  keep(signer: ProofSigner): Promise<void>;
  /** The key of the current session, if one was kept. */
  current(): Promise<ProofSigner | null>;
  forget(): Promise<void>;
}

interface KeyStore {
  get(): Promise<CryptoKeyPair | undefined>;
  set(keys: CryptoKeyPair): Promise<void>;
  delete(): Promise<void>;
}

function indexedDbStore(name: string): KeyStore {
  const open = () =>
    new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open(DB, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  const run = async <T>(mode: IDBTransactionMode, work: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> => {
    const db = await open();
    try {
      return await new Promise<T>((resolve, reject) => {
        const request = work(db.transaction(STORE, mode).objectStore(STORE));
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    } finally {
      db.close();
    }
  };
  return {
    get: () => run<CryptoKeyPair | undefined>('readonly', (store) => store.get(name)),
    set: async (keys) => void (await run('readwrite', (store) => store.put(keys, name))),
    delete: async () => void (await run('readwrite', (store) => store.delete(name))),
  };
}

function memoryStore(initial?: CryptoKeyPair): KeyStore {
  let keys = initial;
  return {
    get: async () => keys,
    set: async (next) => void (keys = next),
    delete: async () => void (keys = initial),
  };
}

/**
 * `mode`: 'optional' binds where a key can be kept and stays unbound elsewhere; 'required' throws
 * a clear error where it cannot. `browser`: this runtime is a page (keys belong in IndexedDB).
 */
export function proofKeys(mode: 'optional' | 'required', name: string, browser: boolean, given?: CryptoKeyPair): ProofKeys {
  const hasWebCrypto = typeof crypto !== 'undefined' && typeof crypto.subtle?.sign === 'function';
  const hasIndexedDb = typeof indexedDB !== 'undefined';
  const missing = !hasWebCrypto ? 'WebCrypto' : browser && !given && !hasIndexedDb ? 'IndexedDB' : null;
  const store = missing ? null : browser && !given ? indexedDbStore(name) : memoryStore(given);
  let cached: { keys: CryptoKeyPair; signer: ProofSigner } | null = null;

  const signerOf = async (keys: CryptoKeyPair) => {
    if (cached?.keys !== keys) cached = { keys, signer: await proofSigner(keys) };
    return cached.signer;
  };
  const unavailable = (why: string) => {
    if (mode === 'required') throw new Error(`dpop: 'required' needs ${why} in this runtime to keep the session's key`);
    return null;
  };

  return {
    async forLogin() {
      if (!store) return unavailable(missing!);
      if (given) return signerOf(given);
      try {
        return await signerOf(await generateProofKey());
      } catch (error) {
        return unavailable(`a WebCrypto ECDSA P-256 key (${(error as Error).message})`);
      }
    },
    async keep(signer) {
      if (!store || !cached || cached.signer !== signer) return;
      // Kept in memory at least: a store that fails costs the key at the next reload, not now.
      await store.set(cached.keys).catch(() => undefined);
    },
    async current() {
      if (!store) return null;
      // Read each time: another tab's login may have replaced the key.
      const keys = (await store.get().catch(() => undefined)) ?? cached?.keys;
      return keys ? signerOf(keys) : null;
    },
    async forget() {
      cached = null;
      await store?.delete().catch(() => undefined);
    },
  };
}
