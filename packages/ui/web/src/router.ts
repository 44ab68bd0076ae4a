// The hash router: the page lives in the URL hash (`#/runs/<id>?tab=artifacts`), so every view is a
// stable deep link, the back button walks the history, and the server needs no SPA fallback.
import { signal } from '@preact/signals';

export interface Route {
  /** Path segments after `#/`, decoded: `#/models/my%20model` → ['models', 'my model']. */
  segments: string[];
  query: URLSearchParams;
}

function parse(hash: string): Route {
  const body = hash.replace(/^#\/?/, '');
  const q = body.indexOf('?');
  const path = q === -1 ? body : body.slice(0, q);
  const query = new URLSearchParams(q === -1 ? '' : body.slice(q + 1));
  const segments = path.split('/').filter(Boolean).map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
  return { segments, query };
}

/** The current route; pages read it and re-render when it changes. */
export const route = signal<Route>(parse(location.hash));

window.addEventListener('hashchange', () => {
  route.value = parse(location.hash);
});

type QueryValues = Record<string, string | undefined>;

/** `#/a/b?x=1` from segments and a query (empty values left out). */
export function href(segments: readonly string[], query: QueryValues = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(key, value);
  const text = params.toString();
  return `#/${segments.map(encodeURIComponent).join('/')}${text ? `?${text}` : ''}`;
}

/** Goes to a hash. `replace` rewrites the current history entry instead of adding one. */
export function navigate(hash: string, options: { replace?: boolean } = {}): void {
  if (hash === location.hash) return;
  if (options.replace) {
    history.replaceState(history.state, '', hash);
    route.value = parse(hash);
  } else {
    location.hash = hash;
  }
}

/** The current route with some query values changed (undefined or '' removes a key). */
export function withQueryChanges(changes: QueryValues): string {
  const current = route.value;
  const query: QueryValues = {};
  current.query.forEach((value, key) => {
    query[key] = value;
  });
  return href(current.segments, { ...query, ...changes });
}
