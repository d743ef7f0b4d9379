// Shared set-up for the browser tests: a real index of the bundled
// articles, the real kb-server on a free port, and Debian's Chromium driven
// by playwright-core (no browser is downloaded).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the browser tests through ctest`);
  return value;
};

export const ADMIN_TOKEN = 'browser-test-admin';
export const AGENT_TOKEN = 'browser-test-agent';

export async function startSite() {
  const dir = mkdtempSync(join(tmpdir(), 'kb-browser-'));
  const index = spawnSync(env('KB_INDEX_BIN'), ['--articles', env('KB_ARTICLES_DIR'), '--index', join(dir, 'index'), '-q'],
    { encoding: 'utf8' });
  if (index.status !== 0) throw new Error(`kb-index failed: ${index.stdout}${index.stderr}`);
  const server = spawn(env('KB_SERVER_BIN'), ['--index', join(dir, 'index'), '--data', join(dir, 'data'), '--port', '0',
    '--web', env('KB_WEB_DIR'), '--admin-token', ADMIN_TOKEN, '--agent-token', AGENT_TOKEN], { stdio: ['ignore', 'ignore', 'pipe'] });
  const port = await new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`kb-server did not start: ${seen}`)), 20000);
    server.stderr.on('data', (chunk) => {
      seen += chunk;
      const m = seen.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    server.on('exit', (code) => reject(new Error(`kb-server exited (${code}): ${seen}`)));
  });
  const executablePath = process.env.KB_CHROMIUM || '/usr/bin/chromium';
  if (!existsSync(executablePath)) {
    throw new Error(`Chromium is missing at ${executablePath}: install Debian's chromium (scripts/deps.sh --test)`);
  }
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const artifacts = process.env.KB_ARTIFACTS_DIR || join(dir, 'artifacts');
  mkdirSync(artifacts, { recursive: true });
  return {
    base: `http://127.0.0.1:${port}`,
    browser,
    artifacts,
    async close() {
      await browser.close();
      server.kill('SIGTERM');
      await new Promise((resolve) => server.on('exit', resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
