'use strict';
/**
 * The load generator: a separate process (forked by bench/run.js) so that the client's CPU is not
 * charged to the server's event loop. Receives { id, type: 'run', ...cell } over IPC, drives the
 * server with autocannon (keep-alive, one request in flight per connection) and answers
 * { id, result }. Latencies are recorded here per response (float ms, 2xx only) because
 * autocannon's own histogram has 1 ms resolution; errors = connection errors + timeouts + non-2xx.
 */
const fs = require('node:fs');
const autocannon = require('autocannon');

/** CPU time (user + system, ms) the server process has used so far, from /proc (Linux); else null. */
const TICK_MS = 1000 / 100; // USER_HZ is 100 on every mainstream Linux
function serverCpuMs(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS; // utime, stime
  } catch {
    return null;
  }
}

const DEMO = { identifier: 'demo@example.com', password: 'Demo-Passw0rd!' };

// DPoP (RFC 9449) proofs, signed synchronously here (the load process's CPU is not the server's):
// one P-256 key for the run, a fresh proof per request.
const crypto = require('node:crypto');
const dpopKey = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
const dpopJwk = (({ kty, crv, x, y }) => ({ kty, crv, x, y }))(dpopKey.publicKey.export({ format: 'jwk' }));
const b64 = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const dpopHeader = b64({ typ: 'dpop+jwt', alg: 'ES256', jwk: dpopJwk });
function proof(method, url, accessToken) {
  const claims = { htm: method, htu: url, iat: Math.floor(Date.now() / 1000), jti: crypto.randomUUID() };
  if (accessToken) claims.ath = crypto.createHash('sha256').update(accessToken).digest('base64url');
  const input = `${dpopHeader}.${b64(claims)}`;
  const signature = crypto.sign('sha256', Buffer.from(input), { key: dpopKey.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}
const JSON_HEADERS = { 'content-type': 'application/json' };

async function login(url, bound = false) {
  const headers = bound ? { ...JSON_HEADERS, dpop: proof('POST', `${url}/api/auth/local`) } : JSON_HEADERS;
  const response = await fetch(`${url}/api/auth/local`, { method: 'POST', headers, body: JSON.stringify(DEMO) });
  const body = await response.json().catch(() => ({}));
  if (response.status !== 200 || !body.jwt) throw new Error(`login failed: ${response.status} ${JSON.stringify(body).slice(0, 200)}`);
  return body;
}

/** `count` fresh logins, two at a time (bcrypt is the cost; more in parallel buys nothing). */
async function logins(url, count, bound = false) {
  const out = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      out.push(await login(url, bound));
    }
  };
  await Promise.all([worker(), worker()]);
  return out;
}

/** The request list and any per-cell setup for a scenario. */
async function scenario(cell) {
  const { url, name, refreshPath, connections } = cell;
  if (name === 'health') return { requests: [{ method: 'GET', path: '/_health' }] };
  if (name === 'me') {
    const { jwt } = await login(url);
    return { requests: [{ method: 'GET', path: '/api/users/me', headers: { authorization: `Bearer ${jwt}` } }] };
  }
  if (name === 'me-dpop') {
    // A bound session's access token as `Authorization: DPoP`, a proof (with ath) per request.
    const { jwt } = await login(url, true);
    const me = `${url}/api/users/me`;
    return {
      requests: [
        {
          method: 'GET',
          path: '/api/users/me',
          setupRequest: (req) => ({ ...req, headers: { ...req.headers, authorization: `DPoP ${jwt}`, dpop: proof('GET', me, jwt) } }),
        },
      ],
    };
  }
  if (name === 'login') {
    return { requests: [{ method: 'POST', path: '/api/auth/local', headers: JSON_HEADERS, body: JSON.stringify(DEMO) }] };
  }
  if (name === 'refresh' || name === 'refresh-dpop') {
    const bound = name === 'refresh-dpop';
    // Refresh chains: one login per connection, then each refresh presents the token the previous
    // refresh of that chain returned. With one request in flight per connection and as many
    // chains as connections, a request takes a chain's token from the pool and its response puts
    // the successor back; a failed refresh ends its chain (and is counted as an error).
    const pool = (await logins(url, connections, bound)).map((b) => b.refreshToken);
    if (pool.some((t) => typeof t !== 'string')) throw new Error('login did not return a refreshToken in the body');
    const stats = { brokenChains: 0 };
    return {
      stats,
      requests: [
        {
          method: 'POST',
          path: refreshPath,
          headers: JSON_HEADERS,
          setupRequest(req, context) {
            context.token = pool.pop() ?? 'no-token-left';
            const body = JSON.stringify({ refreshToken: context.token });
            if (!bound) return { ...req, body };
            return { ...req, headers: { ...req.headers, dpop: proof('POST', `${url}${refreshPath}`) }, body };
          },
          onResponse(status, body) {
            if (status === 200) {
              try {
                const next = JSON.parse(body).refreshToken;
                if (typeof next === 'string') return void pool.push(next);
              } catch {
                // fall through: chain broken
              }
            }
            stats.brokenChains++;
          },
        },
      ],
    };
  }
  throw new Error(`unknown scenario ${name}`);
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

/**
 * One cell: `ramp` seconds of load that are not counted (connections open, queues fill, a login
 * burst works through bcrypt), then `duration` seconds in which every response is counted and the
 * server's CPU time is read from /proc at both ends.
 */
async function run(cell) {
  const setup = await scenario(cell);
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  const statuses = {};
  let windowStart = null;
  let cpuStart = null;
  const rampTimer = setTimeout(() => {
    windowStart = performance.now();
    cpuStart = serverCpuMs(cell.serverPid);
  }, cell.ramp * 1000);
  const result = await autocannon({
    url: cell.url,
    connections: cell.connections,
    pipelining: 1,
    duration: cell.ramp + cell.duration,
    timeout: 30,
    requests: setup.requests,
    setupClient(client) {
      client.on('response', (status, _bytes, duration) => {
        if (windowStart === null) return;
        statuses[status] = (statuses[status] || 0) + 1;
        if (status < 200 || status >= 300) return;
        if (count === latencies.length) {
          const bigger = new Float64Array(latencies.length * 2);
          bigger.set(latencies);
          latencies = bigger;
        }
        latencies[count++] = duration;
      });
    },
  });
  clearTimeout(rampTimer);
  const cpuEnd = serverCpuMs(cell.serverPid);
  const seconds = windowStart === null ? cell.duration : (performance.now() - windowStart) / 1000;
  const cpuMs = cpuStart === null || cpuEnd === null ? null : cpuEnd - cpuStart;
  const sorted = latencies.subarray(0, count).sort();
  return {
    ok: count,
    seconds,
    rps: count / seconds,
    cpuMs,
    cpuMsPerReq: cpuMs === null || count === 0 ? null : cpuMs / count,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: count ? sorted[count - 1] : null,
    errors: result.errors + result.timeouts + result.non2xx,
    connErrors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    statuses,
    ...(setup.stats ?? {}),
  };
}

process.on('message', async (message) => {
  if (!message || message.type !== 'run') return;
  try {
    process.send({ id: message.id, result: await run(message.cell) });
  } catch (error) {
    process.send({ id: message.id, error: String((error && error.stack) || error) });
  }
});
process.on('disconnect', () => process.exit(0));
