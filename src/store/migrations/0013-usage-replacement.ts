// Replacing usage (issue 14): a provider whose records of some hours were wrong — Prometheus samples that arrived late
// or changed — stores the right ones as a replacement that supersedes the stored ones, never beside them. The
// superseded rows move, unchanged, from usage_records into usage_superseded (so that every reader of usage_records,
// claims and checks included, sees only what stands), each naming its replacement; usage_replacements keeps what was
// replaced by what, and the audit chain a `usage.replace` entry with both lists (src/store/usage-replacement.ts).
//
// And the record ids of `suanli import prometheus` before this version (`prom-` + SHA-256 over the run's start) are
// re-keyed to the ids the importer now gives (the workload's whole hour and the run's place in it:
// src/domain/usage/prometheus-ids.ts), so that the first import after the upgrade compares its records with these
// instead of storing them a second time. One `usage.rekey` audit entry holds how many and a digest of the pairs.
import { createHash } from 'node:crypto';
import { sql, type Kysely, type Migration } from 'kysely';
import type { Engine } from '../engine.js';
import { identityKey } from './identity-key.js';
import { hour_ms, kubernetesWorkload, prometheusHourPrefix, prometheusRecordId } from '../../domain/usage/prometheus-ids.js';
import { appendAudit, system_actor } from '../audit-repository.js';
import type { Database } from '../schema.js';

export function migration0013(engine: Engine): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('usage_replacements')
        .addColumn('id', ...identityKey(engine))
        .addColumn('provider_id', 'text', (c) => c.notNull())
        .addColumn('at_ms', 'bigint', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        // JSON arrays of record ids, sorted
        .addColumn('superseded_ids', 'text', (c) => c.notNull())
        .addColumn('record_ids', 'text', (c) => c.notNull())
        .execute();
      let superseded = db.schema
        .createTable('usage_superseded')
        .addColumn('seq', 'bigint', (c) => c.primaryKey())
        .addColumn('provider_id', 'text', (c) => c.notNull())
        .addColumn('record_id', 'text', (c) => c.notNull())
        .addColumn('cluster_id', 'text', (c) => c.notNull())
        .addColumn('enterprise_id', 'text', (c) => c.notNull())
        .addColumn('accelerator_id', 'text', (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull())
        .addColumn('started_at_ms', 'bigint', (c) => c.notNull())
        .addColumn('ended_at_ms', 'bigint', (c) => c.notNull())
        .addColumn('amount_fen', 'bigint', (c) => c.notNull())
        .addColumn('job_ref', 'text')
        .addColumn('workload', 'text')
        .addColumn('energy_wh', 'bigint')
        .addColumn('card_s', 'bigint', (c) => c.notNull())
        .addColumn('compute_gflop', 'bigint')
        .addColumn('received_at_ms', 'bigint', (c) => c.notNull())
        .addColumn('batch_id', 'bigint')
        .addColumn('replacement_id', 'bigint', (c) => c.notNull())
        .addColumn('superseded_at_ms', 'bigint', (c) => c.notNull());
      if (engine === 'postgres') superseded = superseded.addColumn('xid', 'bigint', (c) => c.notNull().defaultTo(0));
      await superseded.execute();
      await db.schema.createIndex('usage_superseded_record').on('usage_superseded').columns(['provider_id', 'record_id']).execute();
      await db.schema.createIndex('usage_superseded_batch').on('usage_superseded').column('batch_id').execute();

      // Re-key the importer's records from before: unsigned, `prom-` and 40 hex digits, job_ref k8s:<namespace>/<pod>.
      const old = await sql<{
        seq: number | string;
        provider_id: string;
        record_id: string;
        cluster_id: string;
        accelerator_id: string;
        job_ref: string | null;
        started_at_ms: number | string;
      }>`
        SELECT seq, provider_id, record_id, cluster_id, accelerator_id, job_ref, started_at_ms FROM usage_records
        WHERE record_id LIKE 'prom-%' AND batch_id IS NULL AND job_ref LIKE 'k8s:%' ORDER BY seq`.execute(db);
      const groups = new Map<string, { seq: number; record_id: string; started_at_ms: number }[]>();
      const prefix_of = new Map<string, string>();
      for (const r of old.rows) {
        if (!/^prom-[0-9a-f]{40}$/.test(r.record_id)) continue;
        const w = kubernetesWorkload(r.job_ref);
        if (w === null) continue;
        const started = Number(r.started_at_ms);
        const prefix = prometheusHourPrefix(r.cluster_id, w.namespace, w.pod, r.accelerator_id, Math.floor(started / hour_ms) * hour_ms);
        const key = `${r.provider_id}\u0000${prefix}`;
        prefix_of.set(key, prefix);
        const list = groups.get(key) ?? [];
        list.push({ seq: Number(r.seq), record_id: r.record_id, started_at_ms: started });
        groups.set(key, list);
      }
      const pairs: string[] = [];
      for (const [key, list] of groups) {
        list.sort((a, b) => a.started_at_ms - b.started_at_ms || a.seq - b.seq);
        for (const [part, r] of list.entries()) {
          const id = prometheusRecordId(prefix_of.get(key)!, part);
          await sql`UPDATE usage_records SET record_id = ${id} WHERE seq = ${r.seq}`.execute(db);
          pairs.push(`${key.split('\u0000')[0]}\u0000${r.record_id}\u0000${id}`);
        }
      }
      if (pairs.length > 0) {
        pairs.sort();
        const digest = createHash('sha256').update(pairs.join('\n')).digest('hex');
        await appendAudit(
          db as unknown as Kysely<Database>,
          engine,
          system_actor,
          {
            action: 'usage.rekey',
            subject: { kind: 'migration', id: '0013-usage-replacement' },
            after: { records: pairs.length, pairs_sha256: digest, scheme: 'prom-<sha256(cluster, namespace, pod, model, hour)[0:40]>.<part>' },
          },
          Date.now(),
        );
      }
    },
  };
}
