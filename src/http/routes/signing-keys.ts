// Providers' signing keys: a provider registers Ed25519 public keys and signs usage batches with the private halves
// (docs/integrity.md); administrators may register or revoke for any provider; auditors read them.
import { Type } from 'typebox';
import { KEY_ID_CHARS_MAX, publicKeyFromText, rawPublicKeyBase64 } from '../../domain/integrity/signature.js';
import type { SigningKey } from '../../store/signing-key-repository.js';
import type { App, AppContext } from '../context.js';
import { actorOf, ownsOrganization, principalOf, type Principal } from '../auth.js';
import { notFound } from '../errors.js';
import { Refusal } from '../../domain/refusal.js';
import { visibleProvider } from '../access.js';
import { iso } from '../present.js';
import { List } from '../schemas.js';

const SigningKeyView = Type.Object(
  {
    id: Type.String({ description: `the keyId to name in the Suanli-Signature header (at most ${KEY_ID_CHARS_MAX} characters)` }),
    provider_id: Type.String(),
    label: Type.String(),
    public_key: Type.String({ description: 'the raw 32-byte Ed25519 public key, base64' }),
    created_at: Type.String(),
    revoked_at: Type.Union([Type.String(), Type.Null()]),
  },
  { title: 'SigningKey' },
);

function present(k: SigningKey) {
  return {
    id: k.id,
    provider_id: k.provider_id,
    label: k.label,
    public_key: k.public_key,
    created_at: iso(k.created_at_ms),
    revoked_at: k.revoked_at_ms === null ? null : iso(k.revoked_at_ms),
  };
}

export function signingKeyRoutes(app: App, ctx: AppContext): void {
  const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

  const providerFor = (p: Principal, provider_id: string) => visibleProvider(ctx, p, provider_id);

  app.post(
    '/providers/:id/signing-keys',
    {
      config: { access: ['administrator', 'provider'], no_store: true },
      schema: {
        tags: ['integrity'],
        summary: 'Register a signing key',
        description:
          'Registers an Ed25519 public key (PEM SubjectPublicKeyInfo as `openssl pkey -pubout` writes it, or the raw 32 bytes in base64). ' +
          'From then on every usage batch of the provider must be signed (docs/integrity.md).',
        params: IdParams,
        body: Type.Object(
          { label: Type.String({ minLength: 1, maxLength: 100 }), public_key: Type.String({ minLength: 1, maxLength: 4096 }) },
          { additionalProperties: false },
        ),
        response: { 201: SigningKeyView },
      },
    },
    async (request, reply) => {
      await providerFor(principalOf(request), request.params.id);
      const parsed = publicKeyFromText(request.body.public_key);
      if (!parsed.ok) throw new Refusal('invalid_public_key', parsed.problem, { fields: ['public_key'] });
      const key = await ctx.store.signingKeys.create(
        { provider_id: request.params.id, label: request.body.label, public_key: rawPublicKeyBase64(parsed.key) },
        actorOf(request),
        ctx.now(),
      );
      return reply.status(201).send(present(key));
    },
  );

  app.get(
    '/providers/:id/signing-keys',
    {
      config: { access: ['administrator', 'auditor', 'provider'], no_store: true },
      schema: {
        tags: ['integrity'],
        summary: "List a provider's signing keys",
        description: 'Active and revoked keys, oldest first.',
        params: IdParams,
        response: { 200: List(SigningKeyView) },
      },
    },
    async (request) => {
      await providerFor(principalOf(request), request.params.id);
      return { items: (await ctx.store.signingKeys.list(request.params.id)).map(present) };
    },
  );

  app.post(
    '/signing-keys/:id/revoke',
    {
      config: { access: ['administrator', 'provider'], no_store: true },
      schema: {
        tags: ['integrity'],
        summary: 'Revoke a signing key',
        description: 'Revokes a key: new batches signed with it are refused; batches it signed before still verify.',
        params: IdParams,
        response: { 200: SigningKeyView },
      },
    },
    async (request) => {
      const key = await ctx.store.signingKeys.get(request.params.id);
      if (!key || !ownsOrganization(principalOf(request), key.provider_id)) throw notFound('signing_key', request.params.id);
      if (!(await ctx.store.signingKeys.revoke(key.id, actorOf(request), ctx.now()))) {
        throw new Refusal('illegal_transition', { subject: 'signing_key', id: key.id, state: 'revoked', allowed_from: ['active'] }, { fields: ['id'] });
      }
      return present((await ctx.store.signingKeys.get(key.id))!);
    },
  );
}
