#!/usr/bin/env node
// The console's end-to-end test: headless Chromium (Debian's, driven by playwright-core) against
// the real stack that `devstack test` starts (EDGE_URL, NATS_URL, VAR_DIR). One journey of a new
// customer, step by step; each step counts as one test and the totals are printed in Criterion's
// "Synthesis:" form so devstack and tests/run.sh count them. Screenshots of every main page, at
// desktop (1440x900) and phone (390x844) widths, go to build/screenshots/.
//
//   build/bin/devstack test tests/e2e/run.mjs        (after `npm ci && npm run build` in web/)
// Env: CHROMIUM (/usr/bin/chromium), SCREENSHOTS (build/screenshots), E2E_SLOWMO (ms), E2E_HEADED=1.
import { createRequire } from 'node:module';
import { mkdirSync, readdirSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const require = createRequire(join(repo, 'web', 'package.json'));
const { chromium } = require('playwright-core');
const { connect, StringCodec } = require('nats');

const EDGE = process.env.EDGE_URL;
const NATS = process.env.NATS_URL;
const VAR = process.env.VAR_DIR;
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = process.env.SCREENSHOTS ?? join(repo, 'build', 'screenshots');
if (!EDGE || !NATS || !VAR) {
  console.error('e2e: EDGE_URL, NATS_URL and VAR_DIR must be set (run it through devstack test)');
  process.exit(2);
}
if (!existsSync(CHROMIUM)) {
  console.error(`e2e: no Chromium at ${CHROMIUM} (infra/deps.sh installs Debian's chromium)`);
  process.exit(2);
}
// No picture (or failure shot) of an earlier run stays: the folder's PNGs go first.
mkdirSync(SHOTS, { recursive: true });
for (const f of readdirSync(SHOTS)) if (f.endsWith('.png')) rmSync(join(SHOTS, f), { force: true });

const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };
const run = Date.now().toString(36);
const owner = { name: 'Alice Founder', email: `alice-${run}@example.com`, password: 'Violet-Harbor-2026!', org: 'Acme Trading' };
const invitee = { name: 'Bob Seller', email: `bob-${run}@example.com`, password: 'Copper-Canyon-2026!' };
const state = {};

let passed = 0;
let failed = 0;
let stopped = false;

async function step(name, fn) {
  if (stopped) {
    console.log(`[SKIP] ${name} (an earlier step failed)`);
    failed++;
    return;
  }
  const t0 = Date.now();
  try {
    await fn();
    passed++;
    console.log(`[PASS] ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    failed++;
    stopped = true;
    console.log(`[FAIL] ${name}: ${e && e.stack ? e.stack : e}`);
    for (const p of pages) {
      try {
        await p.screenshot({ path: join(SHOTS, `failure-${name.replace(/\W+/g, '-')}-${pages.indexOf(p)}.png`), fullPage: true });
        console.log(`  at ${p.url()}`);
      } catch {
        /* page closed */
      }
    }
  }
}

function expect(cond, what) {
  if (!cond) throw new Error(`expected ${what}`);
}

const pages = [];
/** A link of the sidebar navigation. */
const nav = (p, name) => p.locator('.sidebar').getByRole('link', { name, exact: true });
const consoleErrors = [];
async function newPage(browser, viewport, locale = 'en-US') {
  const ctx = await browser.newContext({ viewport, locale, baseURL: EDGE, deviceScaleFactor: 1, isMobile: viewport.width < 500, hasTouch: viewport.width < 500 });
  ctx.setDefaultTimeout(15000);
  const page = await ctx.newPage();
  page.on('pageerror', (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
  pages.push(page);
  return page;
}

async function shot(page, name) {
  await page.waitForLoadState('networkidle').catch(() => {});
  await page.waitForTimeout(150);
  const w = page.viewportSize()?.width ?? 0;
  await page.screenshot({ path: join(SHOTS, `${name}-${w < 500 ? 'phone' : 'desktop'}.png`), fullPage: false });
}

/** The newest spooled mail for `to` whose body has `path`: the link in it. */
async function mailLink(to, path) {
  const dir = join(VAR, 'mail-spool');
  for (let i = 0; i < 50; i++) {
    const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.eml')).sort().reverse() : [];
    for (const f of files) {
      const text = readFileSync(join(dir, f), 'utf8').replace(/=\r?\n/g, '');
      if (!text.includes(to)) continue;
      const m = text.match(new RegExp(`https?://[^\\s"<>]*${path.replace('?', '\\?')}\\?token=[A-Za-z0-9_.~%-]+`));
      if (m) return m[0];
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no mail to ${to} with ${path} in ${dir}`);
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: process.env.E2E_HEADED !== '1',
  slowMo: Number(process.env.E2E_SLOWMO ?? 0),
  args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = await newPage(browser, DESKTOP);

await step('signed-out pages render (sign-in, sign-up, forgot password) and the SPA falls back for deep links', async () => {
  await page.goto('/agents');
  await page.waitForURL(/\/login\?next=%2Fagents/);
  await page.getByRole('heading', { name: 'Welcome back' }).waitFor();
  await shot(page, 'sign-in');
  await page.goto('/forgot-password');
  await page.getByRole('heading', { name: 'Reset your password' }).waitFor();
  await shot(page, 'forgot-password');
  await page.goto('/register');
  await page.getByRole('heading', { name: 'Create your account' }).waitFor();
  await shot(page, 'sign-up');
});

await step('sign-up shows the API validation message under the field, then creates the account', async () => {
  await page.getByLabel('Your name').fill(owner.name);
  await page.getByLabel('Work email').fill(owner.email);
  await page.getByLabel('Password').fill('short');
  await page.getByLabel('Organization name').fill('Temporary name');
  await page.getByRole('button', { name: 'Create account' }).click();
  const err = page.locator('#password-error');
  await err.waitFor();
  expect((await err.textContent()).length > 3, 'a password message from the API');
  await page.getByLabel('Password').fill(owner.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(/\/onboarding$/);
});

await step('onboarding: rename the organisation, first agent, first knowledge, CRM comes later', async () => {
  await page.getByRole('heading', { name: 'Your organization' }).waitFor();
  await shot(page, 'onboarding');
  await page.getByLabel('Organization name').fill(owner.org);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('heading', { name: 'First agent' }).waitFor();
  await page.getByLabel('Name').fill('Sales assistant');
  await page.getByLabel('Description').fill('Answers leads from the website');
  await page.getByRole('button', { name: 'Create agent' }).click();
  await page.getByRole('heading', { name: 'Knowledge' }).waitFor();
  await page.getByLabel('Category name').fill('Pricing');
  await page.getByLabel('Title').fill('Plans and prices');
  await page.getByLabel('Article').fill('# Plans\n\n- **Start**: 990 RUB a month\n- **Pro**: 4990 RUB a month');
  await page.getByRole('button', { name: 'Save knowledge' }).click();
  await page.getByRole('heading', { name: 'Connect Kommo' }).waitFor();
  await page.getByText('The Kommo integration is coming soon').waitFor();
  await page.getByRole('button', { name: 'Go to the console' }).click();
  await page.waitForURL(EDGE + '/');
  await page.getByTestId('org-switcher').getByText(owner.org).waitFor();
  await page.getByRole('heading', { name: /Hello, Alice/ }).waitFor();
});

await step('agents: create with an invalid setting (inline API message), fix it, edit, version history, restore, script', async () => {
  await nav(page, 'Agents').click();
  await page.getByRole('link', { name: 'Sales assistant', exact: true }).waitFor();
  await page.getByRole('button', { name: 'New agent' }).click();
  await page.waitForURL(/\/agents\/new$/);
  await page.getByLabel('Name', { exact: true }).fill('Support bot');
  await page.getByLabel(/^Temperature/).fill('5');
  await page.getByLabel('Telegram').check();
  await page.getByLabel('Website').check();
  await page.getByRole('button', { name: 'Create agent' }).click();
  const err = page.locator('#temperature-error');
  await err.waitFor();
  expect(/between 0 and 2/.test(await err.textContent()), 'the API message "must be between 0 and 2" under Temperature');
  await page.getByLabel(/^Temperature/).fill('0.4');
  await page.getByRole('button', { name: 'Create agent' }).click();
  await page.waitForURL(/\/agents\/[0-9a-f-]{36}$/);
  state.agentUrl = page.url();
  await page.getByText('Version 1', { exact: true }).waitFor();
  await page.getByLabel('Description').fill('Answers support questions at night');
  await page.getByLabel('Always on').check();
  await page.getByLabel('Time zone').fill('Europe/Moscow');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByText('Saved as version 2').waitFor();
  await shot(page, 'agent-edit');
  await page.getByRole('link', { name: 'History', exact: true }).click();
  await page.getByText('v2', { exact: true }).first().waitFor();
  await shot(page, 'agent-history');
  await page.getByRole('button', { name: 'Restore' }).first().click();
  await page.getByRole('dialog').getByRole('button', { name: 'Restore' }).click();
  await page.getByText('Version 1 restored as version 3').waitFor();
  await page.getByText('Version 3', { exact: true }).waitFor();
  await page.getByRole('link', { name: 'Sales scripts', exact: true }).click();
  await page.getByRole('button', { name: 'New script' }).click();
  await page.getByLabel('Name').last().fill('Greeting');
  await page.getByLabel('Text').fill('Hello {{client_name}}! How can I help with your order {{order_id}}?');
  await page.getByRole('dialog').getByRole('button', { name: 'Save changes' }).click();
  await page.getByText('{{client_name}}').first().waitFor();
  await shot(page, 'agent-scripts');
  // pause from the list, then filter by status
  await page.goto('/agents');
  await page.getByRole('button', { name: 'Pause Support bot' }).click();
  await page.getByText('“Support bot” is paused').waitFor();
  await page.getByLabel('Status').selectOption('paused');
  await page.getByRole('link', { name: 'Sales assistant', exact: true }).waitFor({ state: 'detached' });
  await page.getByRole('link', { name: 'Support bot', exact: true }).waitFor();
  await page.getByLabel('Status').selectOption('');
  await page.getByRole('link', { name: 'Sales assistant', exact: true }).waitFor();
  // duplicate, then delete the copy after confirming
  await page.getByRole('button', { name: 'Duplicate Sales assistant' }).click();
  await page.getByText('Created “Sales assistant (copy)”').waitFor();
  await page.getByRole('link', { name: 'Sales assistant (copy)', exact: true }).waitFor();
  await page.getByRole('button', { name: 'Delete Sales assistant (copy)' }).click();
  await page.getByRole('dialog').getByText('its sales scripts and its whole history will be deleted').waitFor();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
  await page.getByText('“Sales assistant (copy)” deleted').waitFor();
  await page.getByRole('link', { name: 'Sales assistant (copy)', exact: true }).waitFor({ state: 'detached' });
  // search
  await page.getByLabel('Search agents…').fill('support');
  await page.getByRole('link', { name: 'Sales assistant', exact: true }).waitFor({ state: 'detached' });
  await page.getByRole('link', { name: 'Support bot', exact: true }).waitFor();
  await page.getByLabel('Search agents…').fill('');
  await page.getByRole('link', { name: 'Sales assistant', exact: true }).waitFor();
  await shot(page, 'agents');
});

await step('knowledge base: write an article in Markdown with preview, then find it with a highlighted snippet', async () => {
  await nav(page, 'Knowledge base').click();
  await page.getByRole('heading', { name: 'Knowledge base' }).waitFor();
  await page.getByRole('button', { name: 'New category' }).click();
  await page.getByRole('dialog').getByLabel('Category name').fill('Delivery');
  await page.getByRole('dialog').getByRole('button', { name: 'Save changes' }).click();
  await page.getByRole('treeitem', { name: 'Delivery' }).waitFor();
  await page.getByRole('button', { name: 'New article' }).click();
  await page.getByLabel('Title').fill('Delivery terms');
  await page.getByLabel('Category').selectOption({ label: 'Delivery' });
  await page.getByLabel('Tags').fill('shipping, logistics');
  await page.getByLabel(/^Article/).fill('## Express\n\nWe offer **express shipping** to Kazan within two days.\n\n<script>alert(1)</script>');
  await page.locator('.preview-pane strong', { hasText: 'express shipping' }).waitFor();
  expect((await page.locator('.preview-pane script').count()) === 0, 'no script element in the preview');
  await shot(page, 'article-editor');
  await page.getByRole('button', { name: 'Publish article' }).click();
  await page.waitForURL(/\/knowledge-base\/articles\/[0-9a-f-]{36}$/);
  await nav(page, 'Knowledge base').click();
  await page.getByLabel('Search articles…').fill('Kazan');
  const hit = page.getByTestId('articles').locator('li', { hasText: 'Delivery terms' });
  await hit.waitFor();
  await hit.locator('mark').first().waitFor();
  expect(/kazan/i.test(await hit.locator('mark').first().textContent()), 'the match highlighted with <mark>');
  await shot(page, 'knowledge-base');
});

await step('category tree: drag-and-drop reorder (keyboard), rename, delete with cascade', async () => {
  const tree = page.getByRole('tree');
  const order = async () => (await tree.locator('.tree-label span').allTextContents()).join(',');
  await page.getByLabel('Search articles…').fill('');
  expect((await order()) === 'Pricing,Delivery', `the created order (got ${await order()})`);
  const handle = page.getByRole('button', { name: 'Move Pricing' });
  await handle.focus();
  await page.keyboard.press('Space');
  await page.waitForTimeout(200);
  await page.keyboard.press('ArrowDown');
  await page.waitForTimeout(300);
  await page.keyboard.press('Space');
  await page.waitForFunction(() => [...document.querySelectorAll('.tree-label span')].map((e) => e.textContent).join(',') === 'Delivery,Pricing');
  await page.waitForLoadState('networkidle');
  await page.reload();
  await tree.getByRole('treeitem', { name: 'Pricing' }).waitFor();
  expect((await order()) === 'Delivery,Pricing', `the new order kept after a reload (got ${await order()})`);
  await page.getByRole('button', { name: 'Actions for Delivery' }).click();
  await page.getByRole('menuitem', { name: 'Rename' }).click();
  await page.getByRole('dialog').getByLabel('Category name').fill('Shipping');
  await page.getByRole('dialog').getByRole('button', { name: 'Save changes' }).click();
  await tree.getByRole('treeitem', { name: 'Shipping' }).waitFor();
  await page.getByRole('button', { name: 'Actions for Pricing' }).click();
  await page.getByRole('menuitem', { name: 'Delete' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('dialog').getByText('The category is not empty').waitFor();
  await page.getByRole('dialog').getByLabel('Also delete its subcategories and articles').check();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
  await page.getByText('“Pricing” deleted').waitFor();
  await tree.getByRole('treeitem', { name: 'Pricing' }).waitFor({ state: 'detached' });
  await page.getByTestId('articles').getByText('Plans and prices').waitFor({ state: 'detached' });
  await page.getByTestId('articles').getByText('Delivery terms').waitFor();
});

await step('members: invite by email; the invitee accepts from the mail link and signs in', async () => {
  await nav(page, 'Members').click();
  await page.getByRole('button', { name: 'Invite member' }).click();
  await page.getByRole('dialog').getByLabel('Email').fill(invitee.email);
  await page.getByRole('dialog').getByLabel('Role').selectOption('admin');
  await page.getByRole('dialog').getByRole('button', { name: 'Send invitation' }).click();
  await page.getByText(`Invitation sent to ${invitee.email}`).waitFor();
  await page.getByText(invitee.email).first().waitFor();
  await shot(page, 'members');
  const link = await mailLink(invitee.email, '/accept-invite');
  const bob = await newPage(browser, DESKTOP);
  await bob.goto(link.replace(/^https?:\/\/[^/]+/, EDGE));
  await bob.getByRole('heading', { name: 'Join your team' }).waitFor();
  await shot(bob, 'accept-invite');
  await bob.getByLabel('Your name').fill(invitee.name);
  await bob.getByLabel('Choose a password').fill(invitee.password);
  await bob.getByRole('button', { name: 'Accept invitation' }).click();
  await bob.waitForURL(EDGE + '/');
  await bob.getByTestId('org-switcher').getByText(owner.org).waitFor();
  await bob.getByRole('button', { name: 'Account' }).click();
  await bob.getByRole('menuitem', { name: 'Sign out' }).click();
  await bob.waitForURL(/\/login/);
  await bob.getByLabel('Email').fill(invitee.email);
  await bob.getByLabel('Password').fill(invitee.password);
  await bob.getByRole('button', { name: 'Sign in' }).click();
  await bob.getByRole('heading', { name: /Hello, Bob/ }).waitFor();
  await bob.context().close();
  pages.splice(pages.indexOf(bob), 1);
  await page.reload();
  await page.getByRole('cell', { name: new RegExp(invitee.name) }).first().waitFor();
  // change Bob's role, and withdraw an invitation nobody accepted
  await page.getByLabel(`Role of ${invitee.name}`).selectOption('member');
  await page.getByText(`${invitee.name} is now Member`).waitFor();
  await page.getByRole('button', { name: 'Invite member' }).click();
  await page.getByRole('dialog').getByLabel('Email').fill(`nobody-${run}@example.com`);
  await page.getByRole('dialog').getByRole('button', { name: 'Send invitation' }).click();
  await page.getByText(`nobody-${run}@example.com`).first().waitFor();
  await page.getByRole('button', { name: 'Withdraw' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Withdraw' }).click();
  await page.getByText('No pending invitations.').waitFor();
  await page.getByLabel(`Role of ${invitee.name}`).selectOption('admin');
  await page.getByText(`${invitee.name} is now Admin`).waitFor();
});

await step('password reset: the emailed link sets a new password', async () => {
  const bob = await newPage(browser, DESKTOP);
  await bob.goto('/login');
  await bob.getByRole('link', { name: 'Forgot password?', exact: true }).click();
  await bob.getByLabel('Email').fill(invitee.email);
  await bob.getByRole('button', { name: 'Send reset link' }).click();
  await bob.getByText(/a reset link is on its way/).waitFor();
  const link = await mailLink(invitee.email, '/reset-password');
  await bob.goto(link.replace(/^https?:\/\/[^/]+/, EDGE));
  await bob.getByRole('heading', { name: 'Choose a new password' }).waitFor();
  await shot(bob, 'reset-password');
  invitee.password = 'Silver-Lagoon-2027!';
  await bob.getByLabel('New password').fill(invitee.password);
  await bob.getByLabel('Confirm password').fill('something-else-2027');
  await bob.getByRole('button', { name: 'Set password' }).click();
  await bob.getByText('The passwords do not match').waitFor();
  await bob.getByLabel('Confirm password').fill(invitee.password);
  await bob.getByRole('button', { name: 'Set password' }).click();
  await bob.getByText('Your password is changed').waitFor();
  await bob.getByRole('link', { name: 'Sign in', exact: true }).first().click();
  await bob.getByLabel('Email').fill(invitee.email);
  await bob.getByLabel('Password').fill(invitee.password);
  await bob.getByRole('button', { name: 'Sign in' }).click();
  await bob.getByRole('heading', { name: /Hello, Bob/ }).waitFor();
  await bob.context().close();
  pages.splice(pages.indexOf(bob), 1);
});

await step('API keys: create one, copy it once, and call the API with it over plain HTTP', async () => {
  await nav(page, 'API keys').click();
  await page.getByRole('button', { name: 'Create API key' }).click();
  await page.getByRole('dialog').getByLabel('Name').fill('CI pipeline');
  await page.getByRole('dialog').getByRole('button', { name: 'Create key' }).click();
  const key = await page.getByTestId('new-key').inputValue();
  expect(key.length > 20, 'the secret shown once');
  await page.getByRole('button', { name: 'I have saved it' }).click();
  await page.getByRole('cell', { name: 'CI pipeline', exact: true }).waitFor();
  await shot(page, 'api-keys');
  const res = await fetch(`${EDGE}/api/agents?sort=name`, { headers: { Authorization: `Bearer ${key}` } });
  expect(res.status === 200, `200 from GET /api/agents with the key (got ${res.status})`);
  const body = await res.json();
  const names = (body.items ?? []).map((a) => a.name);
  expect(names.includes('Sales assistant') && names.includes('Support bot'), `the organisation's agents (got ${names})`);
  const anon = await fetch(`${EDGE}/api/agents`);
  expect(anon.status === 401, 'no key, no access');
});

await step('live notifications: a message published on the bus shows as a toast and in the menu', async () => {
  await nav(page, 'Overview').click();
  await page.locator('.live-dot.live-open').waitFor();
  const me = await page.evaluate(() => fetch('/api/auth/me').then((r) => r.json()));
  const nc = await connect({ servers: NATS });
  const sc = StringCodec();
  nc.publish(`notify.user.${me.user.id}.test`, sc.encode(JSON.stringify({ title: 'Lead replied', message: 'Ivan asked about the Pro plan' })));
  await nc.flush();
  await nc.close();
  await page.locator('.toast', { hasText: 'Lead replied' }).waitFor();
  await page.getByText('Ivan asked about the Pro plan').first().waitFor();
  await page.getByRole('button', { name: /Notifications \(1\)/ }).click();
  await page.locator('.notif-list li', { hasText: 'Lead replied' }).waitFor();
  await shot(page, 'notifications');
  await page.keyboard.press('Escape');
});

await step('language: switch to Russian, remembered after a reload and on another device', async () => {
  await page.getByRole('button', { name: 'RU', exact: true }).click();
  await nav(page, 'Агенты').waitFor();
  await page.reload();
  await nav(page, 'База знаний').waitFor();
  expect((await page.evaluate(() => document.documentElement.lang)) === 'ru', 'html lang=ru');
  await shot(page, 'overview-ru');
  // saved with the account: a fresh English browser signing in follows it
  const other = await newPage(browser, DESKTOP, 'en-US');
  await other.goto('/login');
  await other.getByRole('heading', { name: 'Welcome back' }).waitFor();
  await other.getByLabel('Email').fill(owner.email);
  await other.getByLabel('Password').fill(owner.password);
  await other.getByRole('button', { name: 'Sign in' }).click();
  await nav(other, 'Агенты').waitFor();
  await other.context().close();
  pages.splice(pages.indexOf(other), 1);
  await page.getByRole('button', { name: 'EN', exact: true }).click();
  await nav(page, 'Agents').waitFor();
});

await step('profile: change the name (PATCH /api/auth/me) and the password', async () => {
  await page.goto('/settings/profile');
  await page.getByLabel('Your name').fill('Alice Cooper');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByText('Profile saved').waitFor();
  await page.getByLabel('Current password').fill('wrong-password-1');
  await page.getByLabel('New password', { exact: true }).fill('Amber-Meadow-2027!');
  await page.getByLabel('Confirm password').fill('Amber-Meadow-2027!');
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.locator('#current_password-error').waitFor();
  await page.getByLabel('Current password').fill(owner.password);
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByText(/Password changed/).waitFor();
  owner.password = 'Amber-Meadow-2027!';
  const me = await page.evaluate(() => fetch('/api/auth/me').then((r) => r.json()));
  expect(me.user.name === 'Alice Cooper', `the new name stored (got ${me.user.name})`);
  await shot(page, 'profile');
});

await step('several organisations: accept an invitation with the existing account, switch back and forth', async () => {
  // Carol, another company's owner, signs up and invites Alice over the plain HTTP API.
  const reg = await fetch(`${EDGE}/api/auth/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: `carol-${run}@example.com`, password: 'Indigo-Falcon-2026!', name: 'Carol Partner', org_name: 'Partner Studio' }),
  });
  expect(reg.status === 201, `Carol registered (got ${reg.status})`);
  const sid = (reg.headers.get('set-cookie') ?? '').match(/sid=([^;]+)/)?.[1];
  expect(sid, 'a session cookie');
  const inv = await fetch(`${EDGE}/api/org/invites`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Cookie: `sid=${sid}` },
    body: JSON.stringify({ email: owner.email, role: 'admin' }),
  });
  expect(inv.status === 201, `invitation sent (got ${inv.status})`);
  const link = await mailLink(owner.email, '/accept-invite');
  await page.goto(link.replace(/^https?:\/\/[^/]+/, EDGE));
  await page.getByRole('radio', { name: 'I have an account' }).click();
  await page.getByLabel('Your password').fill(owner.password);
  await page.getByRole('button', { name: 'Accept invitation' }).click();
  await page.waitForURL(EDGE + '/');
  await page.getByTestId('org-switcher').getByText('Partner Studio').waitFor();
  await page.getByTestId('org-switcher').click();
  await page.getByRole('menuitem', { name: /Acme Trading/ }).waitFor();
  await shot(page, 'org-switcher');
  await page.getByRole('menuitem', { name: /Acme Trading/ }).click();
  await page.getByTestId('org-switcher').getByText(owner.org).waitFor();
  await page.getByText(`What is happening in ${owner.org}`).waitFor();
  await nav(page, 'Agents').click();
  await page.getByRole('link', { name: 'Support bot', exact: true }).waitFor();
});

await step('API reference: Swagger UI over /api/openapi.json', async () => {
  const docs = await newPage(browser, DESKTOP);
  await docs.goto('/api-docs');
  await docs.locator('.swagger-ui .info .title').waitFor({ timeout: 30000 });
  await docs.locator('.opblock-tag', { hasText: /agents/i }).first().waitFor();
  await shot(docs, 'api-docs');
  await docs.context().close();
  pages.splice(pages.indexOf(docs), 1);
});

const TOUR = [
  ['overview', '/', 'Hello'],
  ['agents', '/agents', 'Agents'],
  ['agent-edit', () => state.agentUrl, 'Basics'],
  ['agent-history', () => state.agentUrl + '/versions', 'v3'],
  ['agent-scripts', () => state.agentUrl + '/scripts', 'Greeting'],
  ['knowledge-base', '/knowledge-base', 'Delivery terms'],
  ['article-editor', '/knowledge-base/articles/new', 'Preview'],
  ['members', '/settings/members', 'Members'],
  ['api-keys', '/settings/api-keys', 'CI pipeline'],
  ['profile', '/settings/profile', 'Personal details'],
  ['onboarding', '/onboarding', 'Your organization'],
];

await step('phone width: every main page fits 390 px without sideways scrolling', async () => {
  const phone = await newPage(browser, PHONE);
  for (const [name, path] of [['sign-in', '/login'], ['sign-up', '/register'], ['forgot-password', '/forgot-password']]) {
    await phone.goto(path);
    await phone.locator('.auth-card h1').waitFor();
    await shot(phone, name);
  }
  await phone.goto('/login');
  await phone.getByLabel('Email').fill(owner.email);
  await phone.getByLabel('Password').fill(owner.password);
  await phone.getByRole('button', { name: 'Sign in' }).click();
  await phone.waitForURL(EDGE + '/');
  const wide = [];
  for (const [name, path, text] of TOUR) {
    await phone.goto(typeof path === 'function' ? path() : path);
    await phone.locator('#main, .onboarding').getByText(text).first().waitFor();
    await shot(phone, name);
    const over = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (over > 1) wide.push(`${name} (+${over}px)`);
  }
  await phone.goto('/agents');
  await phone.getByRole('button', { name: 'Open menu' }).click();
  await phone.locator('.drawer-open .sidebar').waitFor();
  await shot(phone, 'menu');
  expect(wide.length === 0, `no page wider than the phone: ${wide.join(', ')}`);
  const docs = await newPage(browser, PHONE);
  await docs.goto('/api-docs');
  await docs.locator('.swagger-ui .info .title').waitFor({ timeout: 30000 });
  await shot(docs, 'api-docs');
});

await step('desktop: screenshots of every main page, and no uncaught page errors', async () => {
  for (const [name, path, text] of TOUR) {
    await page.goto(typeof path === 'function' ? path() : path);
    await page.locator('#main, .onboarding').getByText(text).first().waitFor();
    await shot(page, name);
  }
  expect(consoleErrors.length === 0, `no uncaught errors in the pages: ${consoleErrors.join('; ')}`);
});

await browser.close();
console.log(`e2e: screenshots in ${SHOTS}`);
console.log(`Synthesis: Tested: ${passed + failed} | Passing: ${passed} | Failing: ${failed} | Crashing: 0`);
process.exit(failed ? 1 : 0);
