// Opening the store for a CLI command: the configured engine, migrations applied.
import type { Config } from '../config.js';
import { Store } from '../store/store.js';

export async function openStore(config: Config): Promise<Store> {
  const store = Store.open(config);
  await store.migrate(Date.now());
  return store;
}
