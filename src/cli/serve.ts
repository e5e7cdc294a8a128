// `suanli serve`: migrate, bootstrap the administrator key, optionally load the demo, listen, stop cleanly on signals.
import type { Config } from '../config.js';
import { Store } from '../store/store.js';
import { buildApp } from '../http/app.js';
import { IntegrityChecker } from '../service/integrity-checker.js';

/** The incremental checker with the configuration's interval, limits and band, logging each drain and failure. */
export function startChecker(store: Store, config: Config, log: { info(o: object, m: string): void; error(o: object, m: string): void }): IntegrityChecker {
  const checker = new IntegrityChecker(store, {
    interval_ms: config.check_interval_ms,
    duration_ms_max: config.usage_duration_s_max * 1000,
    price_band: config.price_band,
    onError: (error) => log.error({ err: error }, 'incremental integrity check failed; the windows stay queued'),
    onDrain: (r) => log.info(r, 'incremental integrity check'),
  });
  checker.start();
  return checker;
}

export async function serve(config: Config, options: { demo: boolean }): Promise<void> {
  const store = Store.open(config);
  await store.migrate(Date.now());
  await store.bootstrapAdministrator(config.admin_key, Date.now());
  // Signed batches stored but not yet sealed into the audit chain (the process stopped right after them): seal them now.
  while ((await store.signingKeys.sealBatches(Date.now())) > 0) {
    /* the next page */
  }
  let demo_keys: string | null = null;
  if (options.demo) {
    const { loadDemo, formatDemoKeys } = await import('./demo.js');
    const result = await loadDemo(store, config, { seed: 2027, progress: process.stderr.isTTY, only_if_empty: true });
    demo_keys = formatDemoKeys(result);
  }
  const app = await buildApp({ config, store });
  const address = await app.listen({ port: config.port, host: config.host });
  const url = address.replace('0.0.0.0', '127.0.0.1');
  console.log(`\nsuanli is listening at ${url} (${store.engine}${store.engine === 'sqlite' ? `, ${config.data_dir}/suanli.db` : ''})`);
  console.log(`  API:      ${url}/api/v1   explorer: ${url}/api/docs`);
  if (demo_keys !== null) console.log(demo_keys);
  // The incremental checks: windows that ingest queued are checked every SUANLI_CHECK_INTERVAL_MS (here, unless
  // SUANLI_INCREMENTAL_CHECKS=queue leaves them to a `suanli checker` process).
  const checker = config.serve_runs_checker ? startChecker(store, config, app.log) : null;
  // The signed audit head, published outside the database on a schedule (docs/integrity.md).
  let publisher: { stop(): Promise<void> } | null = null;
  if (config.audit_publish_url !== null && config.audit_key_file !== null) {
    const { loadOfficeKey, startHeadPublisher } = await import('../service/audit-head.js');
    publisher = startHeadPublisher(
      store,
      { key: loadOfficeKey(config.audit_key_file), url: config.audit_publish_url, interval_ms: config.audit_publish_interval_s * 1000 },
      app.log,
    );
  }
  const stop = async () => {
    await publisher?.stop();
    await checker?.stop();
    await app.close();
    await store.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}
