// A registry filter clause matching one model name exactly, whatever characters it holds.
//
// MLflow's filter strings have no escapes: a value's outer quotes are stripped and nothing else,
// so `'it\'s'` means the text `it\'s`. A name with a ' is therefore written in double quotes, any
// other name in single quotes. A name with both kinds of quote cannot be written as a literal: it
// is matched with LIKE, each ' a one-character wildcard, which can also match other names, so the
// caller keeps only results whose name equals the one asked for (`sameName`).

export function nameFilter(name: string): string {
  if (!name.includes("'")) return `name = '${name}'`;
  if (!name.includes('"')) return `name = "${name}"`;
  return `name LIKE '${name.replace(/'/g, '_')}'`;
}

/** Keeps the entries of exactly `name` (a LIKE filter can match others). */
export function sameName<T extends { name?: string }>(name: string, items: readonly T[]): T[] {
  return items.filter((item) => item.name === name);
}
