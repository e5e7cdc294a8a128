// The dashboard's only door to the server: JSON over fetch with the session cookie, the CSRF token on every
// state-changing call, and the API's error shape turned into an ApiError the pages can show.
import type { Answers, Components } from './contract.gen.js';

export type ErrorDetail = Components['Error']['error']['details'][number];

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details: ErrorDetail[] = []) {
    super(message);
  }
}

let csrf_token: string | null = null;
/** Called with the token from sign-in or /me; cleared on sign-out. */
export function setCsrfToken(token: string | null): void { csrf_token = token; }

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
    res = await fetch(`/api/v1${path}`, { method, headers, credentials: 'same-origin', ...(body === undefined ? {} : { body: JSON.stringify(body) }), ...(signal ? { signal } : {}) });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(0, 'network', (error as Error).message);
  }
  const text = await res.text();
  const json: unknown = text === '' ? null : safeParse(text);
  if (!res.ok) {
    const e = (json as { error?: { code?: string; message?: string; details?: ErrorDetail[] } } | null)?.error;
    if (res.status === 401 && path !== '/auth/login') for (const l of on_unauthorized) l();
    throw new ApiError(res.status, e?.code ?? `http_${res.status}`, e?.message ?? res.statusText, e?.details ?? []);
  }
  return json as T;
}

function safeParse(text: string): unknown {
  try { return JSON.parse(text); } catch { return null; }
}

export const api = {
  get: <T>(path: string, query?: Query, signal?: AbortSignal) => request<T>('GET', withQuery(path, query), undefined, signal),
  post: <T>(path: string, body: unknown = {}) => request<T>('POST', path, body),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, body),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, body),
  delete: <T>(path: string) => request<T>('DELETE', path),
};

/** Every page of a cursor-paginated list, up to a bound (the dashboard never loads a whole table). */
export async function allPages<T>(path: string, query: Query = {}, items_max = 2000): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: T[]; next_cursor: string | null } = await api.get(path, { ...query, limit: 500, cursor });
    out.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor !== null && out.length < items_max);
  return out.slice(0, items_max);
}

export type Role = 'administrator' | 'provider' | 'enterprise' | 'auditor';
// The server documents `role` as a string; the dashboard knows the four roles it may hold.
export type Me = Omit<Answers['GET /me'], 'role'> & { role: Role };
export type User = Omit<Answers['GET /users']['items'][number], 'role'> & { role: Role };
