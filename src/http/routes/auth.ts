// Signing in and out: people log in with a login and password and get a session cookie (HttpOnly, SameSite=Strict,
// Secure over TLS — also behind a trusted TLS proxy) plus a CSRF token for state-changing calls, and a device cookie
// that lets this browser past guesses made elsewhere; invitations are accepted by setting a first password; failures
// are counted per client, account, address and device before the password is checked (docs/security.md).
import { Type } from 'typebox';
import { hashPassword, passwordProblem, unusable_hash, verifyPassword } from '../../domain/people/password.js';
import { afterSuccess, allKeys, attemptKeys, decideAttempt, device_ttl_s } from '../../domain/people/throttle.js';
import type { App, AppContext } from '../context.js';
import { actorOf, any_role, device_cookie, hashSecret, newSecret, principalOf, session_cookie } from '../auth.js';
import { ApiError } from '../errors.js';
import { Refusal } from '../../domain/refusal.js';
import { iso, presentUser } from '../present.js';
import { UserView } from '../schemas.js';

export function authRoutes(app: App, ctx: AppContext): void {
  app.post(
    '/auth/login',
    {
      config: { access: 'public', no_store: true },
      schema: {
        tags: ['auth'],
        summary: 'Sign in',
        description:
          'Signs in: sets the session cookie and answers the CSRF token to send in x-csrf-token with every state-changing call. ' +
          'A wrong login or password answers 401 invalid_credentials (the same for both); repeated failures answer 429 too_many_attempts with Retry-After.',
        body: Type.Object(
          { login: Type.String({ minLength: 1, maxLength: 200 }), password: Type.String({ minLength: 1, maxLength: 1024 }) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ user: UserView, csrf_token: Type.String(), expires_at: Type.String() }, { title: 'SignedIn' }) },
      },
    },
    async (request, reply) => {
      const now = ctx.now();
      const login = request.body.login.toLowerCase();
      const user = await ctx.store.people.byLogin(login);
      // A browser that signed in on this account before answers to its own failure counter (OWASP's device cookies).
      const device = request.cookies[device_cookie];
      const device_hash = device !== undefined && device !== '' ? hashSecret(device) : null;
      const trusted = device_hash !== null && user !== null && (await ctx.store.people.deviceUser(device_hash, now, device_ttl_s * 1000)) === user.id;
      const keys = attemptKeys(login, request.ip, trusted ? device_hash : null);
      // Counted as a failure before the password is checked, atomically: parallel guesses cannot share a stale counter.
      const attempt = await ctx.store.people.claimAttempt(allKeys(keys), (states) => decideAttempt(keys, states, now));
      if (attempt.status === 'wait') {
        const wait_s = Math.ceil(attempt.wait_ms / 1000);
        void reply.header('retry-after', String(wait_s));
        throw new ApiError('too_many_attempts', `too many failed sign-ins: try again in ${wait_s} s`);
      }
      // The same work whether or not the login exists, so timing does not tell which logins do.
      const ok = (await verifyPassword(request.body.password, user?.password_hash ?? unusable_hash)) && user !== null && user.status === 'active';
      if (!ok || user === null) throw new ApiError('invalid_credentials', 'wrong login or password');
      const settle = afterSuccess(keys, attempt.via);
      await ctx.store.people.settleSuccess(settle.clear, settle.refund);
      const session_id = newSecret();
      const csrf_token = newSecret();
      const expires_at_ms = now + ctx.config.session_ttl_s * 1000;
      await ctx.store.people.createSession({ id_hash: hashSecret(session_id), user, csrf_token, expires_at_ms }, now);
      const secure = request.protocol === 'https';
      void reply.setCookie(session_cookie, session_id, { path: '/', httpOnly: true, sameSite: 'strict', secure, maxAge: ctx.config.session_ttl_s });
      // Remember this browser for this account: a known device keeps its id, a new one gets one.
      const device_id = trusted ? device! : newSecret();
      await ctx.store.people.rememberDevice(hashSecret(device_id), user.id, now);
      void reply.setCookie(device_cookie, device_id, { path: '/api/v1/auth', httpOnly: true, sameSite: 'strict', secure, maxAge: device_ttl_s });
      return { user: presentUser(user), csrf_token, expires_at: iso(expires_at_ms) };
    },
  );

  app.post(
    '/auth/logout',
    {
      config: { access: any_role, no_store: true },
      schema: {
        tags: ['auth'],
        summary: 'Sign out',
        description: 'Ends the session of the cookie (an API key call ends nothing).',
        response: { 200: Type.Object({ logged_out: Type.Boolean() }, { title: 'SignedOut' }) },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      if (p.via !== 'session' || p.session === undefined) return { logged_out: false };
      const user = await ctx.store.people.get(p.key_id);
      if (user) await ctx.store.people.endSession(p.session.id_hash, user, ctx.now());
      void reply.clearCookie(session_cookie, { path: '/' });
      return { logged_out: true };
    },
  );

  app.post(
    '/auth/password',
    {
      config: { access: any_role, no_store: true },
      schema: {
        tags: ['auth'],
        summary: "Change one's password",
        description: "Changes the signed-in user's password (the current one is checked); every other session of the user ends.",
        body: Type.Object(
          { current_password: Type.String({ minLength: 1, maxLength: 1024 }), new_password: Type.String({ minLength: 1, maxLength: 1024 }) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ changed: Type.Boolean() }, { title: 'PasswordChanged' }) },
      },
    },
    async (request) => {
      const p = principalOf(request);
      if (p.via !== 'session' || p.session === undefined)
        throw new ApiError('validation_failed', 'only a signed-in user changes a password (API keys have none)', [
          { field: 'authorization', message: 'sign in first' },
        ]);
      const user = await ctx.store.people.get(p.key_id);
      const hash = await ctx.store.people.passwordHash(p.key_id);
      if (!user || hash === null || !(await verifyPassword(request.body.current_password, hash))) {
        throw new ApiError('invalid_credentials', 'the current password is wrong', [{ field: 'current_password', message: 'wrong' }]);
      }
      const problem = passwordProblem(request.body.new_password, user.login);
      if (problem) throw new Refusal('invalid_password', problem, { fields: ['new_password'] });
      await ctx.store.people.setPassword(user.id, await hashPassword(request.body.new_password), p.session.id_hash, actorOf(request), ctx.now());
      return { changed: true };
    },
  );

  app.post(
    '/auth/accept-invitation',
    {
      config: { access: 'public', no_store: true },
      schema: {
        tags: ['auth'],
        summary: 'Accept an invitation',
        description: 'Accepts a one-time invitation by setting the first password; then sign in.',
        body: Type.Object(
          { token: Type.String({ minLength: 1, maxLength: 200 }), password: Type.String({ minLength: 1, maxLength: 1024 }) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ user: UserView }, { title: 'InvitationAccepted' }) },
      },
    },
    async (request) => {
      const token_hash = hashSecret(request.body.token);
      const invited = await ctx.store.people.invitedUser(token_hash, ctx.now());
      if (invited === null) throw new Refusal('invalid_invitation', { reason: 'not_live' }, { fields: ['token'] });
      const problem = passwordProblem(request.body.password, invited.login);
      if (problem) throw new Refusal('invalid_password', problem, { fields: ['password'] });
      const r = await ctx.store.people.acceptInvitation(token_hash, await hashPassword(request.body.password), ctx.now());
      if (r.status !== 'ok') throw new Refusal('invalid_invitation', { reason: r.status === 'expired' ? 'expired' : 'unknown_or_used' }, { fields: ['token'] });
      return { user: presentUser(r.user) };
    },
  );
}
