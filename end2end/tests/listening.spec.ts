import { expect, test } from '@playwright/test';
import { jsEnabled, open, signUp, uniqueName } from './helpers';

test('play songs, then see them in history and stats', async ({ page }, info) => {
  test.setTimeout(120_000);
  await signUp(page, info, uniqueName('hs'));
  await open(page, info, '/');
  await page.getByRole('list', { name: 'New releases' }).getByRole('link').first().click();
  const tracks = page.getByRole('list', { name: 'Tracks' });
  await expect(tracks).toBeVisible();
  const first = (await tracks.locator('a[href^="/song/"]:not([aria-label])').first().innerText()).trim();
  const firstId = (await tracks.locator('a[href^="/song/"]').first().getAttribute('href'))!.split('/').pop()!;

  if (jsEnabled(info)) {
    // Listen for more than 30 s (a stream), then skip: the player reports the play.
    await page.getByRole('link', { name: '▶ Play all' }).click();
    const player = page.getByRole('region', { name: 'Player' });
    await expect(player.getByTestId('now-playing')).toHaveText(first);
    await expect.poll(async () => page.evaluate(() => document.querySelector('audio')!.currentTime),
      { timeout: 60_000, intervals: [2_000] }).toBeGreaterThan(31);
    await player.getByRole('button', { name: 'Next' }).click();
    await expect(player.getByTestId('now-playing')).not.toHaveText(first);
  } else {
    // Without JavaScript there is no player bar: report the play the way the player's
    // exit beacon does (a form post), then read the server-rendered pages.
    const res = await page.request.post('/api/listening/report', {
      form: {
        event_id: crypto.randomUUID(), song_id: firstId, started_at_ms: String(Date.now() - 60_000),
        ms_played: '45000', reason: 'skipped', shuffle: 'false', source: 'album', source_id: '',
      },
    });
    expect(res.status()).toBe(200);
  }

  // Counters are visible within a couple of seconds.
  await expect.poll(async () => {
    await open(page, info, '/stats');
    return page.getByRole('list', { name: 'Top tracks' }).getByRole('link', { name: first }).count();
  }, { timeout: 15_000, intervals: [1_000] }).toBeGreaterThan(0);
  await expect(page.getByText(/Last 4 weeks: [1-9]\d* streams/)).toBeVisible();
  await expect(page.getByRole('img', { name: /Minutes per day/ })).toBeVisible();
  await expect(page.getByRole('img', { name: /When you listen/ })).toBeVisible();
  await expect(page.getByRole('img', { name: /Your sound \(over [1-9]\d* streams/ })).toBeVisible();
  await expect(page.getByText(/Average tempo: \d+ BPM/)).toBeVisible();

  await page.getByRole('link', { name: 'Your year in review →' }).click();
  const year = new Date().getUTCFullYear();
  await expect(page.getByRole('heading', { level: 1, name: `Your ${year} in music` })).toBeVisible();
  await expect(page.getByRole('list', { name: 'Top songs of the year' }).getByRole('link', { name: first })).toBeVisible();
  await expect(page.getByRole('img', { name: 'Minutes per month' })).toBeVisible();
  await page.getByRole('link', { name: `← ${year - 1}` }).click();
  await expect(page.getByText('No listening recorded in this year.')).toBeVisible();

  await open(page, info, '/history');
  const plays = page.getByRole('list', { name: 'Plays' });
  await expect(plays.getByRole('link', { name: first }).first()).toBeVisible();
  await expect(plays.getByRole('link', { name: new RegExp(`^Resume ${first.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} at`) }).first()).toBeVisible();

  // A date filter that excludes today hides it.
  await open(page, info, '/history?from=2000-01-01&to=2000-01-31');
  await expect(page.getByText('Nothing played in this period yet.')).toBeVisible();

  await open(page, info, '/');
  await expect(page.getByRole('list', { name: 'Recently played' }).getByRole('link', { name: first }).first()).toBeVisible();
});

test('history and stats need a session', async ({ page, request }, info) => {
  await open(page, info, '/history');
  await expect(page).toHaveURL(/\/signin\?next=%2Fhistory/);
  const res = await request.post('/api/listening/report', {
    form: { event_id: crypto.randomUUID(), song_id: crypto.randomUUID(), started_at_ms: String(Date.now()),
      ms_played: '1000', reason: 'skipped', source: 'album' },
  });
  expect(res.status()).toBeGreaterThanOrEqual(400);
});
