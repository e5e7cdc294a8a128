// Hash routing (#/claims/c_123?state=submitted): the server serves one index.html and never needs to know the
// dashboard's paths; back/forward and bookmarks work.
import { useEffect, useState } from 'react';

export interface Route {
  path: string[];
  query: URLSearchParams;
}

function parse(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const [p = '', q = ''] = raw.split('?', 2);
  return {
    path: p
      .split('/')
      .filter((s) => s !== '')
      .map(decodeURIComponent),
    query: new URLSearchParams(q),
  };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parse(location.hash));
  useEffect(() => {
    const on = () => setRoute(parse(location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

/** `href('claims', id)` → "#/claims/<id>"; query values left out when empty. */
export function href(...parts: (string | Record<string, string | undefined>)[]): string {
  const segs: string[] = [];
  let query = '';
  for (const p of parts) {
    if (typeof p === 'string') segs.push(encodeURIComponent(p));
    else {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(p)) if (v !== undefined && v !== '') q.set(k, v);
      const s = q.toString();
      if (s !== '') query = `?${s}`;
    }
  }
  return `#/${segs.join('/')}${query}`;
}

export function navigate(to: string, replace = false): void {
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}
