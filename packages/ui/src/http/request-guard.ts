/**
 * Checks made before any route runs: on a loopback server, the Host header must name loopback
 * (so a web page on another site cannot reach it through DNS rebinding); a state-changing request
 * sent by a browser must come from this server's own origin.
 */
import type { IncomingMessage } from 'node:http';
import { ApiError } from './api-error.js';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_NAMES.has(host.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(host) || host.toLowerCase().endsWith('.localhost');
}

function hostnameOf(hostHeader: string): string {
  if (hostHeader.startsWith('[')) return hostHeader.slice(0, hostHeader.indexOf(']') + 1);
  const colon = hostHeader.lastIndexOf(':');
  return colon === -1 ? hostHeader : hostHeader.slice(0, colon);
}

export function guardRequest(req: IncomingMessage, loopbackOnly: boolean): void {
  const host = req.headers.host ?? '';
  if (loopbackOnly && !isLoopbackHost(hostnameOf(host))) {
    throw new ApiError(403, 'PERMISSION_DENIED', 'This runlog ui server only answers requests addressed to localhost.');
  }
  const method = req.method ?? 'GET';
  const origin = req.headers.origin;
  if (method !== 'GET' && method !== 'HEAD' && origin !== undefined) {
    let originHost: string;
    try {
      originHost = new URL(origin).host;
    } catch {
      originHost = '';
    }
    if (originHost !== host) throw new ApiError(403, 'PERMISSION_DENIED', `Cross-origin requests from ${origin} are refused.`);
  }
}
