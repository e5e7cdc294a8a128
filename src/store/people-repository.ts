// Users, invitations, sessions and the failed-login counters. Secrets are stored only as SHA-256 (session ids and
// invitation tokens carry 256 random bits) or scrypt (passwords); every change to an account is audited.
import type { Kysely } from 'kysely';
import type { Role } from '../domain/org/organization.js';
import type { AttemptDecision, ThrottleState } from '../domain/people/throttle.js';
import { appendAudit, type AuditActor } from './audit-repository.js';
import type { Connection } from './database.js';
import { newId } from './ids.js';
import type { Database, UsersTable } from './schema.js';
import { lockRows, writeTransaction } from './write-transaction.js';

export type UserStatus = 'invited' | 'active' | 'disabled';

export interface User {
  id: string;
  org_id: string;
  role: Role;
  login: string;
  name: string;
  status: UserStatus;
  created_at_ms: number;
  updated_at_ms: number;
}

const toUser = (r: UsersTable): User => ({
  id: r.id,
  org_id: r.org_id,
  role: r.role as Role,
  login: r.login,
  name: r.name,
  status: r.status as UserStatus,
  created_at_ms: Number(r.created_at_ms),
  updated_at_ms: Number(r.updated_at_ms),
});

const summary = (u: Pick<User, 'org_id' | 'role' | 'login' | 'name' | 'status'>) => ({
  org_id: u.org_id,
  role: u.role,
  login: u.login,
  name: u.name,
  status: u.status,
});

export class PeopleRepository {
  constructor(private readonly connection: Connection) {}
  private get db(): Kysely<Database> {
    return this.connection.db;
  }

  /** A user, active with a password or invited (with its invitation); null when the login is taken. */
  async create(
    u: { org_id: string; role: Role; login: string; name: string; password_hash: string | null; invitation?: { token_hash: string; expires_at_ms: number } },
    actor: AuditActor,
    now_ms: number,
  ): Promise<User | null> {
    const row: UsersTable = {
      id: newId('u'),
      org_id: u.org_id,
      role: u.role,
      login: u.login.toLowerCase(),
      name: u.name,
      password_hash: u.password_hash,
      status: u.password_hash === null ? 'invited' : 'active',
      created_at_ms: now_ms,
      updated_at_ms: now_ms,
    };
    return writeTransaction(this.connection, async (tx, engine) => {
      const r = await tx
        .insertInto('users')
        .values(row)
        .onConflict((oc) => oc.column('login').doNothing())
        .executeTakeFirst();
      if (Number(r.numInsertedOrUpdatedRows ?? 0) !== 1) return null;
      if (u.invitation)
        await tx
          .insertInto('invitations')
          .values({ token_hash: u.invitation.token_hash, user_id: row.id, expires_at_ms: u.invitation.expires_at_ms, used_at_ms: null })
          .execute();
      const user = toUser(row);
      await appendAudit(
        tx,
        engine,
        actor,
        { action: u.invitation ? 'user.invite' : 'user.create', subject: { kind: 'user', id: row.id }, after: summary(user) },
        now_ms,
      );
      return user;
    });
  }

  async get(id: string): Promise<User | null> {
    const r = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toUser(r) : null;
  }

  /** The user with this login and its password hash (null: invited, no password yet). */
  async byLogin(login: string): Promise<(User & { password_hash: string | null }) | null> {
    const r = await this.db.selectFrom('users').selectAll().where('login', '=', login.toLowerCase()).executeTakeFirst();
    return r ? { ...toUser(r), password_hash: r.password_hash } : null;
  }

  async passwordHash(id: string): Promise<string | null> {
    const r = await this.db.selectFrom('users').select('password_hash').where('id', '=', id).executeTakeFirst();
    return r?.password_hash ?? null;
  }

  async list(org_id?: string): Promise<User[]> {
    let q = this.db.selectFrom('users').selectAll().orderBy('created_at_ms').orderBy('id');
    if (org_id !== undefined) q = q.where('org_id', '=', org_id);
    return (await q.execute()).map(toUser);
  }

  /** Sets a new password and ends every session of the user but `keep_session` (the one that changed it). */
  async setPassword(user_id: string, password_hash: string, keep_session: string | null, actor: AuditActor, now_ms: number): Promise<void> {
    await writeTransaction(this.connection, async (tx, engine) => {
      await tx.updateTable('users').set({ password_hash, updated_at_ms: now_ms }).where('id', '=', user_id).execute();
      let q = tx.deleteFrom('sessions').where('user_id', '=', user_id);
      if (keep_session !== null) q = q.where('id_hash', '<>', keep_session);
      await q.execute();
      await appendAudit(tx, engine, actor, { action: 'user.password', subject: { kind: 'user', id: user_id }, after: { other_sessions_ended: true } }, now_ms);
    });
  }

  /** The invited user behind a live (unused, unexpired) invitation. */
  async invitedUser(token_hash: string, now_ms: number): Promise<User | null> {
    const r = await this.db
      .selectFrom('invitations as i')
      .innerJoin('users as u', 'u.id', 'i.user_id')
      .selectAll('u')
      .where('i.token_hash', '=', token_hash)
      .where('i.used_at_ms', 'is', null)
      .where('i.expires_at_ms', '>', now_ms)
      .where('u.status', '=', 'invited')
      .executeTakeFirst();
    return r ? toUser(r as UsersTable) : null;
  }

  /** invited → active with its first password, once, before the invitation expires. */
  async acceptInvitation(token_hash: string, password_hash: string, now_ms: number): Promise<{ status: 'ok'; user: User } | { status: 'invalid' | 'expired' }> {
    return writeTransaction(this.connection, async (tx, engine) => {
      const inv = await tx.selectFrom('invitations').selectAll().where('token_hash', '=', token_hash).executeTakeFirst();
      if (!inv || inv.used_at_ms !== null) return { status: 'invalid' } as const;
      if (Number(inv.expires_at_ms) <= now_ms) return { status: 'expired' } as const;
      const row = await tx.selectFrom('users').selectAll().where('id', '=', inv.user_id).executeTakeFirst();
      if (!row || row.status !== 'invited') return { status: 'invalid' } as const;
      await tx.updateTable('invitations').set({ used_at_ms: now_ms }).where('token_hash', '=', token_hash).execute();
      await tx.updateTable('users').set({ password_hash, status: 'active', updated_at_ms: now_ms }).where('id', '=', row.id).execute();
      const user = toUser({ ...row, status: 'active', updated_at_ms: now_ms });
      await appendAudit(
        tx,
        engine,
        { org_id: row.org_id, key_id: row.id, role: row.role },
        { action: 'user.activate', subject: { kind: 'user', id: row.id }, before: { status: 'invited' }, after: { status: 'active' } },
        now_ms,
      );
      return { status: 'ok', user } as const;
    });
  }

  /** active|invited → disabled; ends the user's sessions. false when already disabled or missing. */
  async disable(user_id: string, actor: AuditActor, now_ms: number): Promise<boolean> {
    return writeTransaction(this.connection, async (tx, engine) => {
      const r = await tx
        .updateTable('users')
        .set({ status: 'disabled', updated_at_ms: now_ms })
        .where('id', '=', user_id)
        .where('status', '<>', 'disabled')
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return false;
      await tx.deleteFrom('sessions').where('user_id', '=', user_id).execute();
      await appendAudit(tx, engine, actor, { action: 'user.disable', subject: { kind: 'user', id: user_id }, after: { status: 'disabled' } }, now_ms);
      return true;
    });
  }

  async createSession(s: { id_hash: string; user: User; csrf_token: string; expires_at_ms: number }, now_ms: number): Promise<void> {
    await writeTransaction(this.connection, async (tx, engine) => {
      await tx
        .insertInto('sessions')
        .values({ id_hash: s.id_hash, user_id: s.user.id, csrf_token: s.csrf_token, created_at_ms: now_ms, expires_at_ms: s.expires_at_ms })
        .execute();
      await appendAudit(
        tx,
        engine,
        { org_id: s.user.org_id, key_id: s.user.id, role: s.user.role },
        { action: 'session.login', subject: { kind: 'user', id: s.user.id } },
        now_ms,
      );
    });
  }

  /** The live session with this id hash and its active user. */
  async session(id_hash: string, now_ms: number): Promise<{ user: User; csrf_token: string; expires_at_ms: number } | null> {
    const r = await this.db
      .selectFrom('sessions as s')
      .innerJoin('users as u', 'u.id', 's.user_id')
      .selectAll('u')
      .select(['s.csrf_token', 's.expires_at_ms as session_expires_at_ms'])
      .where('s.id_hash', '=', id_hash)
      .where('s.expires_at_ms', '>', now_ms)
      .where('u.status', '=', 'active')
      .executeTakeFirst();
    if (!r) return null;
    const { csrf_token, session_expires_at_ms, ...user } = r;
    return { user: toUser(user as UsersTable), csrf_token, expires_at_ms: Number(session_expires_at_ms) };
  }

  async endSession(id_hash: string, user: User, now_ms: number): Promise<void> {
    await writeTransaction(this.connection, async (tx, engine) => {
      const r = await tx.deleteFrom('sessions').where('id_hash', '=', id_hash).executeTakeFirst();
      if (Number(r.numDeletedRows) === 1) {
        await appendAudit(
          tx,
          engine,
          { org_id: user.org_id, key_id: user.id, role: user.role },
          { action: 'session.logout', subject: { kind: 'user', id: user.id } },
          now_ms,
        );
      }
    });
  }

  /**
   * One sign-in attempt's claim on the failure counters, atomic on both engines and across processes: the counters of
   * `keys` are read under the write lock (SQLite's BEGIN IMMEDIATE; on PostgreSQL the rows are created if missing and
   * locked FOR UPDATE, in key order), `decide` rules on them, and what it counted is written before the lock is let
   * go — so fifty parallel guesses see each other's failures, and at most the free ones reach the password check.
   */
  async claimAttempt(keys: readonly string[], decide: (states: ReadonlyMap<string, ThrottleState>) => AttemptDecision): Promise<AttemptDecision> {
    const sorted = [...new Set(keys)].sort();
    return writeTransaction(this.connection, async (tx, engine) => {
      if (engine === 'postgres') {
        await tx
          .insertInto('login_throttle')
          .values(sorted.map((key) => ({ key, failures: 0, last_failure_ms: 0, locked_until_ms: 0 })))
          .onConflict((oc) => oc.column('key').doNothing())
          .execute();
      }
      const rows = await lockRows(tx.selectFrom('login_throttle').selectAll().where('key', 'in', sorted).orderBy('key'), engine).execute();
      const states = new Map(
        rows.map((r) => [r.key, { failures: r.failures, last_failure_ms: Number(r.last_failure_ms), locked_until_ms: Number(r.locked_until_ms) }]),
      );
      const decision = decide(states);
      if (decision.status === 'go') {
        for (const [key, s] of decision.counted) {
          await tx
            .insertInto('login_throttle')
            .values({ key, ...s })
            .onConflict((oc) => oc.column('key').doUpdateSet({ failures: s.failures, last_failure_ms: s.last_failure_ms, locked_until_ms: s.locked_until_ms }))
            .execute();
        }
      }
      return decision;
    });
  }

  /** After a successful sign-in: clears the counters in `clear`, and takes one failure back from those in `refund`. */
  async settleSuccess(clear: readonly string[], refund: readonly string[]): Promise<void> {
    await writeTransaction(this.connection, async (tx) => {
      if (clear.length > 0)
        await tx
          .deleteFrom('login_throttle')
          .where('key', 'in', [...clear])
          .execute();
      if (refund.length > 0) {
        await tx
          .updateTable('login_throttle')
          .set((eb) => ({ failures: eb('failures', '-', 1) }))
          .where('key', 'in', [...refund])
          .where('failures', '>', 0)
          .execute();
      }
    });
  }

  /** The user a live device cookie (by its hash) was given to, or null (unknown, another user's, or unused too long). */
  async deviceUser(id_hash: string, now_ms: number, ttl_ms: number): Promise<string | null> {
    const r = await this.db
      .selectFrom('login_devices')
      .select('user_id')
      .where('id_hash', '=', id_hash)
      .where('last_used_at_ms', '>', now_ms - ttl_ms)
      .executeTakeFirst();
    return r?.user_id ?? null;
  }

  /** Remembers a browser that signed in as user_id (a new device id), or marks a known one used now. */
  async rememberDevice(id_hash: string, user_id: string, now_ms: number): Promise<void> {
    await this.db
      .insertInto('login_devices')
      .values({ id_hash, user_id, created_at_ms: now_ms, last_used_at_ms: now_ms })
      .onConflict((oc) => oc.column('id_hash').doUpdateSet({ last_used_at_ms: now_ms }))
      .execute();
  }
}
