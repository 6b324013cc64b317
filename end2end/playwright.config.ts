import { defineConfig } from '@playwright/test';

// Debian's Chromium (no browser downloads here); every spec runs twice: hydrated and
// with JavaScript off (pure SSR + form posts).
const launchOptions = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', '--disable-quic', '--autoplay-policy=no-user-gesture-required'],
};

export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  // The whole run takes ~5 min here; a hang fails it instead of running into CI's limit.
  globalTimeout: 30 * 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  // One retry, as Playwright's own template does on CI: a test that fails twice fails the
  // run; one that passes on the retry is reported as flaky (scripts/test.sh lists them).
  retries: 1,
  reporter: [['list']],
  use: { baseURL: process.env.E2E_BASE_URL ?? 'http://127.0.0.1:3001', launchOptions, trace: 'off' },
  projects: [
    { name: 'hydrated', use: { javaScriptEnabled: true } },
    { name: 'no-js', use: { javaScriptEnabled: false } },
  ],
});
