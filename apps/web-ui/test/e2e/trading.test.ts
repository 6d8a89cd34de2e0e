import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  buildUi,
  launchChromium,
  missingPrerequisite,
  screenshotDir,
  startVenue,
  type Venue,
} from './harness.js';

const missing = missingPrerequisite();
if (missing !== undefined) console.warn(`web-ui e2e skipped: ${missing}`);

const STEP_MS = 10_000;

async function login(page: Page, url: string, user: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Account').selectOption(user);
  await page.getByLabel('Password').fill(user === 'ADMIN' ? 'admin' : 'demo');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect
    .poll(() => page.getByTestId('fix-state').textContent(), { timeout: STEP_MS })
    .toBe('FIX Connected');
}

async function pick(page: Page, symbol: string): Promise<void> {
  await page.getByLabel('Instrument').selectOption({ label: symbol });
}

async function order(page: Page, side: 'Buy' | 'Sell', price: string, qty: string): Promise<void> {
  await page.getByRole('button', { name: side, exact: true }).click();
  await page.getByLabel('Price', { exact: true }).fill(price);
  await page.getByLabel('Quantity', { exact: true }).fill(qty);
  await page.getByLabel('Quantity', { exact: true }).press('Enter');
}

/** Ladder rows as [side, price, size, total]; the price ends with `*` on levels holding my order. */
async function ladder(page: Page): Promise<string[][]> {
  return page.locator('table[aria-label="Order book"] tr.lvl').evaluateAll((rows) =>
    rows.map((r) => {
      const [price, size, total] = [...r.querySelectorAll('td')];
      const mark = r.querySelector('.mine') === null ? '' : '*';
      return [
        r.getAttribute('data-side') ?? '',
        `${price?.querySelector('button')?.textContent ?? ''}${mark}`,
        size?.textContent ?? '',
        total?.textContent ?? '',
      ];
    }),
  );
}

async function openOrders(page: Page): Promise<string[][]> {
  await page.getByRole('tab', { name: /Open orders/ }).click();
  return page
    .locator('table[aria-label="Open orders"] tbody tr')
    .evaluateAll((rows) =>
      rows.map((r) => [...r.querySelectorAll('td')].slice(0, 6).map((td) => td.textContent ?? '')),
    );
}

async function fills(page: Page): Promise<string[][]> {
  await page.getByRole('tab', { name: /Fills/ }).click();
  return page
    .locator('table[aria-label="Fills"] tbody tr')
    .evaluateAll((rows) =>
      rows.map((r) => [...r.querySelectorAll('td')].slice(1, 5).map((td) => td.textContent ?? '')),
    );
}

async function tape(page: Page): Promise<string[][]> {
  return page
    .locator('table[aria-label="Trades tape"] tbody tr')
    .evaluateAll((rows) =>
      rows.map((r) => [...r.querySelectorAll('td')].slice(1).map((td) => td.textContent ?? '')),
    );
}

describe.skipIf(missing !== undefined)('web UI against the real venue (chromium)', () => {
  let venue: Venue;
  let browser: Browser;

  beforeAll(async () => {
    await buildUi();
    venue = await startVenue();
    browser = await launchChromium();
  }, 60_000);

  afterEach(async () => {
    // One FIX connection per login: a failed test must not leave its sessions logged on.
    for (const c of browser?.contexts() ?? []) await c.close();
  });

  afterAll(async () => {
    await browser?.close();
    await venue?.stop();
  });

  it('two accounts trade ZVZZT: fills in both blotters, trade on the tape, ladder updates; amend and cancel from the blotter', async () => {
    const seller = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    const buyer = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await login(seller, venue.url, 'CLIENT1');
    await login(buyer, venue.url, 'CLIENT2');
    await pick(seller, 'ZVZZT');
    await pick(buyer, 'ZVZZT');

    await order(seller, 'Sell', '100.50', '5');
    await expect
      .poll(() => openOrders(seller), { timeout: STEP_MS })
      .toEqual([['ZVZZT', 'Sell', '100.50', '5', '0', '5']]);
    await expect.poll(() => ladder(buyer), { timeout: STEP_MS }).toEqual([['sell', '100.50', '5', '5']]);
    // The seller sees its own order marked on the ladder.
    await expect.poll(() => ladder(seller), { timeout: STEP_MS }).toEqual([['sell', '100.50*', '5', '5']]);

    await order(buyer, 'Buy', '100.50', '3');
    await expect.poll(() => fills(buyer), { timeout: STEP_MS }).toEqual([['ZVZZT', 'Buy', '100.50', '3']]);
    await expect.poll(() => fills(seller), { timeout: STEP_MS }).toEqual([['ZVZZT', 'Sell', '100.50', '3']]);
    await expect.poll(() => tape(buyer), { timeout: STEP_MS }).toEqual([['100.50', '3']]);
    await expect.poll(() => tape(seller), { timeout: STEP_MS }).toEqual([['100.50', '3']]);
    await expect.poll(() => ladder(buyer), { timeout: STEP_MS }).toEqual([['sell', '100.50', '2', '2']]);
    expect(await openOrders(buyer)).toEqual([]);
    await expect
      .poll(() => openOrders(seller), { timeout: STEP_MS })
      .toEqual([['ZVZZT', 'Sell', '100.50', '5', '3', '2']]);
    // Positions: the seller is short 3 at 100.50, marked to the last trade.
    await seller.getByRole('tab', { name: /Positions/ }).click();
    await expect
      .poll(() => seller.locator('table[aria-label="Positions"] tbody td').allTextContents(), {
        timeout: STEP_MS,
      })
      .toEqual(['ZVZZT', '-3', '100.50', '100.50', '0.00', '0.00']);
    await seller.bringToFront(); // background pages do not paint
    await seller.screenshot({ path: join(screenshotDir, 'trading-1280x800.png') });

    // Amend in place (price and quantity), then cancel.
    await seller.getByRole('tab', { name: /Open orders/ }).click();
    // An off-tick amend is refused: the venue's text shows on the row and the order is unchanged.
    await seller.getByRole('button', { name: 'Amend' }).click();
    await seller.getByLabel('Amend price').fill('100.605');
    await seller.getByRole('button', { name: 'Save' }).click();
    const rowAlert = seller.locator('table[aria-label="Open orders"] tbody tr').getByRole('alert');
    await expect.poll(() => rowAlert.textContent(), { timeout: STEP_MS }).toMatch(/tick size 0\.01/);
    console.log(`off-tick amend reject text: ${await rowAlert.textContent()}`);
    expect(await openOrders(seller)).toEqual([['ZVZZT', 'Sell', '100.50', '5', '3', '2']]);
    expect(await ladder(buyer)).toEqual([['sell', '100.50', '2', '2']]);
    await seller.getByRole('button', { name: 'Amend' }).click();
    await seller.getByLabel('Amend price').fill('100.60');
    await seller.getByLabel('Amend quantity').fill('7');
    await seller.getByRole('button', { name: 'Save' }).click();
    await expect
      .poll(() => openOrders(seller), { timeout: STEP_MS })
      .toEqual([['ZVZZT', 'Sell', '100.60', '7', '3', '4']]);
    await expect.poll(() => ladder(buyer), { timeout: STEP_MS }).toEqual([['sell', '100.60', '4', '4']]);
    await seller.getByRole('button', { name: 'Cancel', exact: true }).click();
    await expect.poll(() => openOrders(seller), { timeout: STEP_MS }).toEqual([]);
    await expect.poll(() => ladder(buyer), { timeout: STEP_MS }).toEqual([]);
    await seller.context().close();
    await buyer.context().close();
  }, 90_000);

  it('bad input shows the venue reject text next to the field and changes nothing', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await login(page, venue.url, 'CLIENT3');
    await pick(page, 'ZVZZT');
    await order(page, 'Buy', '99.00', '1');
    await expect.poll(() => openOrders(page), { timeout: STEP_MS }).toHaveLength(1);

    await order(page, 'Buy', '100.005', '1');
    const priceField = page.locator('.field', { has: page.getByLabel('Price', { exact: true }) });
    await expect
      .poll(() => priceField.getByRole('alert').textContent(), { timeout: STEP_MS })
      .toMatch(/tick size 0\.01/);
    await page.bringToFront(); // background pages do not paint
    await page.screenshot({ path: join(screenshotDir, 'ticket-reject.png') });

    await page.keyboard.press('Escape');
    await order(page, 'Buy', '99.50', '0');
    const qtyField = page.locator('.field', { has: page.getByLabel('Quantity', { exact: true }) });
    await expect.poll(() => qtyField.getByRole('alert').textContent(), { timeout: STEP_MS }).toMatch(/./);
    const qtyText = await qtyField.getByRole('alert').textContent();
    // Nothing changed: still the one resting order, and the book has only it.
    expect(await openOrders(page)).toEqual([['ZVZZT', 'Buy', '99.00', '1', '0', '1']]);
    expect(await ladder(page)).toEqual([['buy', '99.00*', '1', '1']]);
    console.log(`zero-quantity reject text: ${qtyText}`);
    // Cancel all (OrderMassCancelRequest) empties the blotter and the book.
    await page.getByRole('button', { name: 'Cancel all' }).click();
    await expect.poll(() => openOrders(page), { timeout: STEP_MS }).toEqual([]);
    await expect.poll(() => ladder(page), { timeout: STEP_MS }).toEqual([]);
    await order(page, 'Buy', '99.00', '1');
    await expect.poll(() => ladder(page), { timeout: STEP_MS }).toEqual([['buy', '99.00*', '1', '1']]);
    await page.context().close();
  }, 60_000);

  it('keyboard: B/S pick the side, arrows step by tick and lot, Esc clears; a ladder click sets the price', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await login(page, venue.url, 'CLIENT4');
    await pick(page, 'ZVZZT');
    await page.locator('body').click();
    await page.keyboard.press('s');
    await expect
      .poll(() => page.getByRole('button', { name: 'Sell', exact: true }).getAttribute('aria-pressed'))
      .toBe('true');
    await page.keyboard.press('b');
    await expect
      .poll(() => page.getByRole('button', { name: 'Buy', exact: true }).getAttribute('aria-pressed'))
      .toBe('true');
    await page.getByLabel('Price', { exact: true }).fill('100.00');
    await page.getByLabel('Price', { exact: true }).press('ArrowUp');
    await page.getByLabel('Price', { exact: true }).press('ArrowUp');
    expect(await page.getByLabel('Price', { exact: true }).inputValue()).toBe('100.02');
    await page.getByLabel('Price', { exact: true }).press('Shift+ArrowUp');
    expect(await page.getByLabel('Quantity', { exact: true }).inputValue()).toBe('1');
    await page.getByLabel('Quantity', { exact: true }).press('ArrowUp');
    expect(await page.getByLabel('Quantity', { exact: true }).inputValue()).toBe('2');
    expect(await page.getByLabel('Price', { exact: true }).inputValue()).toBe('100.02');
    await page.keyboard.press('Escape');
    expect(await page.getByLabel('Price', { exact: true }).inputValue()).toBe('');
    // The CLIENT3 bid at 99.00 from the previous test rests on the book: click it.
    await expect.poll(() => ladder(page), { timeout: STEP_MS }).toEqual([['buy', '99.00', '1', '1']]);
    await page.getByRole('button', { name: 'Price 99.00' }).click();
    expect(await page.getByLabel('Price', { exact: true }).inputValue()).toBe('99.00');
    expect(await page.getByRole('button', { name: 'Sell', exact: true }).getAttribute('aria-pressed')).toBe(
      'true',
    );
    await page.setViewportSize({ width: 600, height: 900 });
    await page.bringToFront(); // background pages do not paint
    await page.screenshot({ path: join(screenshotDir, 'trading-narrow.png'), fullPage: true });
    await page.context().close();
  }, 60_000);

  it('a wrong password is refused with the venue text and no reconnect loop', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    const logons: string[] = [];
    page.on('websocket', (ws) => {
      ws.on('framesent', (f) => {
        if (String(f.payload).includes('|35=A|')) logons.push(String(f.payload));
      });
    });
    await page.goto(venue.url);
    await page.getByLabel('Account').selectOption('CLIENT2');
    await page.getByLabel('Password').fill('wrong');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect
      .poll(() => page.getByTestId('fix-state').textContent(), { timeout: STEP_MS })
      .toBe('FIX Logon refused');
    const detail = await page.getByRole('status', { name: 'Connection status' }).textContent();
    expect(detail).toMatch(/FIX Logon refused.+/);
    await page.waitForTimeout(1_500);
    expect(logons).toHaveLength(1);
  }, 60_000);

  it('cluster panel: nodes and events; Kill/Restart only for the admin login', async () => {
    const client = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await login(client, venue.url, 'CLIENT1');
    await client.getByRole('button', { name: 'Cluster' }).click();
    await expect
      .poll(() => client.locator('table[aria-label="Nodes"] tbody tr').count(), { timeout: STEP_MS })
      .toBeGreaterThan(0);
    expect(await client.getByRole('button', { name: /^Kill/ }).count()).toBe(0);
    const admin = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await login(admin, venue.url, 'ADMIN');
    // An order from this browser feeds the panel's round-trip chart.
    await pick(admin, 'ZVZZT');
    await order(admin, 'Buy', '95.00', '1');
    await expect.poll(() => admin.getByTestId('last-price').count()).toBe(1);
    await admin.getByRole('button', { name: 'Cluster' }).click();
    await expect
      .poll(() => admin.getByRole('img', { name: 'Order round-trip latency chart' }).count(), {
        timeout: STEP_MS,
      })
      .toBe(1);
    const rows = await admin.locator('table[aria-label="Nodes"] tbody tr').count();
    expect(rows).toBeGreaterThan(0);
    expect(await admin.getByRole('button', { name: /^Kill node/ }).count()).toBe(rows);
    expect(await admin.getByRole('button', { name: /^Restart node/ }).count()).toBe(rows);
    await admin.bringToFront(); // background pages do not paint
    await admin.screenshot({ path: join(screenshotDir, 'cluster-panel.png') });
    await client.context().close();
    await admin.context().close();
  }, 60_000);
});
