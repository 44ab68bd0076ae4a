// Small HTTP helpers for the ui server tests: JSON calls that return status and body.
export interface JsonAnswer<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export async function getJson<T = any>(base: string, path: string, headers: Record<string, string> = {}): Promise<JsonAnswer<T>> {
  const res = await fetch(base + path, { headers });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

export async function postJson<T = any>(base: string, path: string, body: unknown, method = 'POST', headers: Record<string, string> = {}): Promise<JsonAnswer<T>> {
  const res = await fetch(base + path, { method, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}
