import { expect, Page, test } from '@playwright/test';
import { jsEnabled, open, signUp, uniqueName } from './helpers';

/** The id in the first `/song/<id>` link on the page. */
async function firstSongId(page: Page): Promise<string> {
  const href = await page.locator('a[href^="/song/"]').first().getAttribute('href');
  return href!.split('/').pop()!;
}

test('home → artist → album', async ({ page }, info) => {
  await open(page, info, '/');
  await expect(page.getByRole('heading', { name: 'New releases' })).toBeVisible();
  const popular = page.getByRole('list', { name: 'Popular songs' });
  const artistLink = popular.locator('a[href^="/artist/"]').first();
  const artistName = (await artistLink.innerText()).trim();
  await artistLink.click();
  await expect(page.getByRole('heading', { level: 1, name: artistName })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Top songs' })).toBeVisible();
  await expect(page.getByText(/\d+ followers?/)).toBeVisible();

  const album = page.locator('main a[href^="/album/"]').filter({ has: page.locator('img') }).first();
  const albumTitle = (await album.innerText()).trim();
  await album.click();
  await expect(page.getByRole('heading', { level: 1, name: albumTitle })).toBeVisible();
  const tracks = page.getByRole('list', { name: 'Tracks' }).getByRole('listitem');
  expect(await tracks.count()).toBeGreaterThan(0);
  await expect(page.getByText(/\d+ songs?, \d+:\d\d/)).toBeVisible();
  await expect(page.getByRole('link', { name: '▶ Play all' })).toBeVisible();
});

test('browse artists by letter and albums by year', async ({ page }, info) => {
  await open(page, info, '/artists?initial=A');
  await expect(page.getByRole('navigation', { name: 'Artists by letter' })).toBeVisible();
  await open(page, info, '/albums?year=2024');
  await expect(page.getByRole('heading', { name: 'Albums from 2024' })).toBeVisible();
  await open(page, info, '/genres');
  const genre = page.getByRole('list', { name: 'Genres' }).getByRole('link').first();
  await genre.click();
  await expect(page.getByRole('heading', { name: 'Popular songs' })).toBeVisible();
});

test('search finds an artist despite a typo', async ({ page }, info) => {
  await open(page, info, '/');
  const name = (await page.getByRole('list', { name: 'Popular songs' }).locator('a[href^="/artist/"]').first().innerText()).trim();
  // Swap two letters inside the longest word: one typo.
  const word = name.split(/\s+/).sort((a, b) => b.length - a.length)[0];
  const typo = word.slice(0, 1) + word[2] + word[1] + word.slice(3);
  await open(page, info, '/search');
  await page.getByLabel('Search songs, artists, albums and people').fill(typo);
  if (!jsEnabled(info)) await page.getByRole('button', { name: 'Search' }).click();
  await expect(page.getByRole('list', { name: 'Artists' }).getByText(name, { exact: true })).toBeVisible();
});

test('play a song and see playback advance', async ({ page }, info) => {
  await signUp(page, info, uniqueName('pl'));
  await open(page, info, '/');
  await page.getByRole('list', { name: 'New releases' }).getByRole('link').first().click();
  await expect(page.getByRole('list', { name: 'Tracks' })).toBeVisible();
  if (jsEnabled(info)) {
    await page.getByRole('link', { name: '▶ Play all' }).click();
    const player = page.getByRole('region', { name: 'Player' });
    await expect(player.getByTestId('now-playing')).toBeVisible();
    await expect(player.getByRole('button', { name: 'Pause' })).toBeVisible();
    await expect.poll(async () => page.evaluate(() => document.querySelector('audio')!.currentTime), { timeout: 10_000 }).toBeGreaterThan(1);
    // Navigating keeps the music playing (the player lives outside the routes).
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Genres' }).click();
    await expect(page.getByRole('heading', { name: 'Genres' })).toBeVisible();
    const t = await page.evaluate(() => document.querySelector('audio')!.currentTime);
    await expect.poll(async () => page.evaluate(() => document.querySelector('audio')!.currentTime)).toBeGreaterThan(t + 0.5);
    // "+ Playlist" in the player: a new playlist with the playing song, back to Genres,
    // and the music never stops.
    const playing = await player.getByTestId('now-playing').innerText();
    await player.getByRole('link', { name: `Add ${playing} to a playlist` }).click();
    await page.getByLabel('Title').fill('Heard it playing');
    await page.getByRole('button', { name: 'Create and add' }).click();
    await expect(page.getByText('Added to the playlist.')).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Genres' })).toBeVisible();
    await expect(player.getByRole('button', { name: 'Pause' })).toBeVisible();
    await player.getByRole('button', { name: 'Pause' }).click();
    await expect(player.getByRole('button', { name: 'Play' })).toBeVisible();
  } else {
    // Without JavaScript the play link opens the song page with native controls.
    await page.getByRole('list', { name: 'Tracks' }).getByRole('link', { name: /^Play / }).first().click();
    const audio = page.locator('main audio');
    await expect(audio).toHaveAttribute('src', /^\/stream\//);
    await audio.evaluate((a: HTMLAudioElement) => { a.muted = true; return a.play(); });
    await expect.poll(async () => audio.evaluate((a: HTMLAudioElement) => a.currentTime), { timeout: 10_000 }).toBeGreaterThan(1);
  }
});

test('streams need a session and honour ranges', async ({ page, request }, info) => {
  await open(page, info, '/');
  await page.getByRole('list', { name: 'New releases' }).getByRole('link').first().click();
  const id = await firstSongId(page);
  expect((await request.get(`/stream/${id}`)).status()).toBe(401);

  await signUp(page, info, uniqueName('st'));
  const api = page.request;
  const part = await api.get(`/stream/${id}`, { headers: { Range: 'bytes=0-99' } });
  expect(part.status()).toBe(206);
  expect(part.headers()['content-range']).toMatch(/^bytes 0-99\/\d+$/);
  // Demo songs are sent as stored (WAV); the newest release may be another spec's
  // CD-quality upload, which a Free listener hears as an Ogg Vorbis rendition.
  const magic = { 'audio/wav': 'RIFF', 'audio/ogg': 'OggS' }[part.headers()['content-type']];
  expect(magic, part.headers()['content-type']).toBeDefined();
  expect(part.headers()['accept-ranges']).toBe('bytes');
  expect((await part.body()).subarray(0, 4).toString()).toBe(magic);
  const size = Number(part.headers()['content-range'].split('/')[1]);
  const tail = await api.get(`/stream/${id}`, { headers: { Range: `bytes=${size - 10}-` } });
  expect(tail.status()).toBe(206);
  expect((await tail.body()).length).toBe(10);
  expect((await api.get(`/stream/${id}`, { headers: { Range: `bytes=${size + 5}-` } })).status()).toBe(416);
  const whole = await api.get(`/stream/${id}`);
  expect(whole.status()).toBe(200);
  expect((await whole.body()).length).toBe(size);
  expect((await api.get('/stream/00000000-0000-4000-8000-000000000000')).status()).toBe(404);
  expect((await api.get('/stream/..%2F..%2Fetc%2Fpasswd')).status()).toBe(404);
});

test('explicit songs are marked, and hidden when the filter is on', async ({ page }, info) => {
  await signUp(page, info, uniqueName('ex'));
  await open(page, info, '/genres');
  const hrefs = await page.getByRole('list', { name: 'Genres' }).getByRole('link').evaluateAll(
    (links) => links.map((l) => l.getAttribute('href')!));
  let withExplicit = '';
  for (const href of hrefs) {
    await open(page, info, href);
    if (await page.getByRole('list', { name: 'Popular songs' }).getByLabel('Explicit').count() > 0) { withExplicit = href; break; }
  }
  expect(withExplicit, 'the demo catalog has explicit songs').not.toBe('');

  await open(page, info, '/settings');
  await page.getByLabel('Hide explicit content').check();
  await page.getByRole('button', { name: 'Save preferences' }).click();
  await expect(page.getByText('Preferences saved.')).toBeVisible();
  await open(page, info, withExplicit);
  await expect(page.getByRole('heading', { name: 'Popular songs' })).toBeVisible();
  await expect(page.getByRole('list', { name: 'Popular songs' }).getByLabel('Explicit')).toHaveCount(0);
});
