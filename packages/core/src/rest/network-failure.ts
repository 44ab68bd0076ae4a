/**
 * Why a request never got an HTTP answer, told apart from the low-level error undici or Node
 * gives: each cause gets its own `reason` and a message that says what to check, so a TLS mismatch
 * or a typo in the host name does not look like an outage.
 */

/**
 * - `refused`: nothing listens at that address (ECONNREFUSED).
 * - `dns`: the host name did not resolve (ENOTFOUND, EAI_AGAIN).
 * - `tls`: the TLS handshake failed: an https:// URI pointed at a plain-http server, or a
 *   certificate that is not trusted. Sending again does not help.
 * - `connect-timeout`: no connection within the connect timeout (a host that drops packets).
 * - `timeout`: connected, but no answer within the request timeout.
 * - `reset`: the connection broke (reset, closed) before an answer.
 * - `other`: anything else (host or network unreachable, ...).
 */
export type NetworkFailureReason = 'refused' | 'dns' | 'tls' | 'connect-timeout' | 'timeout' | 'reset' | 'other';

const TLS_MISMATCH = /wrong version number|packet length too long|unknown protocol|http request|ERR_SSL_/i;
const CERT_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS_CERT_ALTNAME_INVALID/;

/** The code of `err` or of the first cause that has one. */
function errCode(err: unknown): string {
  let e = err as { code?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 4; depth++) {
    if (typeof e.code === 'string' && e.code !== 'UND_ERR_SOCKET') return e.code;
    e = e.cause as typeof e;
  }
  return typeof (err as { code?: unknown })?.code === 'string' ? String((err as { code: string }).code) : '';
}

function errText(err: unknown): string {
  const parts: string[] = [];
  let e = err as { message?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 4; depth++) {
    if (typeof e.message === 'string') parts.push(e.message);
    e = e.cause as typeof e;
  }
  return parts.join(' / ');
}

export function classifyNetworkFailure(err: unknown): NetworkFailureReason {
  const code = errCode(err);
  const text = errText(err);
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') return 'dns';
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return 'connect-timeout';
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'ETIMEDOUT') return 'timeout';
  if (code === 'EPROTO' || code.startsWith('ERR_SSL_') || CERT_CODES.test(code) || TLS_MISMATCH.test(text)) return 'tls';
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CLOSED') return 'reset';
  return 'other';
}

/** True for failures that sending again cannot cure (a TLS mismatch, an untrusted certificate). */
export function isPermanentNetworkFailure(reason: NetworkFailureReason): boolean {
  return reason === 'tls';
}

/** True when no connection was made at all: the server is away, not merely slow. */
export function isConnectFailure(reason: NetworkFailureReason): boolean {
  return reason === 'refused' || reason === 'dns' || reason === 'tls' || reason === 'connect-timeout';
}

/**
 * One sentence for the failure, naming the server and the request (never credentials): what
 * happened and what to check.
 */
export function describeNetworkFailure(
  reason: NetworkFailureReason,
  err: unknown,
  ctx: { origin: string; request: string; connectTimeoutMs: number; timeoutMs: number },
): string {
  const code = errCode(err) || (err as Error)?.message || 'unknown error';
  const { origin, request } = ctx;
  switch (reason) {
    case 'refused':
      return `Connection refused by ${origin} (${request}): no MLflow server is listening there; is it running, and is the port right?`;
    case 'dns':
      return `The host of ${origin} could not be resolved (${code}, ${request}): check the host name in the tracking URI.`;
    case 'tls': {
      const cert = CERT_CODES.test(code);
      if (cert) {
        return `The TLS certificate of ${origin} is not trusted (${code}, ${request}): set MLFLOW_TRACKING_SERVER_CERT_PATH to its CA bundle, or MLFLOW_TRACKING_INSECURE_TLS=true to skip the check.`;
      }
      return `TLS handshake with ${origin} failed (${code}, ${request}): the server does not seem to speak TLS; if it is a plain-http server, use http:// in the tracking URI.`;
    }
    case 'connect-timeout':
      return `${origin} did not accept a connection within ${ctx.connectTimeoutMs} ms (${request}): the host is down or unreachable from here.`;
    case 'timeout':
      return `${origin} accepted the connection but did not answer within ${ctx.timeoutMs} ms (${request}).`;
    case 'reset':
      return `The connection to ${origin} broke off before an answer (${code}, ${request}).`;
    default:
      return `Could not reach the MLflow server at ${origin} (${request}): ${code}`;
  }
}
