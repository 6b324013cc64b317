import { expect, test } from '@playwright/test';
import { claimArtist, findArtist, jsEnabled, open, signUp, uniqueName } from './helpers';

test('a listener claims an artist, a moderator approves, the artist sees insights and edits the profile', async ({ page, browser }, info) => {
  const name = uniqueName('ar');
  await signUp(page, info, name);
  const artist = await findArtist(page, info, jsEnabled(info) ? 5 : 7);
  const { artistName, artistUrl } = artist;

  // Nobody but linked accounts and admins sees the dashboard.
  const early = await open(page, info, `${artistUrl}/insights`);
  expect(early?.status()).toBe(403);

  await claimArtist(page, browser, info, name, artist, 'I play the drums.', 'Welcome aboard');

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
  // A picture (a real PNG: a screenshot of part of the page).
  const png = await page.screenshot({ clip: { x: 0, y: 0, width: 160, height: 120 } });
  await page.getByLabel(/^Picture/).setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: png });
  await page.getByRole('button', { name: 'Upload picture' }).click();
  await expect(page.getByText('Picture saved.')).toBeVisible();
  await page.getByLabel(/^Picture/).setInputFiles({ name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('not an image') });
  await page.getByRole('button', { name: 'Upload picture' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'notes.png is not a PNG, JPEG or WebP image.' })).toBeVisible();

  await open(page, info, artistUrl);
  await expect(page.getByText(bio)).toBeVisible();
  const src = await page.locator('main img').first().getAttribute('src');
  expect(src).toMatch(/^\/media\/images\/[0-9a-f]{64}\.png$/);
  expect((await page.request.get(src!)).headers()['content-type']).toBe('image/png');
  await expect(page.getByRole('list', { name: 'Links' }).getByRole('link', { name: 'Website' })).toHaveAttribute('href', 'https://example.org/band');

  // Someone else still gets 403, for the page and the CSV.
  const other = await browser.newPage({ javaScriptEnabled: info.project.use.javaScriptEnabled });
  await signUp(other, info, uniqueName('ot'));
  const denied = await open(other, info, `${artistUrl}/insights`);
  expect(denied?.status()).toBe(403);
  expect((await other.request.get(`${artistUrl}/insights.csv`)).status()).toBe(403);
  await other.close();
});
