/**
 * The demo front end served at /demo/ by the playground. Plain TypeScript over the plugin's
 * client; built to playground/public/demo/app.js by scripts/build-demo.js.
 */
import { AuthError, createAuthClient, type SessionInfo } from '../../client/src';

// Same origin as the page; cookie delivery. `?dpop=optional|required` binds the session to a key (DPoP).
const dpop = new URLSearchParams(location.search).get('dpop');
const client = createAuthClient({ baseURL: '', dpop: dpop === 'optional' || dpop === 'required' ? dpop : undefined });

const stats = { apiCalls: 0, refreshes: 0, shared: 0, unauthorized: 0, errors: 0, lastStatus: 0 };
/** For tests and curious readers: `window.demo.client`, `window.demo.stats`. */
(window as unknown as { demo: unknown }).demo = { client, stats };

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const views = ['loading', 'login', 'ended', 'dashboard'] as const;
type View = (typeof views)[number];
function show(view: View) {
  for (const v of views) $(v).hidden = v !== view;
  document.body.dataset.view = view;
}

function renderStats() {
  $('stat-api-calls').textContent = String(stats.apiCalls);
  $('stat-refreshes').textContent = String(stats.refreshes);
  $('stat-shared').textContent = String(stats.shared);
  $('stat-401').textContent = String(stats.unauthorized);
  $('stat-errors').textContent = String(stats.errors);
  $('last-status').textContent = stats.lastStatus ? String(stats.lastStatus) : '–';
}

function showError(message: string | null) {
  const banner = $('error-banner');
  banner.hidden = !message;
  banner.textContent = message ?? '';
}

/** One API call through the client, counted the way application code sees it. */
async function callApi(): Promise<number> {
  stats.apiCalls++;
  try {
    const res = await client.fetch('/api/users/me');
    stats.lastStatus = res.status;
    if (res.status === 401) stats.unauthorized++;
    else if (!res.ok && client.isSignedIn) stats.errors++;
    return res.status;
  } catch (error) {
    stats.errors++;
    showError(`API call failed: ${(error as Error).message}`);
    return 0;
  } finally {
    renderStats();
  }
}

// ---- timers ----------------------------------------------------------------------------------
let pollTimer: ReturnType<typeof setInterval> | undefined;
let sessionsTimer: ReturnType<typeof setInterval> | undefined;
let clockTimer: ReturnType<typeof setInterval> | undefined;

function startTimers() {
  stopTimers();
  pollTimer = setInterval(() => {
    if ($<HTMLInputElement>('autopoll').checked && client.isSignedIn) void callApi();
  }, 1000);
  sessionsTimer = setInterval(() => void loadSessions(), 5000);
  clockTimer = setInterval(renderCountdown, 100);
}
function stopTimers() {
  clearInterval(pollTimer);
  clearInterval(sessionsTimer);
  clearInterval(clockTimer);
}

let lifespan = 0;
function renderCountdown() {
  const expiresAt = client.accessTokenExpiresAt;
  if (!expiresAt) {
    $('countdown').textContent = '–';
    return;
  }
  const remaining = Math.max(0, expiresAt - Date.now());
  lifespan = Math.max(lifespan, remaining);
  $('countdown').textContent = `${(remaining / 1000).toFixed(1)} s`;
  $('countdown-bar').style.width = `${lifespan ? (100 * remaining) / lifespan : 0}%`;
}

// ---- sessions --------------------------------------------------------------------------------
function describeAgent(ua: string | null): string {
  if (!ua) return 'Unknown device';
  const browser = /Edg\//.test(ua)
    ? 'Edge'
    : /Chrom(e|ium)\//.test(ua)
      ? 'Chromium'
      : /Firefox\//.test(ua)
        ? 'Firefox'
        : /Safari\//.test(ua)
          ? 'Safari'
          : ua.split(' ')[0];
  const os = /Windows/.test(ua)
    ? 'Windows'
    : /Mac OS X/.test(ua)
      ? 'macOS'
      : /Android/.test(ua)
        ? 'Android'
        : /Linux/.test(ua)
          ? 'Linux'
          : /iPhone|iPad/.test(ua)
            ? 'iOS'
            : '';
  return os ? `${browser} on ${os}` : browser;
}

async function loadSessions() {
  if (!client.isSignedIn) return;
  let sessions: SessionInfo[];
  try {
    sessions = await client.sessions();
  } catch (error) {
    if (error instanceof AuthError && error.status === 401) return; // the session just ended; the expired view takes over
    showError(`Could not load sessions: ${(error as Error).message}`);
    return;
  }
  const list = $('sessions');
  list.replaceChildren(
    ...sessions.map((s) => {
      const li = document.createElement('li');
      li.dataset.testid = 'session';
      li.dataset.sessionId = s.id;
      li.dataset.current = String(s.current);
      const info = document.createElement('div');
      const title = document.createElement('strong');
      title.textContent = describeAgent(s.userAgent);
      info.append(title);
      if (s.current) {
        const badge = document.createElement('span');
        badge.className = 'badge';
        badge.dataset.testid = 'current-badge';
        badge.textContent = 'this browser';
        info.append(badge);
      }
      const meta = document.createElement('div');
      meta.className = 'ua';
      meta.textContent = `signed in ${new Date(s.createdAt).toLocaleString()} · last active ${new Date(s.lastUsedAt).toLocaleTimeString()}${s.ip ? ` · ${s.ip}` : ''}`;
      info.append(meta);
      const revoke = document.createElement('button');
      revoke.type = 'button';
      revoke.className = s.current ? 'secondary' : 'danger';
      revoke.dataset.testid = 'revoke';
      revoke.textContent = s.current ? 'Sign out here' : 'Revoke';
      revoke.addEventListener('click', async () => {
        revoke.disabled = true;
        try {
          await client.revokeSession(s.id);
        } catch (error) {
          showError(`Could not revoke: ${(error as Error).message}`);
        }
        await loadSessions();
      });
      li.append(info, revoke);
      return li;
    })
  );
}

// ---- views -----------------------------------------------------------------------------------
async function enterDashboard() {
  const user = await client.getUser();
  if (!user) {
    show('login');
    return;
  }
  $('user-name').textContent = user.username ?? String(user.id);
  $('user-email').textContent = user.email ?? '';
  showError(null);
  show('dashboard');
  renderStats();
  renderCountdown();
  startTimers();
  await loadSessions();
}

client.onTokenRefresh((e) => {
  if (e.fromOtherTab) stats.shared++;
  else stats.refreshes++;
  lifespan = 0;
  renderStats();
});

client.onSessionExpired(() => {
  stopTimers();
  show('ended');
});

client.onAuthChange((e) => {
  if (e.signedIn && document.body.dataset.view !== 'dashboard') void enterDashboard();
  if (!e.signedIn && e.reason === 'logout') {
    stopTimers();
    show('login');
  }
});

$('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData(event.target as HTMLFormElement);
  const error = $('login-error');
  error.hidden = true;
  try {
    await client.login(String(form.get('identifier')), String(form.get('password')));
    await enterDashboard();
  } catch (e) {
    error.textContent = e instanceof AuthError ? e.message : 'Could not reach the server';
    error.hidden = false;
  }
});

$('login-again').addEventListener('click', () => show('login'));
$('logout').addEventListener('click', () => void client.logout());
$('logout-all').addEventListener('click', () => void client.logoutAll().catch((e: Error) => showError(e.message)));
$('reload-sessions').addEventListener('click', () => void loadSessions());
$('burst').addEventListener('click', async () => {
  const statuses = await Promise.all(Array.from({ length: 5 }, () => callApi()));
  $('burst-result').textContent = `→ ${statuses.join(', ')}`;
});

// A fresh page: restore the session from the refresh cookie (or another tab), else show the login.
show('loading');
client
  .getUser()
  .then((user) => (user ? enterDashboard() : show('login')))
  .catch(() => show('login'));
