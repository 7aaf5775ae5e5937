/**
 * Front ends install the package for its `./client` and `./server` entries with a plain
 * `npm install` (no --legacy-peer-deps): a fresh Next 15 / React 19 app and a Next 14 / React 18
 * app, each with a server component importing `./server` and a client component importing
 * `./client`, install the packed tarball and build. The Strapi-side peers (Strapi, the admin's
 * design system and React 18) are optional: none of them is installed into a front end.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
// Outside the repository: a front end has its own node_modules and nothing of ours above it.
const work = path.join(process.env.TMPDIR ?? '/tmp', `refresh-token-frontends-${process.pid}`);
let tarball: string;

beforeAll(() => {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: root, encoding: 'utf8' })
  )[0];
  tarball = path.join(work, packed.filename);
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const PAGE = `import { createServerAuth } from 'strapi-plugin-refresh-token/server';
import { SignIn } from './sign-in';

export const dynamic = 'force-dynamic';

export default async function Home() {
  const auth = createServerAuth({ strapiUrl: 'http://127.0.0.1:1337', cookies: { get: () => undefined } });
  return <main><p>{auth.signedIn ? 'signed in' : 'signed out'}</p><SignIn /></main>;
}
`;
const SIGN_IN = `'use client';
import { createAuthClient } from 'strapi-plugin-refresh-token/client';

const client = createAuthClient({ baseURL: 'http://127.0.0.1:1337' });

export function SignIn() {
  return <button onClick={() => client.login('demo@example.com', 'secret')}>Log in</button>;
}
`;
const LAYOUT = `export default function RootLayout({ children }: { children: React.ReactNode }) {
  return <html lang="en"><body>{children}</body></html>;
}
`;

function frontEnd(name: string, versions: { next: string; react: string; types: string }) {
  const dir = path.join(work, name);
  mkdirSync(path.join(dir, 'app'), { recursive: true });
  writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify(
      {
        name,
        private: true,
        scripts: { build: 'next build' },
        dependencies: {
          next: versions.next,
          react: versions.react,
          'react-dom': versions.react,
          'strapi-plugin-refresh-token': `file:${tarball}`,
        },
        devDependencies: {
          typescript: '5.9.3',
          '@types/node': '^20.19.0',
          '@types/react': versions.types,
          '@types/react-dom': versions.types,
        },
      },
      null,
      2
    )
  );
  writeFileSync(path.join(dir, 'app', 'page.tsx'), PAGE);
  writeFileSync(path.join(dir, 'app', 'sign-in.tsx'), SIGN_IN);
  writeFileSync(path.join(dir, 'app', 'layout.tsx'), LAYOUT);
  return dir;
}

describe.each([
  ['next15-react19', { next: '15.5.29', react: '19.2.4', types: '^19.0.0' }],
  ['next14-react18', { next: '14.2.35', react: '18.3.1', types: '^18.3.0' }],
])('a fresh %s front end', (name, versions) => {
  it('installs the tarball with a plain npm install, gets no Strapi-side peer, and builds a page importing ./server and ./client', () => {
    const dir = frontEnd(name, versions);
    // A plain install: ERESOLVE here is the bug this test exists for.
    execFileSync('npm', ['install', '--no-audit', '--no-fund'], {
      cwd: dir,
      stdio: 'pipe',
      env: { ...process.env, NODE_ENV: 'development' },
    });
    for (const peer of ['@strapi/strapi', '@strapi/design-system', '@strapi/icons', 'styled-components', 'react-router-dom']) {
      expect(existsSync(path.join(dir, 'node_modules', ...peer.split('/'))), peer).toBe(false);
    }
    execFileSync('npm', ['run', 'build'], {
      cwd: dir,
      stdio: 'pipe',
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production' },
    });
    expect(existsSync(path.join(dir, '.next', 'BUILD_ID'))).toBe(true);
  });
});
