import { expect, test } from '@playwright/test';
import { jsEnabled, open, signUp, uniqueName } from './helpers';

test('two users follow each other, become friends; a block ends it', async ({ page, browser }, info) => {
  const a = uniqueName('fa');
  const b = uniqueName('fb');
  await signUp(page, info, a);
  const other = await browser.newPage({ javaScriptEnabled: info.project.use.javaScriptEnabled });
  await signUp(other, info, b);

  await open(page, info, `/u/${b}`);
  await page.getByRole('button', { name: 'Follow' }).click();
  await expect(page.getByRole('button', { name: 'Unfollow' })).toBeVisible();
  await open(other, info, `/u/${a}`);
  await expect(other.getByText('Follows you')).toBeVisible();
  await other.getByRole('button', { name: 'Follow' }).click();
  await expect(other.getByText('Friends')).toBeVisible();
  await expect(other.getByRole('list', { name: 'Followers' }).getByRole('link', { name: b })).toBeVisible();

  await other.getByRole('button', { name: 'Block' }).click();
  await expect(other.getByRole('button', { name: 'Unblock' })).toBeVisible();
  await expect(other.getByRole('button', { name: 'Follow' })).toHaveCount(0);
  await open(page, info, `/u/${b}`);
  await expect(page.getByText('Friends')).toHaveCount(0);
  await page.getByRole('button', { name: 'Follow' }).click();
  await expect(page.getByText('You cannot follow this user.')).toBeVisible();
  await other.close();
});

test('follow an artist from the artist page', async ({ page }, info) => {
  await signUp(page, info, uniqueName('af'));
  await open(page, info, '/');
  await page.getByRole('list', { name: 'Popular songs' }).locator('a[href^="/artist/"]').first().click();
  const followers = async () => Number((await page.getByText(/\d+ followers?/).innerText()).match(/(\d+) follower/)![1]);
  const before = await followers();
  await page.getByRole('button', { name: 'Follow', exact: true }).click();
  await expect(page.getByRole('button', { name: 'Following' })).toBeVisible();
  expect(await followers()).toBe(before + 1);
  await open(page, info, '/library');
  await expect(page.getByRole('list', { name: 'Library' }).getByText('Artists followed').locator('..')).toContainText('1');
});

test('followers see each other\'s new playlists and likes in their feeds', async ({ page, browser }, info) => {
  const a = uniqueName('ga');
  const b = uniqueName('gb');
  await signUp(page, info, a);
  const other = await browser.newPage({ javaScriptEnabled: info.project.use.javaScriptEnabled });
  await signUp(other, info, b);
  await open(page, info, `/u/${b}`);
  await page.getByRole('button', { name: 'Follow' }).click();
  await expect(page.getByRole('button', { name: 'Unfollow' })).toBeVisible();
  await open(other, info, `/u/${a}`);
  await other.getByRole('button', { name: 'Follow' }).click();
  await expect(other.getByText('Friends')).toBeVisible();

  // B makes a public playlist and likes a song.
  await open(other, info, '/library');
  await other.getByLabel('Title').fill(`Feed mix ${b}`);
  await other.getByRole('button', { name: 'Create playlist' }).click();
  await expect(other.getByRole('heading', { level: 1, name: `Feed mix ${b}` })).toBeVisible();
  await open(other, info, '/');
  const songLink = other.getByRole('list', { name: 'Popular songs' }).locator('a[href^="/song/"]:not([aria-label])').first();
  const song = (await songLink.innerText()).trim();
  await songLink.click();
  await other.getByRole('button', { name: '♡ Like' }).click();
  await expect(other.getByRole('button', { name: '♥ Liked' })).toBeVisible();
  // And listens to it (the report the player sends when a play ends).
  const songId = other.url().split('/').pop()!.split('?')[0];
  const res = await other.request.post('/api/listening/report', {
    form: {
      event_id: crypto.randomUUID(), song_id: songId, started_at_ms: String(Date.now() - 60_000),
      ms_played: '45000', reason: 'skipped', shuffle: 'false', source: 'other', source_id: '',
    },
  });
  expect(res.status()).toBe(200);

  await open(page, info, '/feed');
  const feed = page.getByRole('list', { name: 'Activity' });
  await expect(feed.getByRole('link', { name: `Feed mix ${b}` })).toBeVisible();
  await expect(feed.getByRole('listitem').filter({ hasText: 'liked' }).getByRole('link', { name: song, exact: true }).first()).toBeVisible();
  await expect(feed.getByRole('listitem').filter({ hasText: `listened to ${song}` })).toHaveCount(1);
  // B's profile: recently played, public playlists, and a way to report them.
  await open(page, info, `/u/${b}`);
  await expect(page.getByRole('list', { name: 'Recently played' }).getByRole('link', { name: song, exact: true })).toBeVisible();
  await expect(page.getByRole('list', { name: 'Public playlists' }).getByRole('link', { name: `Feed mix ${b}` })).toBeVisible();
  await expect(page.getByText(`Report ${b}`)).toBeVisible();
  await other.close();
});

test('comment on a song, edit it, another user reports it, the author deletes it', async ({ page, browser }, info) => {
  const a = uniqueName('ca');
  await signUp(page, info, a);
  await open(page, info, '/');
  const song = (await page.getByRole('list', { name: 'Popular songs' }).locator('a[href^="/song/"]:not([aria-label])').first().getAttribute('href'))!;
  await open(page, info, song);
  const text = `<b>Lovely</b> bridge ${uniqueName('t')}`;
  await page.getByLabel('Add a comment').fill(text);
  await page.getByRole('button', { name: 'Post comment' }).click();
  await expect(page.getByText('Comment posted.')).toBeVisible();
  const comments = page.getByRole('list', { name: 'Comments' });
  const mine = comments.getByRole('listitem').filter({ hasText: text });
  await expect(mine).toHaveCount(1); // shown as typed: the markup is text
  await mine.getByText('Edit', { exact: true }).click();
  await mine.getByLabel('Your comment').fill(`${text} (and the outro)`);
  await mine.getByRole('button', { name: 'Save comment' }).click();
  await expect(page.getByText('Comment saved.')).toBeVisible();
  await expect(comments.getByRole('listitem').filter({ hasText: `${text} (and the outro)` })).toContainText('edited');

  // Another listener sees it, cannot edit or delete it, and reports it.
  const other = await browser.newPage({ javaScriptEnabled: info.project.use.javaScriptEnabled });
  await signUp(other, info, uniqueName('cb'));
  await open(other, info, song);
  const theirs = other.getByRole('list', { name: 'Comments' }).getByRole('listitem').filter({ hasText: text });
  await expect(theirs).toHaveCount(1);
  await expect(theirs.getByRole('button', { name: /Delete/ })).toHaveCount(0);
  await expect(theirs.getByText('Edit', { exact: true })).toHaveCount(0);
  await theirs.getByText(`Report comment by ${a}`).click();
  await theirs.getByLabel('Reason').selectOption('spam');
  await theirs.getByRole('button', { name: 'Send report' }).click();
  await expect(other.getByText('Thanks — a moderator will look at your report.', { exact: false })).toBeVisible();
  await open(other, info, '/reports');
  await expect(other.getByText(text, { exact: false })).toBeVisible();
  await other.close();

  await open(page, info, song);
  await comments.getByRole('listitem').filter({ hasText: text }).getByRole('button', { name: `Delete the comment by ${a}` }).click();
  await expect(page.getByText('Comment deleted.')).toBeVisible();
  await expect(comments.getByRole('listitem').filter({ hasText: text })).toHaveCount(0);
});

test('like an album and a playlist; the counts follow', async ({ page }, info) => {
  await signUp(page, info, uniqueName('lk'));
  await open(page, info, '/');
  // One album per project, so the two parallel runs do not change each other's counts.
  await page.getByRole('list', { name: 'New releases' }).getByRole('link').nth(jsEnabled(info) ? 2 : 3).click();
  await expect(page.getByRole('list', { name: 'Tracks' })).toBeVisible();
  const count = async () => Number((await page.getByTestId('like-count').first().innerText()).match(/^(\d+)/)![1]);
  const before = await count();
  await page.getByRole('button', { name: '♡ Like' }).click();
  await expect(page.getByRole('button', { name: '♥ Liked' })).toBeVisible();
  expect(await count()).toBe(before + 1);
  await page.getByRole('button', { name: '♥ Liked' }).click();
  await expect(page.getByRole('button', { name: '♡ Like' })).toBeVisible();
  expect(await count()).toBe(before);

  await open(page, info, '/library');
  await page.getByLabel('Title').fill('Liked list');
  await page.getByRole('button', { name: 'Create playlist' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Liked list' })).toBeVisible();
  await expect(page.getByTestId('like-count')).toHaveText('0 likes');
  await page.getByRole('button', { name: '♡ Like' }).click();
  await expect(page.getByTestId('like-count')).toHaveText('1 like');
});
