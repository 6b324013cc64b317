import { Browser, expect, Page, TestInfo } from '@playwright/test';

export const ADMIN = { username: process.env.E2E_ADMIN_USER ?? 'e2eadmin', password: process.env.E2E_ADMIN_PASSWORD ?? 'e2e-admin-password' };
export const PASSWORD = 'correct horse battery';

let counter = 0;
/** A fresh, valid username (lower-case, <= 30 chars), unique per test run. */
export function uniqueName(prefix = 'u'): string {
  counter += 1;
  return `${prefix}${Date.now().toString(36)}${process.pid.toString(36)}${counter}${Math.floor(Math.random() * 1e4)}`.slice(0, 30);
}

export function jsEnabled(info: TestInfo): boolean {
  return info.project.name !== 'no-js';
}

/** Opens a page and, when JavaScript is on, waits until the app has hydrated. */
export async function open(page: Page, info: TestInfo, path: string) {
  const response = await page.goto(path);
  if (jsEnabled(info)) {
    // Compiling the wasm can take a while on a busy 2-core machine.
    await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1, { timeout: 25_000 });
  }
  return response;
}

export async function signUp(page: Page, info: TestInfo, username: string, password = PASSWORD) {
  await open(page, info, '/signup');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Email').fill(`${username}@example.com`);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByLabel('Repeat password').fill(password);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect(page.getByText(`Welcome back, ${username}`)).toBeVisible();
}

export async function signIn(page: Page, info: TestInfo, username: string, password = PASSWORD, path = '/signin') {
  await open(page, info, path);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

export async function signOut(page: Page) {
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('button', { name: 'Sign out' }).click();
  await expect(nav.getByRole('link', { name: 'Sign in' })).toBeVisible();
}

/** Opens the `pick`-th new release and then its artist's page; returns the artist. */
export async function findArtist(page: Page, info: TestInfo, pick: number) {
  await open(page, info, '/');
  await page.getByRole('list', { name: 'New releases' }).getByRole('link').nth(pick).click();
  await expect(page.getByRole('list', { name: 'Tracks' })).toBeVisible();
  await page.locator('main a[href^="/artist/"]').first().click();
  const artistName = (await page.getByRole('heading', { level: 1 }).innerText()).trim();
  const artistUrl = new URL(page.url()).pathname;
  return { artistName, artistUrl };
}

/** The signed-in user asks to link the artist; the admin approves with `note`. */
export async function claimArtist(page: Page, browser: Browser, info: TestInfo, username: string,
  artist: { artistName: string, artistUrl: string }, message = '', note = '') {
  await open(page, info, artist.artistUrl);
  await page.getByText('Is this you? Link your account to this artist').click();
  await page.getByLabel('How can we tell it is you? (optional)').fill(message);
  await page.getByRole('button', { name: 'Ask to link' }).click();
  await expect(page.getByText(/a moderator will review your request/)).toBeVisible();

  const mod = await browser.newPage({ javaScriptEnabled: info.project.use.javaScriptEnabled });
  await signIn(mod, info, ADMIN.username, ADMIN.password);
  await expect(mod.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin', exact: true })).toBeVisible();
  await open(mod, info, '/admin/claims');
  const form = mod.getByRole('form', { name: `Decide the claim of ${username} on ${artist.artistName}` });
  await form.getByLabel('Note (shown to the user)').fill(note);
  await form.getByRole('button', { name: 'Approve' }).click();
  await expect(mod.getByText('Decided. The user sees the outcome in their artist area.')).toBeVisible();
  await mod.close();
}
