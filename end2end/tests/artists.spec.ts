import { expect, test } from '@playwright/test';
import { ADMIN, jsEnabled, open, signIn, signUp, uniqueName } from './helpers';

test('a listener claims an artist, a moderator approves, the artist sees insights and edits the profile', async ({ page, browser }, info) => {
  const name = uniqueName('ar');
  await signUp(page, info, name);
  await open(page, info, '/');
  await page.getByRole('list', { name: 'New releases' }).getByRole('link').nth(jsEnabled(info) ? 5 : 7).click();
  await expect(page.getByRole('list', { name: 'Tracks' })).toBeVisible();
  await page.locator('main a[href^="/artist/"]').first().click();
  const artistName = (await page.getByRole('heading', { level: 1 }).innerText()).trim();
  const artistUrl = new URL(page.url()).pathname;

  // Nobody but linked accounts and admins sees the dashboard.
  const early = await open(page, info, `${artistUrl}/insights`);
  expect(early?.status()).toBe(403);

  await open(page, info, artistUrl);
  await page.getByText('Is this you? Link your account to this artist').click();
  await page.getByLabel('How can we tell it is you? (optional)').fill('I play the drums.');
  await page.getByRole('button', { name: 'Ask to link' }).click();
  await expect(page.getByText(/a moderator will review your request/)).toBeVisible();

  const mod = await browser.newPage({ javaScriptEnabled: info.project.use.javaScriptEnabled });
  await signIn(mod, info, ADMIN.username, ADMIN.password);
  await expect(mod.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin', exact: true })).toBeVisible();
  await open(mod, info, '/admin/claims');
  const form = mod.getByRole('form', { name: `Decide the claim of ${name} on ${artistName}` });
  await form.getByLabel('Note (shown to the user)').fill('Welcome aboard');
  await form.getByRole('button', { name: 'Approve' }).click();
  await expect(mod.getByText('Decided. The user sees the outcome in their artist area.')).toBeVisible();
  await mod.close();

  await open(page, info, '/artist');
  await expect(page.getByRole('list', { name: 'Your requests' })).toContainText(`${artistName} — approved`);
  await page.getByRole('list', { name: 'Your artist profiles' }).getByRole('link', { name: 'Insights' }).click();
  await expect(page.getByRole('heading', { level: 1, name: `Insights: ${artistName}` })).toBeVisible();
  await expect(page.getByRole('img', { name: 'Streams per day' })).toBeVisible();
  await expect(page.getByRole('table', { name: 'Songs over the last 28 days' })).toBeVisible();
  await page.getByRole('navigation', { name: 'Period' }).getByRole('link', { name: '7 days' }).click();
  await expect(page.getByRole('table', { name: 'Songs over the last 7 days' })).toBeVisible();
  const csv = await page.request.get(`${artistUrl}/insights.csv?days=7`);
  expect(csv.status()).toBe(200);
  expect(csv.headers()['content-type']).toContain('text/csv');
  expect(await csv.text()).toMatch(/^song_id,title,plays,streams,listeners/);

  const bio = `Drums, loud. (${name})`;
  await page.getByLabel('Bio').fill(bio);
  await page.getByLabel('Links (one per line: a label, then the URL)').fill('Website https://example.org/band');
  await page.getByRole('button', { name: 'Save profile' }).click();
  await expect(page.getByText('Profile saved.')).toBeVisible();
  await open(page, info, artistUrl);
  await expect(page.getByText(bio)).toBeVisible();
  await expect(page.getByRole('list', { name: 'Links' }).getByRole('link', { name: 'Website' })).toHaveAttribute('href', 'https://example.org/band');

  // Someone else still gets 403, for the page and the CSV.
  const other = await browser.newPage({ javaScriptEnabled: info.project.use.javaScriptEnabled });
  await signUp(other, info, uniqueName('ot'));
  const denied = await open(other, info, `${artistUrl}/insights`);
  expect(denied?.status()).toBe(403);
  expect((await other.request.get(`${artistUrl}/insights.csv`)).status()).toBe(403);
  await other.close();
});
