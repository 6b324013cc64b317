import { expect, test } from '@playwright/test';
import { ADMIN, claimArtist, findArtist, jsEnabled, open, signIn, signUp, uniqueName } from './helpers';

/** A real 8-bit mono PCM WAV of `seconds` (a 440 Hz tone at 8 kHz). */
function wav(seconds: number): Buffer {
  const rate = 8000;
  const n = rate * seconds;
  const b = Buffer.alloc(44 + n);
  b.write('RIFF', 0); b.writeUInt32LE(36 + n, 4); b.write('WAVE', 8);
  b.write('fmt ', 12); b.writeUInt32LE(16, 16); b.writeUInt16LE(1, 20); b.writeUInt16LE(1, 22);
  b.writeUInt32LE(rate, 24); b.writeUInt32LE(rate, 28); b.writeUInt16LE(1, 32); b.writeUInt16LE(8, 34);
  b.write('data', 36); b.writeUInt32LE(n, 40);
  for (let i = 0; i < n; i++) b[44 + i] = 128 + Math.round(50 * Math.sin((2 * Math.PI * 440 * i) / rate));
  return b;
}

/** A 16-bit stereo PCM WAV of `seconds` at 22.05 kHz (705 kbit/s: over every plan's
 * streaming quality, so listeners on Free hear a Vorbis rendition of it). */
function stereoWav(seconds: number): Buffer {
  const rate = 22050;
  const n = rate * seconds;
  const b = Buffer.alloc(44 + n * 4);
  b.write('RIFF', 0); b.writeUInt32LE(36 + n * 4, 4); b.write('WAVE', 8);
  b.write('fmt ', 12); b.writeUInt32LE(16, 16); b.writeUInt16LE(1, 20); b.writeUInt16LE(2, 22);
  b.writeUInt32LE(rate, 24); b.writeUInt32LE(rate * 4, 28); b.writeUInt16LE(4, 32); b.writeUInt16LE(16, 34);
  b.write('data', 36); b.writeUInt32LE(n * 4, 40);
  for (let i = 0; i < n; i++) {
    b.writeInt16LE(Math.round(9000 * Math.sin((2 * Math.PI * 440 * i) / rate)), 44 + i * 4);
    b.writeInt16LE(Math.round(9000 * Math.sin((2 * Math.PI * 660 * i) / rate)), 46 + i * 4);
  }
  return b;
}

test('an artist uploads a song, a moderator approves it, a listener plays it, the artist sees the stream', async ({ page, browser }, info) => {
  test.setTimeout(180_000);
  const name = uniqueName('up');
  await signUp(page, info, name);
  const artist = await findArtist(page, info, jsEnabled(info) ? 3 : 9);
  await claimArtist(page, browser, info, name, artist);
  await open(page, info, '/artist');
  await page.getByRole('list', { name: 'Your artist profiles' }).getByRole('link', { name: 'Uploads' }).click();
  await expect(page.getByRole('heading', { level: 1, name: `Uploads: ${artist.artistName}` })).toBeVisible();
  await expect(page.getByText('Nothing uploaded yet.')).toBeVisible();

  // A file that is not audio: a clear message naming it, nothing stored.
  await page.getByLabel('Audio files').setInputFiles({ name: 'notes.mp3', mimeType: 'audio/mpeg', buffer: Buffer.from('not a song at all\n'.repeat(60)) });
  await page.getByLabel('Genre').selectOption('jazz');
  await page.getByRole('button', { name: 'Upload' }).click();
  await expect(page.getByRole('alert')).toContainText('notes.mp3 is not an audio file we can read');
  await expect(page.getByText('Nothing uploaded yet.')).toBeVisible();

  // A real one-minute song. With JavaScript the form goes by XMLHttpRequest with a
  // progress bar. (It becomes the newest release, which other specs may open: a normal
  // length, and a single whose title differs from the song's.)
  const title = `Take ${name}`;
  await page.getByLabel('Audio files').setInputFiles({ name: 'take-one.wav', mimeType: 'audio/wav', buffer: stereoWav(60) });
  await page.getByLabel(/^Song title/).fill(title);
  await page.getByLabel(/^Album, EP or single title/).fill(`Session ${name}`);
  await page.getByLabel('Genre').selectOption('jazz');
  if (jsEnabled(info)) {
    // Hold the answer back a moment so the progress bar can be seen.
    await page.route('**/uploads', async (route) => { await new Promise((r) => setTimeout(r, 1_500)); await route.continue(); });
    const sent = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/uploads'));
    await page.getByRole('button', { name: 'Upload' }).click();
    await expect(page.getByRole('progressbar', { name: 'Upload progress' })).toBeVisible();
    expect((await sent).headers()['accept']).toContain('application/json');
  } else {
    await page.getByRole('button', { name: 'Upload' }).click();
  }
  await expect(page.getByText(/Sent 1 song\(s\) for review/)).toBeVisible();
  const uploads = page.getByRole('table', { name: 'Your uploads, newest first' });
  await expect(uploads.getByRole('row', { name: new RegExp(title) })).toContainText('Waiting for review');

  // The moderator previews and approves; until then a listener cannot hear it.
  const listener = await browser.newPage({ javaScriptEnabled: info.project.use.javaScriptEnabled });
  await signUp(listener, info, uniqueName('ls'));
  const mod = await browser.newPage({ javaScriptEnabled: info.project.use.javaScriptEnabled });
  await signIn(mod, info, ADMIN.username, ADMIN.password);
  await expect(mod.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin', exact: true })).toBeVisible();
  await open(mod, info, '/admin/uploads');
  const review = mod.getByRole('form', { name: `Review ${title} by ${artist.artistName}` });
  const src = (await mod.getByLabel(`Preview ${title}`).getAttribute('src'))!;
  const songId = src.split('/').pop()!;
  const preview = await mod.request.get(src, { headers: { Range: 'bytes=0-43' } });
  expect(preview.status()).toBe(206);
  // The admin is on Free (normal quality): an Ogg Vorbis rendition of the uploaded WAV.
  expect(preview.headers()['content-type']).toBe('audio/ogg');
  expect((await preview.body()).subarray(0, 4).toString()).toBe('OggS');
  expect((await listener.request.get(src)).status()).toBe(404);
  expect((await open(listener, info, `/song/${songId}`))?.status()).toBe(404);
  await review.getByRole('button', { name: 'Approve' }).click();
  await expect(mod.getByText('Approved: the song is published.')).toBeVisible();
  await mod.close();

  // The listener plays it past 30 s (a stream), then moves on: the player reports it.
  await open(listener, info, `/song/${songId}`);
  await expect(listener.getByRole('heading', { level: 1, name: title })).toBeVisible();
  expect((await listener.request.get(src, { headers: { Range: 'bytes=0-3' } })).status()).toBe(206);
  if (jsEnabled(info)) {
    await listener.getByRole('button', { name: '▶ Play' }).click();
    const player = listener.getByRole('region', { name: 'Player' });
    await expect(player.getByTestId('now-playing')).toHaveText(title);
    await expect.poll(async () => listener.evaluate(() => {
      const a = document.querySelector<HTMLAudioElement>('[data-testid="player-audio"]')!;
      return a.currentTime > 31.5;
    }), { timeout: 60_000, intervals: [2_000] }).toBe(true);
    // Leaving the page sends the play report (a beacon), as a real listener's would.
    await open(listener, info, '/history');
  } else {
    // Without JavaScript the native <audio> plays it; report it as the player's beacon does.
    const res = await listener.request.post('/api/listening/report', {
      form: {
        event_id: crypto.randomUUID(), song_id: songId, started_at_ms: String(Date.now() - 70_000),
        ms_played: '60000', reason: 'finished', shuffle: 'false', source: 'search', source_id: '',
      },
    });
    expect(res.status()).toBe(200);
  }
  await listener.close();

  // The artist sees it published, and the stream on the dashboard.
  await open(page, info, `${artist.artistUrl}/uploads`);
  await expect(uploads.getByRole('row', { name: new RegExp(title) })).toContainText('Published');
  await expect.poll(async () => {
    await open(page, info, `${artist.artistUrl}/insights?days=7`);
    const row = page.getByRole('table', { name: 'Songs over the last 7 days' }).getByRole('row', { name: new RegExp(title) });
    return (await row.count()) ? Number((await row.getByRole('cell').first().innerText()).trim()) : 0;
    // At least this listener's stream (the newest release may be played by other specs too).
  }, { timeout: 20_000, intervals: [1_000] }).toBeGreaterThanOrEqual(1);
});

test('uploading is refused to anyone but the artist', async ({ page }, info) => {
  await signUp(page, info, uniqueName('nu'));
  const artist = await findArtist(page, info, 2);
  const res = await open(page, info, `${artist.artistUrl}/uploads`);
  expect(res?.status()).toBe(403);
  await expect(page.getByText("Only the artist's linked accounts and admins can upload for this artist.")).toBeVisible();
  const post = await page.request.post(`${artist.artistUrl}/uploads`, {
    multipart: { genre: 'jazz', file: { name: 'x.wav', mimeType: 'audio/wav', buffer: wav(2) } },
  });
  expect(post.status()).toBe(403);
  await expect(page.getByRole('link', { name: 'Upload review' })).toHaveCount(0);
  expect((await open(page, info, '/admin/uploads'))?.status()).toBe(403);
});
