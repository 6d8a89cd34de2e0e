import { chromium } from 'playwright-core';

const url = process.argv[2]!;
const b = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
const p = await b.newPage({ viewport: { width: 1280, height: 800 } });
p.on('console', (m) => {
  if (m.type() === 'error') console.log('console', m.text());
});
await p.goto(url);
await p.getByRole('button', { name: 'Log in' }).click();
await p.waitForTimeout(8000);
await p.screenshot({ path: '/tmp/wu/bots.png' });
await p.getByRole('button', { name: 'Cluster' }).click();
await p.waitForTimeout(500);
await p.screenshot({ path: '/tmp/wu/bots-cluster.png' });
await b.close();
