// Two people chat through the web app in two headless Chromium browsers (Debian's chromium,
// driven by playwright-core): register, create a guild and an invite, join by it, talk both ways,
// edit, delete, react, lose a socket and resume, log out everywhere. One JSON line per step on
// stdout ({"step": ...}); a screenshot per step under SHOT_DIR. Exits 1 at the first failure.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';

const APP = process.env.CONCORD_APP_URL; // http://127.0.0.1:<port>/app/
const CHROMIUM = process.env.CONCORD_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = process.env.CONCORD_SHOT_DIR ?? 'target/webapp-shots';
const WAIT = 15_000;
const suffix = Date.now().toString(36);
mkdirSync(SHOTS, { recursive: true });

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let shot = 0;
const step = async (name, pages) => {
  for (const [who, page] of Object.entries(pages)) {
    await page.screenshot({ path: `${SHOTS}/${String(++shot).padStart(2, '0')}-${name}-${who}.png` });
  }
  console.log(JSON.stringify({ step: name }));
};

/** Answers the next prompt() of the page with `value`. */
const answerPrompt = (page, value) => page.once('dialog', (d) => d.accept(value));

async function register(page, name) {
  await page.goto(APP);
  await page.getByRole('button', { name: 'Need an account? Register' }).click();
  await page.getByLabel('Username').fill(name);
  await page.getByLabel('Password').fill(`${name}-password`);
  await page.getByRole('button', { name: 'Register' }).click();
  await page.getByRole('navigation', { name: 'Servers' }).waitFor({ timeout: WAIT });
  await page.getByRole('status').waitFor({ state: 'detached', timeout: WAIT }); // connected
}

const message = (page, text) => page.locator('.message', { hasText: text });

async function send(page, text) {
  const box = page.getByRole('textbox', { name: /^Message #/ });
  await box.fill(text);
  await box.press('Enter');
  await message(page, text).and(page.locator(':not(.pending)')).waitFor({ timeout: WAIT });
}

try {
  const aContext = await browser.newContext({ viewport: { width: 1100, height: 700 } });
  const bContext = await browser.newContext({ viewport: { width: 390, height: 800 } }); // phone width
  const a = await aContext.newPage();
  const b = await bContext.newPage();
  const alice = `alice-${suffix}`;
  const bob = `bob-${suffix}`;

  await register(a, alice);
  answerPrompt(a, 'Web Guild');
  await a.getByRole('button', { name: '+ Server' }).click();
  await a.getByRole('heading', { name: 'Web Guild' }).waitFor({ timeout: WAIT });
  answerPrompt(a, 'lobby');
  await a.getByRole('button', { name: '+ Channel' }).click();
  await a.getByRole('button', { name: '# lobby' }).waitFor({ timeout: WAIT });
  await a.getByRole('button', { name: 'Invite' }).click();
  const notice = await a.getByRole('alert').filter({ hasText: 'Invite code:' }).textContent({ timeout: WAIT });
  const code = notice.replace('Invite code:', '').trim();
  await step('a-created-guild-and-invite', { a });

  await register(b, bob);
  answerPrompt(b, code);
  await b.getByRole('button', { name: 'Join' }).click();
  await b.getByRole('button', { name: '# lobby' }).waitFor({ timeout: WAIT });
  // presence both ways: the joiner sees who is online, and is announced to them
  // (at phone width the member list is not shown, but it is there)
  await b.locator('.members li', { hasText: alice }).locator('.dot.online').waitFor({ state: 'attached', timeout: WAIT });
  await a.locator('.members li', { hasText: bob }).locator('.dot.online').waitFor({ timeout: WAIT });
  await step('b-joined-by-invite', { b });

  await send(a, 'hello from alice');
  await message(b, 'hello from alice').waitFor({ timeout: WAIT });
  await send(b, 'hi alice, bob here');
  await message(a, 'hi alice, bob here').waitFor({ timeout: WAIT });
  await step('messages-both-ways', { a, b });

  await send(a, 'this will be edited');
  await message(a, 'this will be edited').getByRole('button', { name: 'Edit' }).click();
  await a.getByLabel('Edit message').fill('this was edited');
  await a.getByRole('button', { name: 'Save' }).click();
  await message(b, 'this was edited').filter({ hasText: '(edited)' }).waitFor({ timeout: WAIT });
  await send(a, 'this will be deleted');
  await message(b, 'this will be deleted').waitFor({ timeout: WAIT });
  await message(a, 'this will be deleted').getByRole('button', { name: 'Delete' }).click();
  await message(b, 'this will be deleted').waitFor({ state: 'detached', timeout: WAIT });
  await step('edit-and-delete-seen-by-b', { a, b });

  await message(b, 'hello from alice').getByRole('button', { name: 'React with thumbs up' }).click();
  await message(a, 'hello from alice').locator('.reaction .count', { hasText: '1' }).waitFor({ timeout: WAIT });
  await step('b-reacted-a-sees-count', { a, b });

  // A's socket is cut and stays down (offline) while bob writes; back online, A resumes
  await a.evaluate(() => (window.sameDocument = true)); // a reload would lose it
  await aContext.setOffline(true);
  await a.evaluate(() => window.concordGateway.dropSocket());
  await a.getByRole('status').filter({ hasText: 'Reconnecting' }).waitFor({ timeout: WAIT });
  await step('a-disconnected', { a });
  await send(b, 'missed message one');
  await send(b, 'missed message two');
  await aContext.setOffline(false);
  await message(a, 'missed message two').waitFor({ timeout: 30_000 });
  await message(a, 'missed message one').waitFor({ timeout: WAIT });
  await a.getByRole('status').waitFor({ state: 'detached', timeout: WAIT });
  const sameDocument = await a.evaluate(() => window.sameDocument === true);
  await step('a-resumed-and-caught-up', { a });

  // a second tab of alice's; logging out in the first ends it too (4004 -> back to login)
  const a2 = await aContext.newPage();
  await a2.goto(APP);
  await a2.getByRole('status').waitFor({ state: 'detached', timeout: WAIT });
  await a.getByRole('button', { name: 'Log out' }).click();
  await a.getByRole('button', { name: 'Log in' }).waitFor({ timeout: WAIT });
  await a2.getByRole('button', { name: 'Log in' }).waitFor({ timeout: WAIT });
  await step('logout-ends-every-tab', { a, a2 });

  console.log(JSON.stringify({ done: true, code, sameDocument }));
  await browser.close();
} catch (e) {
  console.error(e);
  for (const ctx of browser.contexts()) {
    for (const p of ctx.pages()) {
      await p.screenshot({ path: `${SHOTS}/failure-${++shot}.png` }).catch(() => {});
    }
  }
  await browser.close();
  process.exit(1);
}
