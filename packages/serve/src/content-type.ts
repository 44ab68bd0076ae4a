import { SCORING_PROTOCOL_CHANGE_INFO, ScoringError } from './scoring-error.js';

/** The request body formats /invocations reads. */
export type BodyFormat = 'json' | 'csv';

export const CONTENT_TYPE_JSON = 'application/json';
export const CONTENT_TYPE_CSV = 'text/csv';

function unsupported(message: string): ScoringError {
  return new ScoringError(415, 'BAD_REQUEST', message);
}

/**
 * Reads a Content-Type header as MLflow's scoring server does: `application/json` or `text/csv`,
 * whose only accepted parameter is `charset=utf-8` (any case). Anything else is a 415 with
 * MLflow's message. Media type names are compared case-insensitively (RFC 9110), where MLflow
 * compares them exactly; Parquet bodies, which MLflow also reads, are not supported.
 */
export function parseContentType(header: string | undefined): BodyFormat {
  if (header === CONTENT_TYPE_JSON) return 'json'; // the common case, without allocation
  if (header === undefined || header.trim() === '') {
    return unsupportedType('(none)');
  }
  const parts = header.split(';').map((p) => p.trim());
  const mime = parts[0]!.toLowerCase();
  const params = new Map<string, string>();
  // An empty parameter (`application/json;;`) is an unknown parameter named '', as in MLflow.
  for (const p of parts.slice(1)) {
    const eq = p.indexOf('=');
    params.set((eq < 0 ? p : p.slice(0, eq)).trim().toLowerCase(), eq < 0 ? '' : p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1'));
  }
  const charset = (params.get('charset') ?? 'utf-8').toLowerCase();
  if (charset !== 'utf-8') throw unsupported('The scoring server only supports UTF-8');
  params.delete('charset');
  if (params.size > 0) {
    throw unsupported(`Unrecognized content type parameters: ${[...params.keys()].map((k) => k || "''").join(', ')}. ${SCORING_PROTOCOL_CHANGE_INFO}`);
  }
  if (mime === CONTENT_TYPE_JSON) return 'json';
  if (mime === CONTENT_TYPE_CSV) return 'csv';
  return unsupportedType(header);
}

function unsupportedType(got: string): never {
  throw unsupported(
    `This predictor only supports the following content types: Types: ['${CONTENT_TYPE_CSV}', '${CONTENT_TYPE_JSON}']. Got '${got}'.`,
  );
}
