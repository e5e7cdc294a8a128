// The OpenAPI document and explorer, and the rule that a route without a declared access rule cannot exist.
import { expect, it } from 'vitest';
import Fastify from 'fastify';
import { describeEachEngine } from '../support/engines.js';
import { testApi } from '../support/api.js';
import { registerAuth } from '../../src/http/auth.js';

describeEachEngine('OpenAPI', (db) => {
  it('documents every /api/v1 route and serves the explorer at /api/docs', async () => {
    const api = await testApi(db());
    const doc = (await api.call('GET', '/api/docs/json', { key: null })).json();
    expect(doc.openapi).toMatch(/^3\./);
    for (const path of ['/api/v1/health', '/api/v1/accelerators', '/api/v1/accelerators/{id}', '/api/v1/providers', '/api/v1/enterprises',
      '/api/v1/providers/{id}/clusters', '/api/v1/api-keys', '/api/v1/usage', '/api/v1/usage/summary']) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
    expect(doc.paths['/api/v1/usage'].post.description).toMatch(/accepted, duplicate/);
    const ui = await api.call('GET', '/api/docs/', { key: null });
    expect(ui.statusCode).toBe(200);
    expect(ui.body).toMatch(/swagger/i);
  });
});

it('refuses to register an /api/v1 route that declares no access rule', async () => {
  const app = Fastify({ logger: false });
  registerAuth(app, null as never);
  await expect(app.register(async (api) => { api.get('/forgotten', async () => 'x'); }, { prefix: '/api/v1' }).ready()).rejects.toThrow(/declares no access rule/);
});
