// GPUs in sacct's AllocTRES (shared/data/slurm-sacct.md): a comma list of `type[/name]=count`, e.g.
// `billing=16,cpu=16,gres/gpu:910b=8,gres/gpu=8,mem=256G,node=1`. The untyped entry `gres/gpu` counts every GPU of the
// job; a typed entry `gres/gpu:910b` counts only the GPUs requested with that type. Both may appear and must not be
// summed. `gres/gpumem` and `gres/gpuutil` are not GPUs (names are matched exactly, never by prefix), a no_consume GRES
// prints 0, and the order of the list is never relied on.

export interface GpuAllocation {
  /** count of the untyped entry `gres/<name>`, null when absent */
  untyped: number | null;
  /** counts of the typed entries `gres/<name>:<type>`, in the order of the list */
  typed: readonly { type: string; count: number }[];
}

/** Cards of one kind in a job: a GRES type, or null for the GPUs that no typed entry accounts for. */
export interface GpuPart {
  type: string | null;
  count: number;
}

export const alloc_tres_limits = {
  /** entries in one AllocTRES list; real ones hold about ten */
  entries_max: 256,
} as const;

const count_text = /^\d{1,9}$/;

export type TresResult = { ok: true; gpus: GpuAllocation } | { ok: false; message: string };

/** The GPU entries of an AllocTRES list (`gres_name`: the cluster's GRES name for its cards, `gpu` by default). */
export function parseGpuTres(alloc_tres: string, gres_name = 'gpu'): TresResult {
  const untyped_name = `gres/${gres_name}`;
  const typed_prefix = `gres/${gres_name}:`;
  let untyped: number | null = null;
  const typed: { type: string; count: number }[] = [];
  if (alloc_tres === '') return { ok: true, gpus: { untyped, typed } };
  const entries = alloc_tres.split(',');
  if (entries.length > alloc_tres_limits.entries_max) return { ok: false, message: `more than ${alloc_tres_limits.entries_max} entries` };
  for (const entry of entries) {
    if (!entry.startsWith('gres/')) continue; // cpu, mem=256G, node, billing, energy, license/…: not asked
    const eq = entry.lastIndexOf('=');
    if (eq === -1) return { ok: false, message: `entry ${JSON.stringify(entry)} has no "="` };
    const name = entry.slice(0, eq);
    const is_untyped = name === untyped_name;
    if (!is_untyped && !name.startsWith(typed_prefix)) continue; // gres/gpumem, gres/gpuutil, other GRES
    const value = entry.slice(eq + 1);
    if (!count_text.test(value)) return { ok: false, message: `${name} has the count ${JSON.stringify(value)}, not a whole number` };
    const count = Number(value);
    if (is_untyped) {
      if (untyped !== null) return { ok: false, message: `${name} appears twice` };
      untyped = count;
    } else {
      const type = name.slice(typed_prefix.length);
      if (type === '') return { ok: false, message: `${name} names no type` };
      if (typed.some((t) => t.type === type)) return { ok: false, message: `${name} appears twice` };
      typed.push({ type, count });
    }
  }
  return { ok: true, gpus: { untyped, typed } };
}

export type PartsResult = { ok: true; parts: GpuPart[] } | { ok: false; message: string };

/**
 * The cards of a job by kind, in type order: the count comes from the untyped entry when there is one (else the sum of
 * the typed ones), the types from the typed entries; GPUs beyond the typed ones are of no stated type. An empty list:
 * the job had no GPU. Fewer untyped than typed GPUs contradicts Slurm's accounting and is refused.
 */
export function gpuParts(gpus: GpuAllocation): PartsResult {
  const parts: GpuPart[] = gpus.typed.filter((t) => t.count > 0).sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  const typed_sum = parts.reduce((s, t) => s + t.count, 0);
  if (gpus.untyped !== null) {
    if (gpus.untyped < typed_sum) {
      return { ok: false, message: `the untyped entry counts ${gpus.untyped} GPUs, fewer than the ${typed_sum} of the typed entries` };
    }
    if (gpus.untyped > typed_sum) parts.push({ type: null, count: gpus.untyped - typed_sum });
  }
  return { ok: true, parts };
}
