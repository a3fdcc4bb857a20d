import { Option, type Command } from 'commander';
import { serve } from '../query/serve.js';
import { Store } from '../store/index.js';
import { raiseMallocThresholds } from '../store/memory.js';
import { addStoreOption, parseHost, parsePort, storePath } from './options.js';

export function registerServe(program: Command): void {
  const cmd = program
    .command('serve')
    .description('serve the offline API: GET /helpcenter/case, /healthz and /metrics (Prometheus; under the same token as the list)')
    .addOption(new Option('--host <host>', 'address to listen on').env('HCSYNC_HOST').default('127.0.0.1'))
    .addOption(new Option('--port <port>', 'port (0: any free one)').env('HCSYNC_PORT').default('8787'))
    .addOption(new Option('--token <token>', 'demand this token (Bearer header or ?token=)').env('HCSYNC_SERVE_TOKEN'));
  addStoreOption(cmd);
  cmd.action(async (raw: Record<string, unknown>) => {
    const port = parsePort(raw.port, '--port');
    const host = parseHost(raw.host, '--host (or HCSYNC_HOST)');
    // limit-500 pages are ~1.7 MB buffers, freed in batches: keep that memory instead of faulting it in again (store/memory.ts)
    raiseMallocThresholds();
    // no memory map: a long-running server's memory must not grow with the part of the store it has read
    const store = new Store(storePath(raw.db), { readonly: true, mmap: false });
    // statements and deep-page anchors ready before the first request (first pass as fast as a warm one);
    // a store that cannot be read now is answered per request (503), as before
    try {
      store.warmLists();
    } catch {
      /* see above */
    }
    const token = typeof raw.token === 'string' && raw.token !== '' ? raw.token : undefined;
    const srv = await serve(store, {
      host,
      port,
      ...(token !== undefined ? { token } : {}),
      onError: (m) => process.stderr.write(`hcsync serve: ${m}\n`),
    }).catch((e: unknown) => {
      store.close();
      throw e;
    });
    process.stdout.write(`${JSON.stringify({ url: srv.url })}\n`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await srv.close();
    store.close();
  });
}
