// Liveness and the caller's identity.
import { Type } from 'typebox';
import type { App, AppContext } from '../context.js';
import { any_role, principalOf } from '../auth.js';
import { Role } from '../schemas.js';

export function healthRoutes(app: App, ctx: AppContext): void {
  app.get(
    '/health',
    {
      config: { access: 'public' },
      schema: {
        tags: ['system'],
        summary: 'Health',
        description: 'Answers 200 when the server and its database answer.',
        response: {
          200: Type.Object({ status: Type.Literal('ok'), database: Type.Union([Type.Literal('sqlite'), Type.Literal('postgres')]) }, { title: 'Health' }),
        },
      },
    },
    async () => {
      await ctx.store.usage.count({ provider_id: '' }); // touches the database: health means it answers
      return { status: 'ok' as const, database: ctx.store.engine };
    },
  );

  app.get(
    '/me',
    {
      config: { access: any_role, no_store: true },
      schema: {
        tags: ['system'],
        summary: 'Who is calling',
        description:
          'Who is calling: an API key, or a signed-in user (key_id is then the user id, and csrf_token the token state-changing calls must send in x-csrf-token).',
        response: {
          200: Type.Object(
            {
              key_id: Type.String(),
              org_id: Type.String(),
              role: Role,
              via: Type.String(),
              csrf_token: Type.Union([Type.String(), Type.Null()]),
              time_zone: Type.String({
                description:
                  "the program office's IANA time zone (SUANLI_TIME_ZONE): the days and months money is counted in, and the zone instants are shown in",
              }),
            },
            { title: 'Me' },
          ),
        },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return {
        key_id: p.key_id,
        org_id: p.org_id,
        role: p.role,
        via: p.via,
        csrf_token: p.session?.csrf_token ?? null,
        time_zone: ctx.store.calendar.time_zone,
      };
    },
  );
}
