// The usage record as providers send it (shared/DESIGN.md "A usage record on the wire"): one TypeBox schema
// serves the HTTP route, the file importer and the OpenAPI document.
import { Type, type Static } from 'typebox';

export const usage_limits = {
  record_id_chars_max: 128,
  job_ref_chars_max: 256,
  count_max: 100_000,
  amount_fen_max: 10_000_000_000_000, // 100 billion yuan: far beyond any real bill, far below 2^53
  energy_wh_max: 1_000_000_000_000,
} as const;

const Id = (description: string, maxLength = 64) => Type.String({ minLength: 1, maxLength, description });

export const UsageRecordWire = Type.Object(
  {
    record_id: Id('provider-scoped idempotency key of the record', usage_limits.record_id_chars_max),
    cluster_id: Id("cluster the work ran on (one of the provider's own)"),
    enterprise_id: Id('enterprise that bought the compute'),
    accelerator: Id('accelerator model id from the catalog, e.g. huawei-ascend-910b'),
    count: Type.Integer({ minimum: 1, maximum: usage_limits.count_max, description: 'cards used' }),
    started_at: Type.String({ format: 'date-time', description: 'RFC 3339 instant' }),
    ended_at: Type.String({ format: 'date-time', description: 'RFC 3339 instant, after started_at' }),
    amount_fen: Type.Integer({ minimum: 0, maximum: usage_limits.amount_fen_max, description: 'billed amount in fen (integer)' }),
    job_ref: Type.Optional(Type.String({ maxLength: usage_limits.job_ref_chars_max, description: 'scheduler job reference, e.g. slurm:4711' })),
    workload: Type.Optional(Type.Union([Type.Literal('training'), Type.Literal('inference')])),
    energy_wh: Type.Optional(Type.Integer({ minimum: 0, maximum: usage_limits.energy_wh_max, description: 'metered energy in watt-hours' })),
  },
  { additionalProperties: false },
);
export type UsageRecordWire = Static<typeof UsageRecordWire>;
