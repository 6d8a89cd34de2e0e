import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildUi,
  launchChromium,
  missingPrerequisite,
  screenshotDir,
  startVenue,
  type Venue,
} from './harness.js';

const missing = missingPrerequisite();
const STEP_MS = 20_000;

async function login(page: Page, url: string, user: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Account').selectOption(user);
  await page.getByLabel('Password').fill(user === 'ADMIN' ? 'admin' : 'demo');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect
    .poll(() => page.getByTestId('fix-state').textContent(), { timeout: STEP_MS })
    .toBe('FIX Connected');
  await page.getByLabel('Instrument').selectOption({ label: 'ZVZZT' });
}

async function leaderId(panel: Page): Promise<number | undefined> {
  const ids = await panel
    .locator('table[aria-label="Nodes"] tbody tr[data-role="leader"] td:first-child')
    .allTextContents();
  return ids.length === 1 ? Number(ids[0]) : undefined;
}

describe.skipIf(missing !== undefined)('failover from the cluster panel (three members, chromium)', () => {
  let browser: Browser;
  let venue: Venue;

  beforeAll(async () => {
    await buildUi();
    venue = await startVenue({ cluster: true });
    browser = await launchChromium();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await venue?.stop();
  });

  it('kill the leader: the panel shows a new leader, the next order is acknowledged once, blotters agree with the venue', async () => {
    const trader = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    const observer = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    const admin = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    const received: string[] = [];
    trader.on('websocket', (ws) => {
      if (ws.url().endsWith('/fix')) ws.on('framereceived', (f) => received.push(String(f.payload)));
    });
    await login(trader, venue.url, 'CLIENT1');
    await login(observer, venue.url, 'CLIENT2');
    await login(admin, venue.url, 'ADMIN');
    await admin.getByRole('button', { name: 'Cluster' }).click();
    await expect.poll(() => leaderId(admin), { timeout: STEP_MS }).toBeGreaterThan(0);
    const oldLeader = await leaderId(admin);

    const place = async (price: string) => {
      await trader.getByLabel('Price', { exact: true }).fill(price);
      await trader.getByLabel('Quantity', { exact: true }).fill('1');
      await trader.getByLabel('Quantity', { exact: true }).press('Enter');
    };
    const openPrices = () =>
      trader.locator('table[aria-label="Open orders"] tbody tr td:nth-child(3)').allTextContents();
    await place('99.00');
    await expect.poll(openPrices, { timeout: STEP_MS }).toEqual(['99.00']);

    await admin.getByRole('button', { name: `Kill node ${oldLeader}` }).click();
    await place('98.00'); // right after the kill, while the cluster elects
    await expect
      .poll(() => admin.locator(`tr[aria-label^="Node ${oldLeader} "]`).getAttribute('data-role'), {
        timeout: STEP_MS,
      })
      .toBe('down');
    await expect
      .poll(
        async () => {
          const id = await leaderId(admin);
          return id !== 0 && id !== oldLeader;
        },
        { timeout: STEP_MS },
      )
      .toBe(true);

    // The second order: acknowledged exactly once, and both orders open in the blotter.
    await expect.poll(openPrices, { timeout: STEP_MS }).toEqual(['98.00', '99.00']);
    const acks = received.filter(
      (f) => f.includes('|35=8|') && f.includes('|150=0|') && f.includes('|44=98'),
    );
    expect(acks).toHaveLength(1);
    // The venue's own view (the public feed, seen by another account) agrees with the blotter.
    const bids = () =>
      observer
        .locator('table[aria-label="Order book"] tr.lvl[data-side="buy"] td:first-child button')
        .allTextContents();
    await expect.poll(bids, { timeout: STEP_MS }).toEqual(['99.00', '98.00']);

    // The panel during the failover: the old leader down, a new leader elected, the events logged.
    await expect
      .poll(
        async () => {
          const id = await leaderId(admin);
          return id !== 0 && id !== oldLeader;
        },
        { timeout: STEP_MS },
      )
      .toBe(true);
    await admin.bringToFront(); // background pages do not paint
    const rowsNow = () =>
      admin
        .locator('table[aria-label="Nodes"] tbody tr')
        .evaluateAll((rs) => rs.map((r) => r.getAttribute('aria-label')).join(' | '));
    await admin.screenshot({ path: join(screenshotDir, 'cluster-failover.png') });

    // Restart the killed member from the panel: it comes back as a follower.
    await admin.getByRole('button', { name: `Restart node ${oldLeader}` }).click();
    await expect
      .poll(() => admin.locator(`tr[aria-label^="Node ${oldLeader} "]`).getAttribute('data-role'), {
        timeout: STEP_MS,
      })
      .toBe('follower');
    await expect.poll(async () => (await rowsNow()).includes('leader'), { timeout: STEP_MS }).toBe(true);
    await admin.bringToFront();
    await admin.screenshot({ path: join(screenshotDir, 'cluster-recovered.png') });
    await expect
      .poll(() => admin.locator('table[aria-label="Nodes"] + p, .events li').count(), { timeout: STEP_MS })
      .toBeGreaterThan(0);
  }, 150_000);
});
