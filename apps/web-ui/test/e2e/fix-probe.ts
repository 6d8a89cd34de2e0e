import { WebSocket } from 'ws';

// Probe of the venue's FIX-over-WebSocket endpoint, so a broken /fix fails the e2e setup with a
// clear message instead of every test timing out on "Connecting…".

/** True when ws://<venue>/fix answers a Logon (refused credentials -> Logout, no session touched). */
export async function fixWebSocketWorks(venueHttp: string, logon: string): Promise<boolean> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${venueHttp.replace(/^http/, 'ws')}/fix`);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      ws.removeAllListeners();
      ws.on('error', () => {});
      ws.terminate();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 3_000);
    ws.on('open', () => ws.send(logon));
    ws.on('message', (data) => done(String(data).includes('35=5')));
    ws.on('error', () => done(false));
    ws.on('close', () => done(false));
  });
}
