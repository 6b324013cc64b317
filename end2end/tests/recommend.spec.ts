import { expect, test } from '@playwright/test';
import { ADMIN, open, signIn, signUp, uniqueName } from './helpers';

test('after a stream, Discover recommends songs because of it; generated playlists and the variants page', async ({ page, browser }, info) => {
  await signUp(page, info, uniqueName('dc'));
  await open(page, info, '/');
  await page.getByRole('list', { name: 'New releases' }).getByRole('link').nth(4).click();
  const tracks = page.getByRole('list', { name: 'Tracks' });
  await expect(tracks).toBeVisible();
  const link = tracks.locator('a[href^="/song/"]:not([aria-label])').first();
  const title = (await link.innerText()).trim();
  const songId = (await link.getAttribute('href'))!.split('/').pop()!;

  // One stream (the player's report, as a form post so both projects do the same).
  const res = await page.request.post('/api/listening/report', {
    form: {
      event_id: crypto.randomUUID(), song_id: songId, started_at_ms: String(Date.now() - 60_000),
      ms_played: '45000', reason: 'finished', shuffle: 'false', source: 'album', source_id: '',
    },
  });
  expect(res.status()).toBe(200);

  // The song counts its listener once the aggregator ran.
  await expect.poll(async () => {
    await open(page, info, `/song/${songId}`);
    return page.getByTestId('song-listeners').innerText();
  }, { timeout: 15_000, intervals: [1_000] }).toMatch(/^[1-9][\d,]* listeners? in the last 28 days$/);

  await expect.poll(async () => {
    await open(page, info, '/discover');
    return page.getByRole('heading', { level: 2, name: `Because you listened to ${title}` }).count();
  }, { timeout: 15_000, intervals: [1_000] }).toBe(1);
  const shelf = page.getByRole('list', { name: `Because you listened to ${title}` });
  const recommended = shelf.locator('a[href^="/api/recs/open"]').first();
  const recTitle = (await recommended.innerText()).trim();
  await expect(page.getByRole('list', { name: 'Your daily mix' }).getByRole('link', { name: title, exact: true }).first()).toBeVisible();

  // Opening a recommendation counts a click on the way to the song.
  await recommended.click();
  await expect(page).toHaveURL(/\/song\//);
  await expect(page.getByRole('heading', { level: 1 })).toContainText(recTitle);

  // Generated playlists.
  await open(page, info, '/discover');
  const made = page.getByRole('list', { name: 'Generated playlists' });
  await expect(made.getByRole('link', { name: /New Releases/ })).toBeVisible();
  await made.getByRole('link', { name: /^Top 50: / }).first().click();
  await expect(page.getByRole('heading', { level: 1, name: /^Top 50: / })).toBeVisible();
  await expect(page.locator('ol li').first()).toBeVisible();

  // The variants page: admins only.
  const denied = await open(page, info, '/admin/recommendations');
  expect(denied?.status()).toBe(403);
  const admin = await browser.newPage({ javaScriptEnabled: info.project.use.javaScriptEnabled });
  await signIn(admin, info, ADMIN.username, ADMIN.password);
  await expect(admin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin', exact: true })).toBeVisible();
  await open(admin, info, '/admin/recommendations');
  const table = admin.getByRole('table', { name: 'Impressions, clicks and plays per variant' });
  await expect(table.getByRole('row')).toHaveCount(3);
  await expect(table.getByRole('rowheader', { name: /Content-based/ })).toBeVisible();
  const clicks = await table.locator('tbody tr').evaluateAll((rows) =>
    rows.map((r) => Number(r.querySelectorAll('td')[1].textContent)).reduce((a, b) => a + b, 0));
  expect(clicks).toBeGreaterThan(0);

  // Platform analytics: admins only, with charts and a CSV.
  await open(admin, info, '/admin/analytics?days=7');
  await expect(admin.getByRole('heading', { level: 1, name: 'Platform analytics' })).toBeVisible();
  await expect(admin.getByRole('img', { name: 'Streams per day' })).toBeVisible();
  const mau = Number(await admin.getByText('Active 28 days (MAU)').locator('xpath=following-sibling::dd').innerText());
  expect(mau).toBeGreaterThan(0);
  const csv = await admin.request.get('/admin/analytics.csv?days=7');
  expect(csv.status()).toBe(200);
  expect((await csv.text()).split('\r\n')[0]).toBe('day,active_listeners,streams,signups');
  await admin.close();
  const analyticsDenied = await open(page, info, '/admin/analytics');
  expect(analyticsDenied?.status()).toBe(403);
  expect((await page.request.get('/admin/analytics.csv')).status()).toBe(403);
});
