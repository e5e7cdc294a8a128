// The dashboard's only door to the server: JSON over fetch with the session cookie, the CSRF token on every
// state-changing call, and the API's error answer turned into an ApiError the pages can show and read as values.
import type { Components } from './contract.gen.js';

/** The one shape of every error answer, with what some codes carry beside `error` (all_records_rejected: `rejected`, …). */
export type ErrorBody = Components['Error'];
export type ErrorDetail = ErrorBody['error']['details'][number];

export class ApiError extends Error {
  /**
   * `code` is the answer's (docs/errors.md), or `network` / `http_<status>` when no error body came back; `body` is the
   * whole answer (null then), so that a page reads a code's structured part instead of parsing the message.
   */
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
    readonly body: ErrorBody | null = null,
  ) {
    super(message);
  }
}

let csrf_token: string | null = null;
/** Called with the token from sign-in or /me; cleared on sign-out. */
export function setCsrfToken(token: string | null): void {
  csrf_token = token;
}

/** Listeners told when the server says the session is gone (401), so the app can show the sign-in page. */
const on_unauthorized = new Set<() => void>();
export function onUnauthorized(listener: () => void): () => void {
  on_unauthorized.add(listener);
  return () => on_unauthorized.delete(listener);
}

type Query = Record<string, string | number | boolean | undefined | null>;

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const s = params.toString();
  return s === '' ? path : `${path}?${s}`;
}

async function request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrf_token !== null) headers['x-csrf-token'] = csrf_token;
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(0, 'network', (error as Error).message);
  }
  const text = await res.text();
  const json: unknown = text === '' ? null : safeParse(text);
  if (!res.ok) {
    const body = isErrorBody(json) ? json : null;
    if (res.status === 401 && path !== '/auth/login') for (const l of on_unauthorized) l();
    throw new ApiError(res.status, body?.error.code ?? `http_${res.status}`, body?.error.message ?? res.statusText, body?.error.details ?? [], body);
  }
  return json as T;
}

/** An answer in the API's error shape (a proxy's or an old server's error page is not). */
function isErrorBody(json: unknown): json is ErrorBody {
  const e = (json as { error?: unknown } | null)?.error as Partial<ErrorBody['error']> | undefined;
  return typeof e === 'object' && e !== null && typeof e.code === 'string' && typeof e.message === 'string' && Array.isArray(e.details);
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export const api = {
  get: <T>(path: string, query?: Query, signal?: AbortSignal) => request<T>('GET', withQuery(path, query), undefined, signal),
  post: <T>(path: string, body: unknown = {}) => request<T>('POST', path, body),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, body),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, body),
  delete: <T>(path: string) => request<T>('DELETE', path),
};

/** A cursor-paginated answer (the contract's `…Page` types, `Page(X)` on the server). */
interface CursorPage {
  items: unknown[];
  next_cursor: string | null;
}

/** Every page of a cursor-paginated list, up to a bound (the dashboard never loads a whole table). */
export async function allPages<P extends CursorPage>(path: string, query: Query = {}, items_max = 2000): Promise<P['items']> {
  const out: P['items'] = [];
  let cursor: string | null = null;
  do {
    const page: P = await api.get(path, { ...query, limit: 500, cursor });
    out.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor !== null && out.length < items_max);
  return out.slice(0, items_max);
}
