// Liveness and the caller's identity.
import { Type } from 'typebox';
import type { App, AppContext } from '../app.js';
import { any_role, principalOf } from '../auth.js';

export function healthRoutes(app: App, ctx: AppContext): void {
  app.get('/health', {
    config: { access: 'public' },
    schema: {
      tags: ['system'], security: [],
      response: { 200: Type.Object({ status: Type.Literal('ok'), database: Type.Union([Type.Literal('sqlite'), Type.Literal('postgres')]) }) },
    },
  }, async () => {
    await ctx.store.usage.count({ provider_id: '' }); // touches the database: health means it answers
    return { status: 'ok' as const, database: ctx.store.engine };
  });

  app.get('/me', {
    config: { access: any_role },
    schema: { tags: ['system'], response: { 200: Type.Object({ key_id: Type.String(), org_id: Type.String(), role: Type.String() }) } },
  }, async (request) => principalOf(request));
}
