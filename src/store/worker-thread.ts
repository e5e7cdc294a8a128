// Starts a worker thread on a module of this tree. Built, the tree runs as JavaScript under dist/ and the worker is the
// compiled module beside this one; run from source (vitest, tsx: `npm run suanli`, `npm run bench`) it is the
// TypeScript module, loaded through tsx's loader, which the worker registers first (Node 20 applies neither the
// parent's loader nor an --import in execArgv to a worker's entry module).
import { Worker } from 'node:worker_threads';

const from_source = import.meta.url.endsWith('.ts');

/** `module`: the worker module's URL without its extension, e.g. new URL('./usage/sqlite-writer', import.meta.url). */
export function startWorker(module: URL, workerData: unknown): Worker {
  if (!from_source) return new Worker(new URL(`${module.href}.js`), { workerData });
  const entry = JSON.stringify(`${module.href}.ts`);
  return new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${entry}); })`, { eval: true, workerData });
}

/** A worker's answer to one request. */
export type WorkerAnswer<R> = { id: number; ok: true; result: R } | { id: number; ok: false; error: string; code: string | null };

/**
 * Requests to a worker thread, each answered by id (one answer or an array of them per message): started on first
 * use, kept alive only while a request is waiting, and restarted by the next request after it stopped.
 */
export class WorkerClient<Q extends { id: number }, R> {
  private worker: Worker | null = null;
  private next_id = 1;
  private readonly waiting = new Map<number, { resolve: (r: R) => void; reject: (e: unknown) => void }>();

  /** `name` says what stopped in the error a waiting request gets; `config` is the worker's workerData, made at start. */
  constructor(
    private readonly module: URL,
    private readonly config: () => unknown,
    private readonly name: string,
  ) {}

  /** Sends `request` (its id filled in here); resolves with the worker's answer. */
  request(request: Q): Promise<R> {
    const worker = this.start();
    request.id = this.next_id++;
    return new Promise<R>((resolve, reject) => {
      this.waiting.set(request.id, { resolve, reject });
      worker.ref();
      worker.postMessage(request);
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = startWorker(this.module, this.config());
    worker.on('message', (message: WorkerAnswer<R> | WorkerAnswer<R>[]) => {
      for (const a of Array.isArray(message) ? message : [message]) {
        const w = this.waiting.get(a.id);
        if (!w) continue;
        this.waiting.delete(a.id);
        if (a.ok) w.resolve(a.result);
        else w.reject(Object.assign(new Error(a.error), { code: a.code ?? undefined }));
      }
      // An idle worker must not keep the process alive; a busy one must.
      if (this.waiting.size === 0) worker.unref();
    });
    const fail = (error: unknown) => {
      for (const w of this.waiting.values()) w.reject(error);
      this.waiting.clear();
      if (this.worker === worker) this.worker = null;
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the ${this.name} stopped (exit ${code})`)));
    this.worker = worker;
    return worker;
  }

  /** Stops the thread, after the requests it holds when `drain`. */
  async close(drain: boolean): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    while (drain && this.waiting.size > 0) await new Promise((r) => setTimeout(r, 5));
    this.worker = null;
    await worker.terminate();
  }
}

/** The error of a failed request as a worker answers it. */
export function failedAnswer(id: number, error: unknown): { id: number; ok: false; error: string; code: string | null } {
  const e = error as { message?: unknown; code?: unknown } | null;
  return { id, ok: false, error: String(e?.message ?? error), code: typeof e?.code === 'string' ? e.code : null };
}
