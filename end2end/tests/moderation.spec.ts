import { expect, test } from '@playwright/test';
import { ADMIN, jsEnabled, open, signIn, signUp, uniqueName } from './helpers';

test('a listener reports a song, a moderator takes it down, the song 404s for listeners', async ({ page, browser }, info) => {
  await signUp(page, info, uniqueName('rp'));
  // A song no other spec uses: the last track of one of the last new releases.
  await open(page, info, '/');
  const albums = await page.getByRole('list', { name: 'New releases' }).getByRole('link')
    .evaluateAll((ls) => ls.map((l) => l.getAttribute('href')!));
  await open(page, info, albums[albums.length - (jsEnabled(info) ? 1 : 2)]);
  const tracks = page.getByRole('list', { name: 'Tracks' }).locator('a[href^="/song/"]:not([aria-label])');
  const last = tracks.last();
  const title = (await last.innerText()).trim();
  await last.click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText(title);
  const songUrl = page.url();

  await page.getByText('Report this song').click();
  await page.getByLabel('Reason').selectOption('copyright');
  await page.getByLabel('Details (optional)').fill('Uploaded without permission');
  await page.getByRole('button', { name: 'Send report' }).click();
  await expect(page.getByText(/a moderator will look at your report/)).toBeVisible();

  // A listener cannot open the queue.
  const denied = await open(page, info, '/admin/reports');
  expect(denied?.status()).toBe(403);

  const mod = await browser.newPage({ javaScriptEnabled: info.project.use.javaScriptEnabled });
  await signIn(mod, info, ADMIN.username, ADMIN.password);
  await expect(mod.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin', exact: true })).toBeVisible();
  await open(mod, info, '/admin/reports');
  const form = mod.getByRole('form', { name: `Act on the report about ${title}` }).first();
  await form.getByLabel('Action').selectOption('take_down');
  await form.getByLabel('Note (shown to the reporter)').fill('Removed after review');
  await form.getByRole('button', { name: 'Apply' }).click();
  await expect(mod.getByText('Done. The reporter can see the outcome.')).toBeVisible();
  await mod.close();

  const gone = await open(page, info, songUrl);
  expect(gone?.status()).toBe(404);
  await open(page, info, '/reports');
  const mine = page.getByRole('list', { name: 'My reports' });
  await expect(mine).toContainText(title);
  await expect(mine).toContainText('actioned');
  await expect(mine).toContainText('Moderator\'s note: Removed after review');
});

test('an admin suspends a user, who is signed out at once and told why at sign-in', async ({ page, browser }, info) => {
  const name = uniqueName('su');
  await signUp(page, info, name);
  const admin = await browser.newPage({ javaScriptEnabled: info.project.use.javaScriptEnabled });
  await signIn(admin, info, ADMIN.username, ADMIN.password);
  await expect(admin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin', exact: true })).toBeVisible();
  await open(admin, info, `/admin/users?q=${name}`);
  const card = admin.getByRole('listitem', { name });
  await card.getByLabel('Days').fill('3');
  await card.getByLabel('Reason').fill('spam');
  await card.getByRole('button', { name: 'Suspend' }).click();
  await expect(admin.getByText('User suspended and signed out everywhere.')).toBeVisible();
  await expect(admin.getByRole('listitem', { name })).toContainText('suspended until');
  await admin.close();

  await open(page, info, '/library');
  await expect(page).toHaveURL(/\/signin/);
  await signIn(page, info, name);
  await expect(page.getByText(/This account is suspended until/)).toBeVisible();
});

test('an admin deletes an account; it cannot sign in again and the audit log shows it', async ({ page, browser }, info) => {
  const name = uniqueName('del');
  await signUp(page, info, name);
  const admin = await browser.newPage({ javaScriptEnabled: info.project.use.javaScriptEnabled });
  await signIn(admin, info, ADMIN.username, ADMIN.password);
  await expect(admin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin', exact: true })).toBeVisible();
  await open(admin, info, `/admin/users?q=${name}`);
  const card = admin.getByRole('listitem', { name });
  await card.getByText('Delete account…').click();
  await card.getByLabel(`Type ${name} to confirm`).fill(name);
  await card.getByRole('button', { name: 'Delete for good' }).click();
  await expect(admin.getByText('Account deleted: removed from PostgreSQL and MongoDB.')).toBeVisible();
  await expect(admin.getByRole('listitem', { name })).toHaveCount(0);
  await open(admin, info, '/admin/audit?action=user.');
  await expect(admin.getByRole('table').getByText('user.delete').first()).toBeVisible();
  await admin.close();

  await open(page, info, '/library');
  await expect(page).toHaveURL(/\/signin/);
  await signIn(page, info, name);
  await expect(page.getByText(/wrong|incorrect|not match/i)).toBeVisible();
});

test('listeners cannot use user management', async ({ page, request }, info) => {
  await signUp(page, info, uniqueName('nu'));
  const res = await open(page, info, '/admin/users');
  expect(res?.status()).toBe(403);
  expect((await open(page, info, '/admin/audit'))?.status()).toBe(403);
  const post = await page.request.post('/api/admin/set_role', { form: { user_id: '00000000-0000-4000-8000-000000000001', role: 'admin' } });
  expect(post.status()).toBeGreaterThanOrEqual(400);
  expect(await post.text()).toContain('Forbidden');
});
