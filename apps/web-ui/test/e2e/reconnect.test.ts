import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildUi, freePort, launchChromium, missingPrerequisite, startVenue, type Venue } from './harness.js';

const missing = missingPrerequisite();
const STEP_MS = 15_000;

describe.skipIf(missing !== undefined)('web UI reconnects after a venue restart (chromium)', () => {
  let browser: Browser;
  let venue: Venue | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'webui-reconnect-'));

  beforeAll(async () => {
    await buildUi();
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await venue?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('shows Reconnecting while the venue is down, resumes the FIX session without a reset, and trades again', async () => {
    const httpPort = await freePort();
    venue = await startVenue({ httpPort, dataDir });
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    const logons: string[] = [];
    const sent: string[] = [];
    page.on('websocket', (ws) => {
      if (!ws.url().endsWith('/fix')) return;
      ws.on('framesent', (f) => {
        const text = String(f.payload);
        if (text.includes('|35=A|')) logons.push(text);
        sent.push(text);
      });
    });
    await page.goto(venue.url);
    await page.getByLabel('Account').selectOption('CLIENT1');
    await page.getByRole('button', { name: 'Log in' }).click();
    const state = () => page.getByTestId('fix-state').textContent();
    await expect.poll(state, { timeout: STEP_MS }).toBe('FIX Connected');
    await page.getByLabel('Instrument').selectOption({ label: 'ZVZZT' });
    const place = async (price: string) => {
      await page.getByLabel('Price', { exact: true }).fill(price);
      await page.getByLabel('Quantity', { exact: true }).fill('2');
      await page.getByLabel('Quantity', { exact: true }).press('Enter');
    };
    await place('98.00');
    await expect
      .poll(() => page.locator('table[aria-label="Open orders"] tbody tr').count(), { timeout: STEP_MS })
      .toBe(1);

    await venue.stop();
    venue = undefined;
    await expect.poll(state, { timeout: STEP_MS }).toBe('FIX Reconnecting…');
    venue = await startVenue({ httpPort, dataDir });
    await expect.poll(state, { timeout: STEP_MS }).toBe('FIX Connected');
    await expect.poll(() => page.getByText('Feed live').count(), { timeout: STEP_MS }).toBe(1);

    // First Logon reset the sequences (fresh start); the re-logon continued them.
    expect(logons.length).toBeGreaterThanOrEqual(2);
    expect(logons[0]).toContain('|34=1|');
    expect(logons[0]).toContain('|141=Y|');
    const last = logons[logons.length - 1]!;
    expect(last).not.toContain('|141=Y|');
    expect(Number(/\|34=(\d+)\|/.exec(last)?.[1])).toBeGreaterThan(2);

    // The resumed session accepts new orders (a sequence mismatch would have logged us out).
    await place('97.00');
    await expect
      .poll(
        () => page.locator('table[aria-label="Open orders"] tbody tr td:nth-child(3)').allTextContents(),
        { timeout: STEP_MS },
      )
      .toContain('97.00');
    await expect.poll(state).toBe('FIX Connected');
    // After the re-logon the UI asked for the status of the order it thought open: the row now says
    // what the venue answered (still open if the venue kept it, "Unknown to the venue" if not).
    const statuses = await page
      .locator('table[aria-label="Open orders"] tbody tr td:nth-child(7)')
      .allTextContents();
    expect(statuses.every((t) => t === 'New')).toBe(true);
    expect(sent.some((f) => f.includes('|35=H|') && f.includes('|37=1|'))).toBe(true);
  }, 90_000);

  it('a page reload continues the FIX session and rebuilds the blotter from the venue journal', async () => {
    venue ??= await startVenue({ dataDir });
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    const logons: string[] = [];
    page.on('websocket', (ws) => {
      ws.on('framesent', (f) => {
        if (String(f.payload).includes('|35=A|')) logons.push(String(f.payload));
      });
    });
    const login = async () => {
      await page.getByLabel('Account').selectOption('CLIENT2');
      await page.getByRole('button', { name: 'Log in' }).click();
      await expect
        .poll(() => page.getByTestId('fix-state').textContent(), { timeout: STEP_MS })
        .toBe('FIX Connected');
    };
    await page.goto(venue.url);
    await login();
    await page.getByLabel('Instrument').selectOption({ label: 'ZVZZT' });
    await page.getByLabel('Price', { exact: true }).fill('96.00');
    await page.getByLabel('Quantity', { exact: true }).fill('3');
    await page.getByLabel('Quantity', { exact: true }).press('Enter');
    const openRows = () =>
      page
        .locator('table[aria-label="Open orders"] tbody tr')
        .evaluateAll((rows) =>
          rows.map((r) => [...r.querySelectorAll('td')].slice(0, 4).map((td) => td.textContent ?? '')),
        );
    await expect.poll(openRows, { timeout: STEP_MS }).toEqual([['ZVZZT', 'Buy', '96.00', '3']]);

    await page.reload();
    await login();
    // The order is back, from the venue's replay (ResendRequest after the Logon showed a gap).
    await expect.poll(openRows, { timeout: STEP_MS }).toEqual([['ZVZZT', 'Buy', '96.00', '3']]);
    expect(logons).toHaveLength(2);
    expect(logons[0]).toContain('|141=Y|');
    expect(logons[1]).not.toContain('|141=Y|');
    expect(Number(/\|34=(\d+)\|/.exec(logons[1]!)?.[1])).toBeGreaterThan(2);
    // Logging out forgets the session: the next login starts afresh.
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByLabel('Account').selectOption('CLIENT3');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect
      .poll(() => page.getByTestId('fix-state').textContent(), { timeout: STEP_MS })
      .toBe('FIX Connected');
    expect(logons[2]).toContain('|141=Y|');
    expect(await openRows()).toEqual([]); // CLIENT2's orders are not shown to CLIENT3
  }, 90_000);
});
