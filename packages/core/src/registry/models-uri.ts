import { InvalidArgumentError } from '../errors.js';

/**
 * The registry forms of a `models:/` URI, as MLflow's `_parse_model_uri` reads them:
 * `models:/<name>/<version>`, `models:/<name>/<stage>`, `models:/<name>/latest`,
 * `models:/<name>@<alias>`, and `models:/<model_id>` (an MLflow 3 LoggedModel).
 * @runlog/models has the full model-URI parser; this one serves the registry stores, which
 * resolve `models:/` sources without depending on it.
 */
export type ModelsUriRef =
  | { kind: 'version'; name: string; version: string }
  | { kind: 'stage'; name: string; stage: string }
  | { kind: 'latest'; name: string }
  | { kind: 'alias'; name: string; alias: string }
  | { kind: 'logged-model'; modelId: string };

export function parseModelsUri(uri: string): ModelsUriRef {
  const bad = (): never => {
    throw new InvalidArgumentError(
      `Not a proper models:/ URI: '${uri}'. Models URIs must be of the form 'models:/model_name/suffix' or ` +
        "'models:/model_name@alias' where suffix is a model version, stage, or the string 'latest' and where " +
        "alias is a registered model alias. Only one of suffix or alias can be defined at a time.",
    );
  };
  const m = /^models:\/(?!\/)([^?#]*)$/i.exec(uri);
  if (!m) return bad();
  const parts = m[1]!.split('/');
  if (parts.length === 2) {
    const [name, suffix] = parts as [string, string];
    if (!name || !suffix || name.includes('@')) return bad();
    if (/^\d+$/.test(suffix)) return { kind: 'version', name, version: String(Number(suffix)) };
    if (suffix.toLowerCase() === 'latest') return { kind: 'latest', name };
    return { kind: 'stage', name, stage: suffix };
  }
  if (parts.length !== 1 || !parts[0]) return bad();
  const only = parts[0];
  const at = only.lastIndexOf('@');
  if (at === -1) return { kind: 'logged-model', modelId: only };
  const name = only.slice(0, at);
  const alias = only.slice(at + 1);
  if (!name || !alias) return bad();
  return { kind: 'alias', name, alias };
}
