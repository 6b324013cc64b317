import { expect, test } from '@playwright/test';
import { ADMIN, jsEnabled, open, signIn, signUp, uniqueName } from './helpers';

test('upgrade with a test card (a declined card changes nothing), cancel; admins edit plans', async ({ page, browser }, info) => {
  await signUp(page, info, uniqueName('pr'));
  await open(page, info, '/premium');
  await expect(page.getByRole('note')).toContainText('Test mode');
  await expect(page.getByTestId('my-plan')).toHaveText('You are on Free.');

  const premium = page.getByRole('form', { name: 'Choose Premium' });
  await premium.getByLabel('Card number (test mode)').fill('4000 0000 0000 0002');
  await premium.getByRole('button', { name: 'Choose Premium' }).click();
  await expect(page.getByText(/The card was declined/)).toBeVisible();
  await open(page, info, '/premium');
  await expect(page.getByTestId('my-plan')).toHaveText('You are on Free.');

  await page.getByRole('form', { name: 'Choose Premium' }).getByRole('button', { name: 'Choose Premium' }).click();
  await expect(page.getByText('Payment received — your new plan is active.')).toBeVisible();
  await expect(page.getByTestId('my-plan')).toContainText('You are on Premium; it renews on');

  await page.getByRole('button', { name: 'Cancel subscription' }).click();
  await expect(page.getByText(/^Cancelled\. Your plan runs until the end/)).toBeVisible();
  await expect(page.getByTestId('my-plan')).toContainText('(cancelled)');

  // Plans are edited by admins only.
  const denied = await open(page, info, '/admin/plans');
  expect(denied?.status()).toBe(403);
  const admin = await browser.newPage({ javaScriptEnabled: info.project.use.javaScriptEnabled });
  await signIn(admin, info, ADMIN.username, ADMIN.password);
  await expect(admin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin', exact: true })).toBeVisible();
  await open(admin, info, '/admin/plans');
  const student = admin.getByRole('form', { name: 'Edit the Student plan' });
  await student.getByLabel(/^Price/).fill('five');
  await student.getByRole('button', { name: 'Save Student' }).click();
  await expect(admin.getByText(/A price between 0 and 1000/)).toBeVisible();
  await open(admin, info, '/admin/plans');
  await admin.getByRole('form', { name: 'Edit the Student plan' }).getByLabel(/^Price/).fill('5.99');
  await admin.getByRole('form', { name: 'Edit the Student plan' }).getByRole('button', { name: 'Save Student' }).click();
  await expect(admin.getByText('Plan saved.')).toBeVisible();
  await admin.close();
});

test('a Free listener gets six skips an hour from the player', async ({ page }, info) => {
  test.skip(!jsEnabled(info), 'the player needs JavaScript');
  await signUp(page, info, uniqueName('sk'));
  // An album with at least three tracks, so every skip changes the song.
  for (let i = 6; ; i++) {
    await open(page, info, '/');
    await page.getByRole('list', { name: 'New releases' }).getByRole('link').nth(i).click();
    const tracks = page.getByRole('list', { name: 'Tracks' });
    await expect(tracks).toBeVisible();
    if (await tracks.getByRole('listitem').count() >= 3) break;
  }
  await page.getByRole('link', { name: '▶ Play all' }).click();
  const player = page.getByRole('region', { name: 'Player' });
  await expect(player.getByTestId('now-playing')).not.toHaveText('');
  for (let i = 0; i < 6; i++) {
    const before = await player.getByTestId('now-playing').innerText();
    await player.getByRole('button', { name: 'Next' }).click();
    await expect(player.getByTestId('now-playing')).not.toHaveText(before);
  }
  const stuck = await player.getByTestId('now-playing').innerText();
  await player.getByRole('button', { name: 'Next' }).click();
  await expect(player.getByTestId('player-notice')).toContainText('Free listeners can skip 6 songs an hour');
  await expect(player.getByTestId('now-playing')).toHaveText(stuck);
});

test('a Family subscriber adds a listener, who then has the plan until removed', async ({ page, browser }, info) => {
  const owner = uniqueName('fo');
  const member = uniqueName('fm');
  const other = await browser.newPage({ javaScriptEnabled: info.project.use.javaScriptEnabled });
  await signUp(other, info, member);
  await signUp(page, info, owner);
  await open(page, info, '/premium');
  await page.getByRole('form', { name: 'Choose Family' }).getByRole('button', { name: 'Choose Family' }).click();
  await expect(page.getByText('Payment received — your new plan is active.')).toBeVisible();
  const family = page.getByRole('region', { name: 'Family' });
  await expect(family).toContainText(`0 of 5 places taken, besides ${owner}.`);

  // A wrong username gets a clear message and adds nobody.
  const add = page.getByRole('form', { name: 'Add to your family' });
  await add.getByLabel('Username').fill('no-such-listener');
  await add.getByRole('button', { name: 'Add' }).click();
  await expect(page.getByText('There is no account with that username.')).toBeVisible();
  await open(page, info, '/premium');
  await expect(page.getByRole('region', { name: 'Family' })).toContainText('0 of 5 places taken');

  await page.getByRole('form', { name: 'Add to your family' }).getByLabel('Username').fill(member);
  await page.getByRole('form', { name: 'Add to your family' }).getByRole('button', { name: 'Add' }).click();
  await expect(page.getByText('Added to your family plan.')).toBeVisible();
  await expect(page.getByRole('list', { name: 'Family members' })).toContainText(`(@${member})`);

  // The member is on the owner's plan, cannot add anyone, and can leave.
  await open(other, info, '/premium');
  await expect(other.getByTestId('my-plan')).toHaveText(`You are on ${owner}'s Family plan.`);
  await expect(other.getByRole('form', { name: 'Add to your family' })).toHaveCount(0);
  await expect(other.getByRole('button', { name: 'Leave this family' })).toBeVisible();

  // The owner removes them: Free again.
  await page.getByRole('button', { name: `Remove ${member}` }).click();
  await expect(page.getByText('Removed from your family plan.')).toBeVisible();
  await open(other, info, '/premium');
  await expect(other.getByTestId('my-plan')).toHaveText('You are on Free.');
  await other.close();
});
