// `npm run contract`: builds the app on a throwaway SQLite database (no server, no listening socket), takes its OpenAPI
// document and writes the dashboard's wire contract (src/http/contract.ts) to web/src/contract.gen.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../config.js';
import { Store } from '../store/store.js';
import { buildApp } from '../http/app.js';
import { contract_file, contractSource, type OpenApiDocument } from '../http/contract.js';

/** The server's OpenAPI document, as the running app would serve it. */
export async function openapiDocument(): Promise<OpenApiDocument> {
  const data_dir = fs.mkdtempSync(path.join(os.tmpdir(), 'suanli-contract-'));
  try {
    const config = loadConfig({}, { data_dir, database_url: null, log_level: 'silent' });
    const store = Store.open(config);
    try {
      const app = await buildApp({ config, store, logger: false });
      await app.ready();
      const doc = app.swagger() as OpenApiDocument;
      await app.close();
      return doc;
    } finally {
      await store.close();
    }
  } finally {
    fs.rmSync(data_dir, { recursive: true, force: true });
  }
}

/** The contract file's text for the server as it is now. */
export async function generatedContract(): Promise<string> {
  return contractSource(await openapiDocument());
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  fs.writeFileSync(path.join(root, contract_file), await generatedContract());
  console.log(`wrote ${contract_file}`);
}
