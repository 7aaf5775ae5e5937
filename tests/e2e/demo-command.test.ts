/**
 * `npm run demo` as a new user runs it: it prints the URL and the demo credentials, listens on
 * 127.0.0.1 only (the demo's admin password is public) unless HOST says otherwise, and leaves
 * `git status` as it found it. No traffic goes to any address but loopback.
 */
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';
import { freePort } from '../helpers/ports';

const ROOT = path.resolve(__dirname, '../..');
const gitStatus = () => execFileSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8' });

it('npm install and npm run demo leave git status as they found it; the demo listens on 127.0.0.1 by default and prints where to go', async () => {
  const before = gitStatus();
  // The README's first command: the lock file must already say what npm resolves.
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: ROOT, stdio: 'pipe' });
  expect(gitStatus()).toBe(before);
  const port = await freePort();
  const { HOST: _ignored, ...env } = process.env;
  const demo = spawn('npm', ['run', 'demo'], {
    cwd: ROOT,
    env: { ...env, PORT: String(port), DATABASE_FILENAME: `.tmp/demo-command-${process.pid}.db` },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the demo did not come up: ${output.slice(-2000)}`)), 300_000);
      const onData = (chunk: Buffer) => {
        output += chunk;
        if (output.includes('playground is up')) {
          clearTimeout(timer);
          resolve();
        }
      };
      demo.stdout!.on('data', onData);
      demo.stderr!.on('data', onData);
      demo.on('exit', (code) => reject(new Error(`the demo exited with ${code}: ${output.slice(-2000)}`)));
    });
    // ss: State Recv-Q Send-Q Local-Address:Port Peer-Address:Port — every listening socket on the port is loopback.
    const local = execFileSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((line) => line.trim().split(/\s+/)[3]);
    expect(local).toEqual([`127.0.0.1:${port}`]);
    expect(output).toContain(`http://127.0.0.1:${port}/admin`);
    expect(output).toContain('admin@example.com / Admin-Passw0rd!');
    expect(output).toContain('demo@example.com  / Demo-Passw0rd!');
    expect(output).toContain('HOST=0.0.0.0');
    expect((await fetch(`http://127.0.0.1:${port}/_health`)).status).toBe(204);
  } finally {
    demo.removeAllListeners('exit');
    process.kill(-demo.pid!, 'SIGTERM');
    await new Promise((r) => setTimeout(r, 1500));
  }
  expect(gitStatus()).toBe(before);
}, 360_000);
