import { expect, test } from '@playwright/test';
import { open, signUp, uniqueName } from './helpers';

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

  await open(page, info, '/feed');
  const feed = page.getByRole('list', { name: 'Activity' });
  await expect(feed.getByRole('link', { name: `Feed mix ${b}` })).toBeVisible();
  await expect(feed.getByRole('listitem').filter({ hasText: 'liked' }).getByRole('link', { name: song, exact: true }).first()).toBeVisible();
  await other.close();
});
