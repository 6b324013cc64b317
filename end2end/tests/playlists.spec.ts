import { expect, Page, test, TestInfo } from '@playwright/test';
import { open, signUp, uniqueName } from './helpers';

/** The first `n` songs of the first new release that has at least `n` tracks. */
async function songPages(page: Page, info: TestInfo, n: number): Promise<{ href: string, title: string }[]> {
  await open(page, info, '/');
  const albums = await page.getByRole('list', { name: 'New releases' }).getByRole('link')
    .evaluateAll((ls) => ls.map((l) => l.getAttribute('href')!));
  const links = page.getByRole('list', { name: 'Tracks' }).locator('a[href^="/song/"]:not([aria-label])');
  for (const href of albums) {
    await open(page, info, href);
    if (await links.count() >= n) break;
  }
  const out = [];
  for (let i = 0; i < n; i++) {
    out.push({ href: (await links.nth(i).getAttribute('href'))!, title: (await links.nth(i).innerText()).trim() });
  }
  return out;
}

async function addTo(page: Page, info: TestInfo, songHref: string, playlist: string) {
  await open(page, info, songHref);
  await page.getByLabel('Add to playlist').selectOption({ label: playlist });
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(page.getByText('Added to the playlist.')).toBeVisible();
}

test('make a private playlist, add, reorder, remove; others cannot see it', async ({ page, browser }, info) => {
  await signUp(page, info, uniqueName('pl'));
  const songs = await songPages(page, info, 3);
  await open(page, info, '/library');
  await page.getByLabel('Title').fill('Night drive');
  await page.getByLabel('Who can see it').selectOption('private');
  await page.getByRole('button', { name: 'Create playlist' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Night drive' })).toBeVisible();
  const url = page.url();

  for (const s of songs) await addTo(page, info, s.href, 'Night drive');
  // Adding the same song again gets a clear message.
  await open(page, info, songs[0].href);
  await page.getByLabel('Add to playlist').selectOption({ label: 'Night drive' });
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(page.getByText('That song is already in this playlist.')).toBeVisible();

  await open(page, info, url);
  const list = page.getByRole('list', { name: 'Playlist songs' });
  const titles = () => list.locator('a[href^="/song/"]:not([aria-label])').allInnerTexts();
  await expect.poll(titles).toEqual(songs.map((s) => s.title));
  await expect(page.getByText(/3 songs, /)).toBeVisible();

  await list.getByRole('button', { name: `Move ${songs[1].title} up` }).click();
  await expect(page.getByText('Moved.')).toBeVisible();
  await expect.poll(titles).toEqual([songs[1].title, songs[0].title, songs[2].title]);

  await list.getByRole('button', { name: `Remove ${songs[2].title} from this playlist` }).click();
  await expect(page.getByText('Removed.')).toBeVisible();
  await expect.poll(titles).toEqual([songs[1].title, songs[0].title]);
  await expect(page.getByText(/2 songs, /)).toBeVisible();

  // Another user: a private playlist is a 404.
  const other = await browser.newPage({ javaScriptEnabled: info.project.use.javaScriptEnabled });
  await signUp(other, info, uniqueName('ot'));
  const res = await other.goto(url);
  expect(res?.status()).toBe(404);
  await expect(other.getByRole('heading', { name: '404 — no such playlist' })).toBeVisible();
  await other.close();
});

test('a stale reorder is refused and the user is told', async ({ page }, info) => {
  await signUp(page, info, uniqueName('sr'));
  const songs = await songPages(page, info, 3);
  await open(page, info, '/library');
  await page.getByLabel('Title').fill('Stale');
  await page.getByRole('button', { name: 'Create playlist' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Stale' })).toBeVisible();
  const url = page.url();
  for (const s of songs) await addTo(page, info, s.href, 'Stale');
  await open(page, info, url);
  // A second tab changes the playlist meanwhile.
  const tab = await page.context().newPage();
  await tab.goto(url);
  await tab.getByRole('list', { name: 'Playlist songs' }).getByRole('button', { name: `Move ${songs[2].title} up` }).click();
  await expect(tab.getByText('Moved.')).toBeVisible();
  await tab.close();
  await page.getByRole('list', { name: 'Playlist songs' }).getByRole('button', { name: `Move ${songs[1].title} up` }).click();
  await expect(page.getByText(/Someone changed this playlist while you were editing/)).toBeVisible();
});

test('liked songs are a playlist of their own', async ({ page }, info) => {
  await signUp(page, info, uniqueName('lk'));
  const [song] = await songPages(page, info, 1);
  await open(page, info, song.href);
  await page.getByRole('button', { name: '♡ Like' }).click();
  await expect(page.getByRole('button', { name: '♥ Liked' })).toBeVisible();
  await open(page, info, '/collection/tracks');
  await expect(page.getByRole('list', { name: 'Liked songs' }).getByRole('link', { name: song.title, exact: true })).toBeVisible();
});

test('public playlists are listed and can be saved by others', async ({ page, browser }, info) => {
  const owner = uniqueName('po');
  await signUp(page, info, owner);
  await open(page, info, '/library');
  const title = `Mix ${owner}`;
  await page.getByLabel('Title').fill(title);
  await page.getByRole('button', { name: 'Create playlist' }).click();
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();

  const other = await browser.newPage({ javaScriptEnabled: info.project.use.javaScriptEnabled });
  await signUp(other, info, uniqueName('sv'));
  await open(other, info, `/search?q=${encodeURIComponent(title.toLowerCase())}`);
  await expect(other.getByRole('list', { name: 'Playlists' }).getByRole('link', { name: title })).toBeVisible();
  await open(other, info, '/playlists');
  await other.getByRole('link', { name: title }).click();
  await other.getByRole('button', { name: 'Save to your library' }).click();
  await expect(other.getByRole('button', { name: 'Remove from your library' })).toBeVisible();
  await open(other, info, '/library');
  await expect(other.getByRole('list', { name: 'Saved playlists' }).getByRole('link', { name: title })).toBeVisible();
  await other.close();
});

test('add to a playlist straight from an album and from search results, and back', async ({ page }, info) => {
  await signUp(page, info, uniqueName('ad'));
  const songs = await songPages(page, info, 2);
  const albumUrl = page.url();
  const tracks = page.getByRole('list', { name: 'Tracks' });

  // A new playlist that starts with the first song, made from the album page.
  await tracks.getByRole('link', { name: `Add ${songs[0].title} to a playlist` }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Add to playlist' })).toBeVisible();
  await page.getByLabel('Title').fill('From the album');
  await page.getByRole('button', { name: 'Create and add' }).click();
  await expect(page.getByText('Added to the playlist.')).toBeVisible();
  expect(page.url().split('?')[0]).toBe(albumUrl.split('?')[0]);

  // The second song into that playlist; then again, which gets a clear message.
  for (const expected of ['Added to the playlist.', 'That song is already in this playlist.']) {
    await open(page, info, albumUrl);
    await tracks.getByRole('link', { name: `Add ${songs[1].title} to a playlist` }).click();
    await page.getByRole('button', { name: 'Add to From the album' }).click();
    await expect(page.getByText(expected)).toBeVisible();
  }

  // From search results: back on the same results afterwards.
  // The longest word of a title finds several songs.
  const q = songs[0].title.split(' ').sort((a, b) => b.length - a.length)[0];
  await open(page, info, `/search?q=${encodeURIComponent(q)}`);
  const results = page.getByRole('list', { name: 'Songs' });
  const labels = await results.getByRole('link', { name: /^Add .* to a playlist$/ })
    .evaluateAll((ls) => ls.map((l) => l.getAttribute('aria-label')!));
  const taken = songs.map((s) => `Add ${s.title} to a playlist`);
  const label = labels.find((l) => !taken.includes(l))!;
  expect(label).toBeTruthy();
  const title = label.replace(/^Add /, '').replace(/ to a playlist$/, '');
  await results.getByRole('link', { name: label, exact: true }).first().click();
  await page.getByRole('button', { name: 'Add to From the album' }).click();
  await expect(page.getByText('Added to the playlist.')).toBeVisible();
  expect(new URL(page.url()).searchParams.get('q')).toBe(q);

  // The library shows it with its cover (the first song's album cover), in order.
  await open(page, info, '/library');
  const item = page.getByRole('listitem').filter({ has: page.getByRole('link', { name: 'From the album' }) });
  await expect(item.locator('img')).toHaveAttribute('src', /.+/);
  await item.getByRole('link', { name: 'From the album' }).click();
  const list = page.getByRole('list', { name: 'Playlist songs' });
  await expect.poll(() => list.locator('a[href^="/song/"]:not([aria-label])').allInnerTexts())
    .toEqual([songs[0].title, songs[1].title, title]);
});

test('rename, invite an editor who adds a song and a viewer who cannot edit', async ({ page, browser }, info) => {
  const [editorName, viewerName] = [uniqueName('ed'), uniqueName('vw')];
  // The collaborators sign up first (they are invited by username).
  const editor = await browser.newPage({ javaScriptEnabled: info.project.use.javaScriptEnabled });
  await signUp(editor, info, editorName);
  const viewer = await browser.newPage({ javaScriptEnabled: info.project.use.javaScriptEnabled });
  await signUp(viewer, info, viewerName);

  await signUp(page, info, uniqueName('ow'));
  const songs = await songPages(page, info, 4);
  await open(page, info, '/library');
  await page.getByLabel('Title').fill('Band practice');
  await page.getByLabel('Who can see it').selectOption('private');
  await page.getByRole('button', { name: 'Create playlist' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Band practice' })).toBeVisible();
  const url = new URL(page.url()).pathname;
  for (const s of songs.slice(0, 3)) await addTo(page, info, s.href, 'Band practice');

  // Rename and make it collaborative.
  await open(page, info, url);
  const details = page.getByRole('region', { name: 'Edit details' });
  await details.getByLabel('Title').fill('Band practice, take two');
  await details.getByLabel('Editors can add, remove and reorder songs').check();
  await details.getByRole('button', { name: 'Save details' }).click();
  await expect(page.getByText('Details saved.')).toBeVisible();
  await expect(page.getByRole('heading', { level: 1, name: 'Band practice, take two' })).toBeVisible();

  // Invite the editor and the viewer.
  for (const [name, role] of [[editorName, 'editor'], [viewerName, 'viewer']]) {
    await page.getByLabel('Invite by username').fill(name);
    await page.getByLabel('Role').selectOption(role);
    await page.getByRole('button', { name: 'Invite' }).click();
    await expect(page.getByText('Collaborator saved.')).toBeVisible();
    await open(page, info, url);
  }
  await expect(page.getByRole('list', { name: 'Collaborators' })).toContainText(editorName);

  // The editor adds the fourth song and can rearrange.
  await addTo(editor, info, songs[3].href, 'Band practice, take two');
  await open(editor, info, url);
  const list = editor.getByRole('list', { name: 'Playlist songs' });
  await expect(list.locator('a[href^="/song/"]:not([aria-label])')).toHaveCount(4);
  await expect(list.getByRole('button', { name: `Remove ${songs[3].title} from this playlist` })).toBeVisible();

  // The viewer opens the private playlist but gets no editing controls anywhere.
  const res = await open(viewer, info, url);
  expect(res?.status()).toBe(200);
  const seen = viewer.getByRole('list', { name: 'Playlist songs' });
  await expect(seen.locator('a[href^="/song/"]:not([aria-label])')).toHaveCount(4);
  await expect(seen.getByRole('button', { name: /^Remove / })).toHaveCount(0);
  await expect(seen.getByRole('button', { name: /^Move / })).toHaveCount(0);
  await open(viewer, info, songs[0].href);
  await expect(viewer.locator('#f-playlist option', { hasText: 'Band practice, take two' })).toHaveCount(0);
  await editor.close();
  await viewer.close();
});
