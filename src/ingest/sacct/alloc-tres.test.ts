import { describe, expect, it } from 'vitest';
import { gpuParts, parseGpuTres, type GpuAllocation } from './alloc-tres.js';

function parts(alloc_tres: string, gres_name?: string) {
  const t = parseGpuTres(alloc_tres, gres_name);
  if (!t.ok) throw new Error(t.message);
  return gpuParts(t.gpus);
}

const gpus = (untyped: number | null, typed: Record<string, number> = {}): GpuAllocation => ({
  untyped,
  typed: Object.entries(typed).map(([type, count]) => ({ type, count })),
});

describe('AllocTRES', () => {
  it('reads the untyped and typed GPU entries, whatever their order, and passes everything else over', () => {
    expect(parseGpuTres('billing=16,cpu=16,gres/gpu:910b=8,gres/gpu=8,mem=256G,node=1')).toEqual({ ok: true, gpus: gpus(8, { '910b': 8 }) });
    expect(parseGpuTres('cpu=10,mem=100G,node=1,billing=10,gres/gpu=1,gres/gpu:a100=1')).toEqual({ ok: true, gpus: gpus(1, { a100: 1 }) });
    expect(parseGpuTres('cpu=4,mem=32G,node=1')).toEqual({ ok: true, gpus: gpus(null) });
    expect(parseGpuTres('')).toEqual({ ok: true, gpus: gpus(null) });
  });

  it('does not take gres/gpumem, gres/gpuutil or other GRES for GPUs', () => {
    expect(parseGpuTres('gres/gpumem=81920M,gres/gpuutil=0,gres/gpu=4,gres/mps=100,gres/shard=2')).toEqual({ ok: true, gpus: gpus(4) });
    expect(parseGpuTres('gres/gpumem=81920M,gres/gpuutil=0')).toEqual({ ok: true, gpus: gpus(null) });
  });

  it('reads another GRES name when the cluster names its cards so', () => {
    expect(parseGpuTres('cpu=8,gres/npu:910b=8,gres/npu=8,gres/gpu=1', 'npu')).toEqual({ ok: true, gpus: gpus(8, { '910b': 8 }) });
  });

  it('refuses a GPU count that is not a whole number, a repeated entry, or a type left empty', () => {
    expect(parseGpuTres('gres/gpu=8G')).toMatchObject({ ok: false, message: expect.stringContaining('gres/gpu has the count "8G"') });
    expect(parseGpuTres('gres/gpu=')).toMatchObject({ ok: false });
    expect(parseGpuTres('gres/gpu')).toMatchObject({ ok: false, message: expect.stringContaining('no "="') });
    expect(parseGpuTres('gres/gpu=8,gres/gpu=8')).toMatchObject({ ok: false, message: expect.stringContaining('twice') });
    expect(parseGpuTres('gres/gpu:=8')).toMatchObject({ ok: false, message: expect.stringContaining('no type') });
  });

  it('counts from the untyped entry and never sums it with the typed ones', () => {
    expect(parts('gres/gpu:910b=8,gres/gpu=8')).toEqual({ ok: true, parts: [{ type: '910b', count: 8 }] });
    expect(parts('gres/gpu=8')).toEqual({ ok: true, parts: [{ type: null, count: 8 }] });
    expect(parts('gres/gpu:910b=8')).toEqual({ ok: true, parts: [{ type: '910b', count: 8 }] });
  });

  it('counts a multi-node job whole', () => {
    expect(parts('billing=64,cpu=64,gres/gpu=16,mem=1000G,node=2')).toEqual({ ok: true, parts: [{ type: null, count: 16 }] });
  });

  it('splits a job with cards of two types, and leaves GPUs no typed entry accounts for untyped', () => {
    expect(parts('gres/gpu=12,gres/gpu:a800=4,gres/gpu:910b=8')).toEqual({
      ok: true,
      parts: [
        { type: '910b', count: 8 },
        { type: 'a800', count: 4 },
      ],
    });
    expect(parts('gres/gpu:910b=8,gres/gpu:a800=4')).toEqual({
      ok: true,
      parts: [
        { type: '910b', count: 8 },
        { type: 'a800', count: 4 },
      ],
    });
    expect(parts('gres/gpu=16,gres/gpu:910b=8')).toEqual({
      ok: true,
      parts: [
        { type: '910b', count: 8 },
        { type: null, count: 8 },
      ],
    });
  });

  it('finds no GPU in zero counts (a no_consume GRES)', () => {
    expect(parts('gres/gpu=0')).toEqual({ ok: true, parts: [] });
    expect(parts('gres/gpu=0,gres/gpu:910b=0')).toEqual({ ok: true, parts: [] });
  });

  it('refuses fewer untyped GPUs than typed ones', () => {
    expect(gpuParts(gpus(4, { '910b': 8 }))).toEqual({ ok: false, message: expect.stringContaining('counts 4 GPUs, fewer than the 8') });
  });
});
