import Fastify from 'fastify';

export interface StartOptions {
  host: string;
  port: number;
}

/** Demo start: grows with the venue. Today it serves the status endpoint and stops on Ctrl-C. */
export async function startDemo(opts: StartOptions): Promise<void> {
  const app = Fastify({ logger: false });
  app.get('/status', async () => ({ venue: 'starting', components: ['web'] }));
  app.get('/', async (_req, reply) =>
    reply.type('text/html').send('<!doctype html><title>Venue</title><h1>Venue</h1><p>See /status.</p>'),
  );
  const address = await app.listen({ host: opts.host, port: opts.port });
  console.log(`venue web: ${address}  (pid ${process.pid}); Ctrl-C to stop`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      void app.close().then(resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  console.log('venue stopped');
}
