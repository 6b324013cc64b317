import { expect, test } from '@playwright/test';
import { ADMIN, open, PASSWORD, signIn, signOut, signUp, uniqueName } from './helpers';

const nav = (page) => page.getByRole('navigation', { name: 'Main' });

test('sign up, sign out and sign in again', async ({ page }, info) => {
  const name = uniqueName('su');
  await signUp(page, info, name);
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByText(`Welcome back, ${name}`)).toBeVisible();
  await expect(nav(page).getByRole('link', { name: `Your profile: ${name}` })).toBeVisible();

  await signOut(page);
  await expect(nav(page).getByRole('link', { name: 'Sign in' })).toBeVisible();
  await expect(page.getByText('Welcome back')).toHaveCount(0);

  await signIn(page, info, name);
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByText(`Welcome back, ${name}`)).toBeVisible();
  await expect(page.getByText('Signed in 1 time so far.')).toBeVisible();
});

test('a wrong password shows a message and does not sign in', async ({ page }, info) => {
  const name = uniqueName('wp');
  await signUp(page, info, name);
  await signOut(page);
  await signIn(page, info, name, 'not the password');
  await expect(page.getByText('Wrong username or password.')).toBeVisible();
  await expect(page).toHaveURL(/\/signin/);
  await expect(nav(page).getByRole('link', { name: 'Sign in' })).toBeVisible();
});

test('a duplicate username gets a friendly field error', async ({ page, browser }, info) => {
  const name = uniqueName('dup');
  await signUp(page, info, name);
  await expect(page.getByText(`Welcome back, ${name}`)).toBeVisible();

  const other = await browser.newPage({ javaScriptEnabled: info.project.use.javaScriptEnabled });
  await open(other, info, '/signup');
  await other.getByLabel('Username').fill(name.toUpperCase());
  await other.getByLabel('Email').fill(`other-${name}@example.com`);
  await other.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await other.getByLabel('Repeat password').fill(PASSWORD);
  await other.getByRole('button', { name: 'Sign up' }).click();
  await expect(other.getByText('That username is taken. Try another one.')).toBeVisible();
  await expect(other.getByLabel('Username')).toHaveAttribute('aria-invalid', 'true');
  await other.close();
});

test('invalid sign-up input gets a message per field', async ({ page }, info) => {
  await open(page, info, '/signup');
  await page.getByLabel('Username').fill('x!');
  await page.getByLabel('Email').fill('not-an-email');
  await page.getByLabel('Password', { exact: true }).fill('short');
  await page.getByLabel('Repeat password').fill('different');
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect(page.getByText('Usernames are 3 to 30 characters long.')).toBeVisible();
  await expect(page.getByText('Enter a valid email address, like name@example.com.')).toBeVisible();
  await expect(page.getByText('Passwords need at least 10 characters.')).toBeVisible();
  await expect(page.getByText('The passwords do not match.')).toBeVisible();
});

test('a protected page redirects to sign-in and back', async ({ page }, info) => {
  const name = uniqueName('pr');
  await signUp(page, info, name);
  await signOut(page);
  await expect(nav(page).getByRole('link', { name: 'Sign in' })).toBeVisible();

  await open(page, info, '/library');
  await expect(page).toHaveURL(/\/signin\?next=%2Flibrary|\/signin\?next=\/library/);
  await page.getByLabel('Username').fill(name);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/library$/);
  await expect(page.getByRole('heading', { name: `${name}'s library` })).toBeVisible();
});

test('a listener gets 403 on the admin page; an admin sees it', async ({ page, browser }, info) => {
  const name = uniqueName('ls');
  await signUp(page, info, name);
  await expect(page.getByText(`Welcome back, ${name}`)).toBeVisible();
  await expect(nav(page).getByRole('link', { name: 'Admin', exact: true })).toHaveCount(0);
  const res = await open(page, info, '/admin');
  expect(res?.status()).toBe(403);
  await expect(page.getByRole('heading', { name: '403 — forbidden' })).toBeVisible();

  const admin = await browser.newPage({ javaScriptEnabled: info.project.use.javaScriptEnabled });
  await signIn(admin, info, ADMIN.username, ADMIN.password);
  await expect(nav(admin).getByRole('link', { name: 'Admin', exact: true })).toBeVisible();
  const ok = await open(admin, info, '/admin');
  expect(ok?.status()).toBe(200);
  await expect(admin.getByRole('heading', { name: 'Admin' })).toBeVisible();
  await expect(admin.getByRole('cell', { name, exact: true })).toBeVisible();
  await admin.close();
});

test('settings save the profile and the password change works', async ({ page }, info) => {
  const name = uniqueName('st');
  await signUp(page, info, name);
  await open(page, info, '/settings');
  await page.getByLabel('Display name').fill('DJ Test');
  await page.getByLabel('Bio').fill('Plays records.');
  await page.getByRole('button', { name: 'Save profile' }).click();
  await expect(page.getByText('Profile saved.')).toBeVisible();
  await open(page, info, `/u/${name}`);
  await expect(page.getByRole('heading', { name: 'DJ Test' })).toBeVisible();
  await expect(page.getByText('Plays records.')).toBeVisible();

  await open(page, info, '/settings');
  await page.getByLabel('Current password').fill('wrong password!');
  await page.getByLabel('New password', { exact: true }).fill('a brand new password');
  await page.getByLabel('Repeat new password').fill('a brand new password');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByText('Your current password is not right.')).toBeVisible();

  await page.getByLabel('Current password').fill(PASSWORD);
  await page.getByLabel('New password', { exact: true }).fill('a brand new password');
  await page.getByLabel('Repeat new password').fill('a brand new password');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByText('Password changed.')).toBeVisible();
  await signOut(page);
  await signIn(page, info, name, 'a brand new password');
  await expect(page.getByText('Welcome back, DJ Test')).toBeVisible();
});

test('unknown pages are 404 and cross-site posts are refused', async ({ page, request }, info) => {
  const res = await open(page, info, '/no/such/page');
  expect(res?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: '404 — page not found' })).toBeVisible();

  const forged = await request.post('/api/auth/sign_out', { headers: { Origin: 'https://evil.example' } });
  expect(forged.status()).toBe(403);
  const health = await request.get('/healthz');
  expect(health.status()).toBe(200);
  expect(await health.json()).toMatchObject({ status: 'ok', postgres: { ok: true }, mongodb: { ok: true } });
});

test('users download their own data as JSON; nobody else can', async ({ page, request }, info) => {
  const name = uniqueName('dl');
  await signUp(page, info, name);
  await open(page, info, '/settings');
  await expect(page.getByRole('link', { name: 'Download my data (JSON)' })).toHaveAttribute('href', '/account/export.json');
  const res = await page.request.get('/account/export.json');
  expect(res.status()).toBe(200);
  expect(res.headers()['content-disposition']).toContain(`encore-${name}.json`);
  const data = await res.json();
  expect(data.account.username).toBe(name);
  expect(JSON.stringify(data)).not.toContain('argon2');
  expect((await request.get('/account/export.json')).status()).toBe(401);
});
