import { readdir } from 'node:fs/promises';

/** Every file under `dir`, as '/'-separated paths relative to it (keys with '/' are sub-directories). */
export async function listFilesRecursive(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true, recursive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw err;
  }
  const out: string[] = [];
  for (const e of entries) {
    if (!e.isFile()) continue;
    // Node 20 names the entry's directory `parentPath` (newer) or `path` (20.0-20.11).
    const parent = (e as { parentPath?: string }).parentPath ?? (e as { path?: string }).path ?? dir;
    const rel = parent === dir ? e.name : `${parent.slice(dir.length + 1)}/${e.name}`;
    out.push(rel.split('\\').join('/'));
  }
  return out;
}
