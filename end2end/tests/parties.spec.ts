import { expect, Page, test, WebSocketRoute } from '@playwright/test';
import { ADMIN, claimArtist, findArtist, jsEnabled, open, signIn, signUp, uniqueName } from './helpers';

// A second app instance on the same databases (scripts/test.sh starts it): a listener
// there must see what listeners on the first instance see.
const SECOND = process.env.E2E_BASE_URL_2 ?? 'http://127.0.0.1:3002';

/** The host opens the first new release with at least three songs and starts a party
 * from it; returns the party's path. */
async function startParty(page: Page, info: Parameters<typeof open>[1]) {
  await open(page, info, '/');
  const releases = page.getByRole('list', { name: 'New releases' }).getByRole('link');
  const hrefs = await releases.evaluateAll(as => as.map(a => a.getAttribute('href') ?? ''));
  for (const href of hrefs.filter(h => h.startsWith('/album/'))) {
    await open(page, info, href);
    if (await page.getByRole('list', { name: 'Tracks' }).getByRole('listitem').count() >= 3) break;
  }
  await page.getByRole('button', { name: 'Start a listening party' }).click();
  await expect(page.getByText('Your party is live.')).toBeVisible();
  return new URL(page.url()).pathname;
}

async function joinAndListen(page: Page, info: Parameters<typeof open>[1], path: string) {
  await open(page, info, path);
  await page.getByRole('button', { name: 'Join the party' }).click();
  await expect(page.getByText('You joined the party.')).toBeVisible();
  await page.getByRole('button', { name: 'Listen along' }).click();
  await expect(page.getByTestId('party-connection')).toHaveText('Connected');
}

const audioTime = (page: Page) =>
  page.locator('[data-testid="player-audio"]').evaluate((a: HTMLAudioElement) => a.currentTime);

test('a listening party: listeners on two app instances follow the host, chat live, a muted listener cannot post, a dropped socket catches up', async ({ page, browser }, info) => {
  test.skip(!jsEnabled(info), 'following live needs JavaScript (the forms are covered below)');
  test.setTimeout(120_000);
  const [h, a, b] = [uniqueName('ph'), uniqueName('pa'), uniqueName('pb')];
  await signUp(page, info, h);
  const path = await startParty(page, info);
  await page.getByRole('button', { name: 'Listen along' }).click();
  await expect(page.getByTestId('party-connection')).toHaveText('Connected');
  const songs = page.getByRole('list', { name: 'Party songs' }).getByRole('listitem');
  const title = async (i: number) => (await songs.nth(i).innerText()).split(' · ')[0].trim();
  const [first, second, third] = [await title(0), await title(1), await title(2)];
  await expect(page.getByTestId('now-playing')).toHaveText(first);

  // Listener A on this instance, with a socket the test can cut.
  const pa = await browser.newPage();
  let allow = true;
  const sockets: WebSocketRoute[] = [];
  await pa.routeWebSocket(/\/party\/.*\/ws$/, ws => {
    if (!allow) { ws.close(); return; }
    ws.connectToServer();
    sockets.push(ws);
  });
  await signUp(pa, info, a);
  await joinAndListen(pa, info, path);
  // Listener B on the second instance.
  const pb = await browser.newPage({ baseURL: SECOND });
  await signUp(pb, info, b);
  await joinAndListen(pb, info, path);
  for (const p of [pa, pb]) await expect(p.getByTestId('now-playing')).toHaveText(first);
  await expect(page.getByTestId('party-listeners')).toHaveText('3 listening');

  // The host skips: both follow (the push itself is measured by the benchmark).
  const t0 = Date.now();
  await page.getByRole('button', { name: 'Next song' }).click();
  await expect(pa.getByTestId('now-playing')).toHaveText(second, { timeout: 2_000 });
  await expect(pb.getByTestId('now-playing')).toHaveText(second, { timeout: 2_000 });
  info.annotations.push({ type: 'skip followed after (ms, incl. the click)', description: String(Date.now() - t0) });

  // Same position: the host seeks; everyone is within a second of the host.
  await page.getByLabel('Seek to (seconds)').fill('20');
  await page.getByRole('button', { name: 'Seek', exact: true }).click();
  await expect.poll(async () => await audioTime(pa), { timeout: 5_000 }).toBeGreaterThan(19);
  await expect.poll(async () => Math.abs(await audioTime(pa) - await audioTime(page)), { timeout: 5_000 }).toBeLessThan(1);
  await expect.poll(async () => Math.abs(await audioTime(pb) - await audioTime(page)), { timeout: 5_000 }).toBeLessThan(1);

  // Chat reaches both instances, as text (never markup).
  const evil = '<img src=x onerror="window.__pwned=1"><b>hi</b>';
  await page.getByLabel('Your message').fill(evil);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  for (const p of [pa, pb]) {
    const chat = p.getByRole('list', { name: 'Chat messages' });
    await expect(chat.getByText(evil)).toBeVisible();
    await expect(chat.locator('img, b')).toHaveCount(0);
    expect(await p.evaluate(() => (window as any).__pwned)).toBeUndefined();
  }
  await pb.getByRole('button', { name: 'React with 🔥' }).click();
  await expect(page.getByRole('list', { name: 'Chat messages' }).getByText('🔥')).toBeVisible();

  // The host mutes A: A's next message is refused with a clear message.
  await open(page, info, path);
  await page.getByRole('button', { name: `Mute ${a}` }).click();
  await expect(pa.getByText('You are muted in this party.').first()).toBeVisible();
  await pa.getByLabel('Your message').fill('can anyone hear me?');
  await pa.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(pa.getByRole('alert').filter({ hasText: 'You are muted in this party.' })).toBeVisible();
  await expect(pb.getByRole('list', { name: 'Chat messages' }).getByText('can anyone hear me?')).toHaveCount(0);

  // A's socket drops; meanwhile the host skips. A reconnects and lands on the new song.
  await page.getByRole('button', { name: 'Listen along' }).click();
  allow = false;
  await sockets[sockets.length - 1].close();
  await expect(pa.getByTestId('party-connection')).toHaveText('Reconnecting…');
  await page.getByRole('button', { name: 'Next song' }).click();
  await expect(pb.getByTestId('now-playing')).toHaveText(third);
  await pa.waitForTimeout(1500);
  await expect(pa.getByTestId('now-playing')).toHaveText(second);
  allow = true;
  await expect(pa.getByTestId('party-connection')).toHaveText('Connected', { timeout: 5_000 });
  await expect(pa.getByTestId('now-playing')).toHaveText(third);
  await expect.poll(async () => Math.abs(await audioTime(pa) - await audioTime(pb)), { timeout: 5_000 }).toBeLessThan(1);

  // Leaving gives A their own (empty) queue back; the party goes on for B.
  await pa.getByRole('button', { name: 'Leave the party' }).click();
  await expect(pa.getByText('You left the party.')).toBeVisible();
  await expect(pa.getByTestId('now-playing')).toHaveCount(0);
  await expect(pb.getByTestId('now-playing')).toHaveText(third);
  await pa.close();
  await pb.close();
});

test('party forms work without JavaScript: join, chat, pause for everyone, remove a listener', async ({ page, browser }, info) => {
  const [h, a] = [uniqueName('qh'), uniqueName('qa')];
  await signUp(page, info, h);
  const path = await startParty(page, info);
  const pa = await browser.newPage({ javaScriptEnabled: info.project.use.javaScriptEnabled });
  await signUp(pa, info, a);
  await open(pa, info, path);
  await expect(pa.getByRole('button', { name: 'Pause for everyone' })).toHaveCount(0);
  await pa.getByRole('button', { name: 'Join the party' }).click();
  await expect(pa.getByText('You joined the party.')).toBeVisible();
  await pa.getByLabel('Your message').fill('hello from a listener');
  await pa.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(pa.getByRole('list', { name: 'Chat messages' }).getByText('hello from a listener')).toBeVisible();
  await pa.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(pa.getByText('Write a message first.')).toBeVisible();

  await open(page, info, path);
  await expect(page.getByRole('list', { name: 'Chat messages' }).getByText('hello from a listener')).toBeVisible();
  await page.getByRole('button', { name: 'Pause for everyone' }).click();
  await expect(page.getByRole('button', { name: 'Play for everyone' })).toBeVisible();
  await open(pa, info, path);
  await expect(pa.getByText('Paused', { exact: true })).toBeVisible();

  await page.getByRole('button', { name: `Remove ${a}` }).click();
  await expect(page.getByRole('list', { name: 'Members' }).getByText(a)).toHaveCount(0);
  await open(pa, info, path);
  await expect(pa.getByRole('heading', { name: '403 — forbidden' })).toBeVisible();
  await expect(pa.getByText('You were removed from this party.')).toBeVisible();

  // The host's profile shows the party as live.
  await open(pa, info, `/u/${h}`);
  await expect(pa.getByRole('region', { name: 'Live now' }).getByRole('link')).toHaveAttribute('href', path);
  await pa.close();
});

test('an artist schedules a live event, a fan RSVPs, the artist goes live, the fan is notified and joins; the chat is replayed after', async ({ page, browser }, info) => {
  test.setTimeout(120_000);
  const name = uniqueName('ev');
  await signUp(page, info, name);
  const artist = await findArtist(page, info, jsEnabled(info) ? 6 : 8);
  await claimArtist(page, browser, info, name, artist);
  await open(page, info, artist.artistUrl);
  await page.getByRole('link', { name: 'Live events' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Live events' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Schedule a live event' })).toBeVisible();
  const title = `Release night ${name}`;
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Starts at (UTC)').fill('2020-01-01T20:00');
  await page.getByRole('button', { name: 'Schedule' }).click();
  await expect(page.getByText('Events are scheduled in the future.')).toBeVisible();
  const soon = new Date(Date.now() + 3 * 3600_000).toISOString().slice(0, 16);
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Starts at (UTC)').fill(soon);
  await page.getByLabel('Description').fill('New songs, <i>live</i>.');
  await page.getByRole('button', { name: 'Schedule' }).click();
  await expect(page.getByText('Scheduled. Your followers can RSVP now.')).toBeVisible();
  const eventPath = new URL(page.url()).pathname;
  await expect(page.getByText('New songs, <i>live</i>.')).toBeVisible();

  // A fan follows the artist and RSVPs from the artist page.
  const fan = await browser.newPage({ javaScriptEnabled: info.project.use.javaScriptEnabled });
  const fanName = uniqueName('evf');
  await signUp(fan, info, fanName);
  await open(fan, info, artist.artistUrl);
  await fan.getByRole('button', { name: 'Follow', exact: true }).click();
  await expect(fan.getByRole('button', { name: 'Following' })).toBeVisible();
  await fan.getByRole('link', { name: 'Live events' }).click();
  await expect(fan.getByRole('heading', { name: 'Schedule a live event' })).toHaveCount(0);
  await fan.getByRole('list', { name: 'Events' }).getByRole('link', { name: title }).click();
  await expect(fan.getByRole('button', { name: 'Go live now' })).toHaveCount(0);
  await fan.getByRole('button', { name: "I'm going" }).click();
  await expect(fan.getByText('You are going.')).toBeVisible();
  await expect(fan.getByRole('list', { name: 'Going' }).getByText(fanName)).toBeVisible();

  // The artist goes live: the fan is notified and joins from the notification.
  await open(page, info, eventPath);
  await page.getByRole('button', { name: 'Go live now' }).click();
  await expect(page.getByText('Your party is live.')).toBeVisible();
  await expect(page.locator('main').getByText('Artist', { exact: true })).toBeVisible();
  await open(fan, info, '/');
  await expect(fan.getByTestId('unread-count')).toHaveText(/1/);
  await fan.getByRole('link', { name: /^Notifications/ }).click();
  await fan.getByRole('link', { name: `${artist.artistName} is live: ${title}` }).click();
  await fan.getByRole('button', { name: 'Join the party' }).click();
  await fan.getByLabel('Your message').fill('what a night');
  await fan.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(fan.getByRole('list', { name: 'Chat messages' }).getByText('what a night')).toBeVisible();

  // The fan tips the artist (test mode): a declined card changes nothing; a good one shows
  // in the chat, on the artist's insights and for admins, who refund it.
  await fan.getByLabel('Amount (€1–€500)').fill('5');
  await fan.getByLabel('Message (shown in the chat, optional)').fill('for the encore');
  await fan.getByLabel('Card number').fill('4000 0000 0000 0002');
  await fan.getByRole('button', { name: 'Send tip' }).click();
  await expect(fan.getByText('The card was declined')).toBeVisible();
  await fan.getByLabel('Amount (€1–€500)').fill('5');
  await fan.getByLabel('Message (shown in the chat, optional)').fill('for the encore');
  await fan.getByLabel('Card number').fill('4242 4242 4242 4242');
  await fan.getByRole('button', { name: 'Send tip' }).click();
  await expect(fan.getByText('Thank you! Your tip is on its way to the artist.')).toBeVisible();
  await expect(fan.getByRole('list', { name: 'Chat messages' }).getByText('tipped €5.00: for the encore')).toBeVisible();
  await open(page, info, `${artist.artistUrl}/insights`);
  await expect(page.getByTestId('tips-total')).toContainText(/€\d+\.\d\d from \d+ tips? in the last 28 days/);
  await expect(page.getByRole('row').filter({ hasText: fanName })).toContainText('€5.00');
  const admin = await browser.newPage({ javaScriptEnabled: info.project.use.javaScriptEnabled });
  await signIn(admin, info, ADMIN.username, ADMIN.password);
  await expect(admin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin', exact: true })).toBeVisible();
  await open(admin, info, '/admin/analytics');
  await admin.getByRole('button', { name: `Refund the €5.00 tip from ${fanName}` }).click();
  await expect(admin.getByText('Refunded (and written to the audit log).')).toBeVisible();
  await admin.close();

  await open(page, info, new URL(fan.url()).pathname);
  await page.getByRole('button', { name: 'End the party' }).click();
  await expect(page.getByRole('button', { name: 'End the party' })).toHaveCount(0);
  await open(fan, info, eventPath);
  await expect(fan.getByText('Ended', { exact: true })).toBeVisible();
  await expect(fan.getByRole('list', { name: 'Chat replay' }).getByText('what a night')).toBeVisible();
  await expect(fan.getByTestId('event-listened')).toBeVisible();
  await fan.close();
});

test('a party from the player queue', async ({ page }, info) => {
  test.skip(!jsEnabled(info), 'the play queue lives in the browser');
  await signUp(page, info, uniqueName('pq'));
  await open(page, info, '/');
  await page.getByRole('list', { name: 'New releases' }).getByRole('link').first().click();
  await expect(page.getByRole('list', { name: 'Tracks' })).toBeVisible();
  const tracks = await page.getByRole('list', { name: 'Tracks' }).getByRole('listitem').count();
  expect(tracks).toBeGreaterThan(0);
  await page.getByRole('link', { name: '▶ Play all' }).click();
  const player = page.getByRole('region', { name: 'Player' });
  await player.getByText(/^Queue \(/).click();
  await player.getByRole('button', { name: 'Start a listening party with this queue' }).click();
  await expect(page.getByText('Your party is live.')).toBeVisible();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('their queue');
  await expect(page.getByRole('list', { name: 'Party songs' }).getByRole('listitem')).toHaveCount(tracks);
});
