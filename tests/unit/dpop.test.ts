import { describe, expect, it } from 'vitest';
import { normalizedHtu, verifyProof } from '../../server/src/tokens/dpop';
import { proofSigner, generateProofKey } from '../../contracts/src/dpop-proof';
import { newProofKey, proof } from '../helpers/dpop';

const URL = 'https://api.example.com/api/token/refresh';
const expectation = { method: 'POST', url: URL, windowSeconds: 60 };

describe('DPoP proofs (pure)', () => {
  it('normalises htu as RFC 9449 compares it: no query or fragment, default port and case folded', () => {
    expect(normalizedHtu('HTTPS://API.Example.com:443/api/token/refresh?x=1#f')).toBe(URL);
    expect(normalizedHtu('ftp://example.com/x')).toBeNull();
    expect(normalizedHtu('not a url')).toBeNull();
  });

  it('a proof signed with WebCrypto by the clients (contracts/src/dpop-proof.ts) verifies with jose, thumbprint and all', async () => {
    const keys = await generateProofKey();
    const signer = await proofSigner(keys);
    const verified = await verifyProof(await signer.sign('post', `${URL}?q=1`), expectation);
    expect(verified.jkt).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(keys.privateKey.extractable).toBe(false);
    const withAth = await signer.sign('GET', 'https://api.example.com/api/users/me', 'the.access.token');
    await expect(
      verifyProof(withAth, {
        method: 'GET',
        url: 'https://api.example.com/api/users/me',
        windowSeconds: 60,
        accessToken: 'the.access.token',
      })
    ).resolves.toMatchObject({ jkt: verified.jkt });
    await expect(
      verifyProof(withAth, { method: 'GET', url: 'https://api.example.com/api/users/me', windowSeconds: 60, accessToken: 'another.token' })
    ).rejects.toThrow(/ath/);
  });

  it('what verifying a proof costs (ES256; printed, not asserted)', async () => {
    const key = await newProofKey();
    const proofs = await Promise.all(Array.from({ length: 600 }, () => proof(key, 'POST', URL)));
    for (const p of proofs.slice(0, 100)) await verifyProof(p, expectation); // warm-up
    const started = performance.now();
    const cpu = process.cpuUsage();
    for (const p of proofs.slice(100)) await verifyProof(p, expectation);
    const used = process.cpuUsage(cpu);
    const wall = ((performance.now() - started) / 500) * 1000;
    const cpuPerProof = (used.user + used.system) / 500;
    console.log(
      `DPoP proof verification (ES256, jose; the session's key imported once): ${cpuPerProof.toFixed(0)} µs CPU, ${wall.toFixed(0)} µs wall a proof`
    );
    expect(cpuPerProof).toBeGreaterThan(0);
  });
});
