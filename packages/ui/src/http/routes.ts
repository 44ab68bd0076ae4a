/**
 * The MLflow REST routes a runlog ui server answers, under `/api/2.0/mlflow/` and
 * `/ajax-api/2.0/mlflow/`, in both modes. Anything else under those prefixes is 404
 * ENDPOINT_NOT_FOUND. Writes are refused with 403 under `--read-only`.
 */
export interface RouteSpec {
  methods: readonly string[];
  /** A write: what it does, for the read-only refusal. */
  write?: string;
}

export const MLFLOW_ROUTES: Readonly<Record<string, RouteSpec>> = {
  'experiments/search': { methods: ['GET', 'POST'] },
  'experiments/get': { methods: ['GET'] },
  'experiments/get-by-name': { methods: ['GET'] },
  'runs/search': { methods: ['POST'] },
  'runs/get': { methods: ['GET'] },
  'runs/update': { methods: ['POST'], write: 'Updating a run' },
  'runs/set-tag': { methods: ['POST'], write: 'Setting a tag' },
  'runs/delete-tag': { methods: ['POST'], write: 'Deleting a tag' },
  'runs/delete': { methods: ['POST'], write: 'Deleting a run' },
  'runs/restore': { methods: ['POST'], write: 'Restoring a run' },
  'metrics/get-history': { methods: ['GET'] },
  'metrics/get-history-bulk-interval': { methods: ['GET'] },
  'artifacts/list': { methods: ['GET'] },
  'logged-models/search': { methods: ['POST'] },
  'logged-models/{model_id}': { methods: ['GET'] },
  'registered-models/search': { methods: ['GET'] },
  'registered-models/get': { methods: ['GET'] },
  'registered-models/get-latest-versions': { methods: ['GET', 'POST'] },
  'model-versions/search': { methods: ['GET'] },
  'model-versions/get': { methods: ['GET'] },
  'registered-models/alias': { methods: ['GET', 'POST', 'DELETE'] },
};

/** Which alias methods write. */
export function isWrite(route: string, method: string): string | undefined {
  if (route === 'registered-models/alias') {
    if (method === 'POST') return 'Setting an alias';
    if (method === 'DELETE') return 'Deleting an alias';
    return undefined;
  }
  return MLFLOW_ROUTES[route]?.write;
}

const API_PREFIXES = ['/api/2.0/mlflow/', '/ajax-api/2.0/mlflow/'];

/**
 * The route key of a request path (`/api/2.0/mlflow/runs/get` → `runs/get`,
 * `…/logged-models/m-123` → `logged-models/{model_id}` with the id), null when the path is not
 * under an MLflow API prefix, undefined route when no such route exists.
 */
export function matchMlflowRoute(pathname: string): { route: string | undefined; pathParam?: string } | null {
  const prefix = API_PREFIXES.find((p) => pathname.startsWith(p));
  if (prefix === undefined) return null;
  const rest = pathname.slice(prefix.length).replace(/\/+$/, '');
  if (Object.hasOwn(MLFLOW_ROUTES, rest) && !rest.includes('{')) return { route: rest };
  const lm = /^logged-models\/([^/]+)$/.exec(rest);
  if (lm && lm[1] !== 'search') return { route: 'logged-models/{model_id}', pathParam: decodeURIComponent(lm[1]!) };
  return { route: undefined };
}
