import { expect, test } from '@playwright/test';
import { open, signUp, uniqueName } from './helpers';

/** One record of Spotify's extended streaming history, with its documented fields. */
function play(minutesAgo: number, ms: number, track: string | null, artist: string | null, extra: object = {}) {
  return {
    ts: new Date(Date.now() - minutesAgo * 60_000).toISOString().replace(/\.\d+Z$/, 'Z'),
    username: 'someone', platform: 'iOS 16.1 (iPhone14,2)', ms_played: ms, conn_country: 'NL',
    ip_addr: '10.0.0.1', master_metadata_track_name: track, master_metadata_album_artist_name: artist,
    master_metadata_album_album_name: 'An Album', spotify_track_uri: null, episode_name: null,
    episode_show_name: null, spotify_episode_uri: null, audiobook_title: null, audiobook_uri: null,
    audiobook_chapter_uri: null, audiobook_chapter_title: null, reason_start: 'clickrow',
    reason_end: 'trackdone', shuffle: false, skipped: false, offline: false, offline_timestamp: null,
    incognito_mode: false, ...extra,
  };
}

test('import a Spotify history file and see the stats change', async ({ page }, info) => {
  test.setTimeout(120_000);
  await signUp(page, info, uniqueName('im'));
  // A song from the catalog, by its title and artist (as Spotify would name it).
  await open(page, info, '/');
  await page.getByRole('list', { name: 'New releases' }).getByRole('link').nth(4).click();
  const tracks = page.getByRole('list', { name: 'Tracks' });
  await expect(tracks).toBeVisible();
  const title = (await tracks.locator('a[href^="/song/"]:not([aria-label])').first().innerText()).trim();
  const artist = (await page.locator('main a[href^="/artist/"]').first().innerText()).trim();
  const newTrack = `Only In My History ${uniqueName('t')}`;

  await open(page, info, '/stats');
  await expect(page.getByRole('list', { name: 'Top tracks' }).getByRole('link', { name: title })).toHaveCount(0);

  // A file of the wrong shape: a clear message, nothing queued.
  await open(page, info, '/import');
  await page.getByLabel('History file (JSON, zip or CSV)').setInputFiles({
    name: 'notes.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify([{ song: 'x', when: 1 }])),
  });
  await page.getByRole('button', { name: 'Import' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'notes.json is JSON but not a Spotify streaming history' })).toBeVisible();
  await expect(page.getByText('None yet.')).toBeVisible();

  const history = [
    play(300, 200_000, title, artist),
    play(200, 190_000, title.toUpperCase(), artist),
    play(100, 185_000, title, artist),
    play(90, 61_000, newTrack, 'Import Band'),
    play(80, 1_200_000, null, null, { episode_name: 'A Podcast Episode', spotify_episode_uri: 'spotify:episode:1' }),
    play(70, 90_000, title, artist, { incognito_mode: true }),
  ];
  await page.getByLabel('History file (JSON, zip or CSV)').setInputFiles({
    name: 'Streaming_History_Audio_2025.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(history)),
  });
  await page.getByRole('button', { name: 'Import' }).click();
  await expect(page.getByText('The file is fine and its import has started')).toBeVisible();

  const item = page.getByRole('listitem', { name: 'Import of Streaming_History_Audio_2025.json' });
  await expect.poll(async () => {
    await open(page, info, '/import');
    return item.getByRole('paragraph').first().innerText();
  }, { timeout: 30_000, intervals: [1_000] }).toContain('Done');
  const report = item.getByRole('definition');
  // Read, Imported, Matched, New entries, Already imported, Podcasts, Audiobooks, Incognito, Errors.
  await expect(report).toHaveText(['6', '4', '3', '1', '0', '1', '0', '1', '0']);

  // The plays are in the stats (the aggregator counts them like live plays).
  await expect.poll(async () => {
    await open(page, info, '/stats');
    return page.getByRole('list', { name: 'Top tracks' }).getByRole('link', { name: title }).count();
  }, { timeout: 20_000, intervals: [1_000] }).toBeGreaterThan(0);
  await expect(page.getByRole('list', { name: 'Top tracks' }).getByRole('link', { name: newTrack })).toBeVisible();

  // The song it did not know is in the catalog, marked as not playable.
  await page.getByRole('list', { name: 'Top tracks' }).getByRole('link', { name: newTrack }).click();
  await expect(page.getByRole('heading', { level: 1, name: newTrack })).toBeVisible();
  await expect(page.getByRole("note").filter({ hasText: "This song has no playable audio." })).toBeVisible();
});
