import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildUi, launchChromium, missingPrerequisite, startVenue, type Venue } from './harness.js';

const missing = missingPrerequisite();
if (missing !== undefined) console.warn(`web-ui e2e skipped: ${missing}`);

// The venue's security headers (Content-Security-Policy and friends) must not break the UI: the
// page loads, logs on over FIX/WebSocket and shows market data without a CSP violation.
describe.skipIf(missing !== undefined)('web UI under the security headers (chromium)', () => {
  let venue: Venue;
  let browser: Browser;

  beforeAll(async () => {
    await buildUi();
    venue = await startVenue();
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await venue?.stop();
  });

  it('loads, logs on and streams with no CSP violation or page error', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    const res = await page.goto(venue.url);
    expect(res?.headers()['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect(res?.headers()['x-content-type-options']).toBe('nosniff');
    await page.getByLabel('Account').selectOption('CLIENT1');
    await page.getByLabel('Password').fill('demo');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect
      .poll(() => page.getByTestId('fix-state').textContent(), { timeout: 10_000 })
      .toBe('FIX Connected');
    await page.getByLabel('Instrument').selectOption({ label: 'ZVZZT' });
    await expect
      .poll(() => page.locator('table[aria-label="Order book"]').count(), { timeout: 10_000 })
      .toBe(1);
    await page.waitForTimeout(500);
    await context.close();
    expect(problems).toEqual([]);
  });
});
