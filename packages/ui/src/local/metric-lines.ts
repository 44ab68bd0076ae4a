/**
 * The lines of a FileStore metric file (`<timestamp> <value> <step>\n`), parsed from bytes.
 *
 * A chart of a 1,000,000-point metric reads the whole file, so this is the ui's hot path: one pass
 * over the bytes in plain JavaScript (one native call per line, for the value's text, and no other
 * string), checking the common line's grammar as it goes. A line that is not
 * the common kind (NaN, inf, a sign on the timestamp, extra fields, a trailing space, a timestamp
 * or step of more than 15 digits) is handed to core's full parser, which reads Python's float
 * grammar and says what is wrong with a malformed line. Both give the same numbers for every line
 * the fast path takes: the value's text goes to parseFloat only once it is known to be a complete
 * decimal literal, and parseFloat rounds correctly, as Python's float() does.
 */
import { parseMetricLine } from '@runlog/core/internal';
import type { MetricHistory } from './metric-history.js';

const NEWLINE = 0x0a;
const SPACE = 0x20;
const PLUS = 0x2b;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
/** Integers of at most 15 digits are exact in a double. */
const MAX_INT_DIGITS = 15;

const isDigit = (c: number) => c >= ZERO && c <= NINE;

/** What parseLines found wrong, for the caller's error message. */
export interface MalformedLine {
  /** 1-based line number within the bytes given. */
  line: number;
  reason: string;
}

/**
 * Parses the complete lines of buf[0, end) into `history`. Returns the index just past the last
 * complete line (a torn last line is left for the next read) and the number of lines read, or the
 * first malformed line (nothing after it is pushed; the lines before it are).
 */
export function parseLines(buf: Buffer, end: number, history: MetricHistory): { consumed: number; lines: number } | MalformedLine {
  let lineStart = 0;
  let lines = 0;
  while (lineStart < end) {
    const nl = fastLine(buf, lineStart, end, history);
    if (nl === -1) {
      // Not the common kind, or incomplete: find the line's end the plain way.
      const stop = buf.indexOf(NEWLINE, lineStart);
      if (stop === -1 || stop >= end) break;
      lines++;
      if (stop > lineStart) {
        const p = parseMetricLine(buf.toString('latin1', lineStart, stop));
        if (typeof p === 'string') return { line: lines, reason: p };
        history.push(p.timestamp, p.value, p.step);
      }
      lineStart = stop + 1;
    } else {
      lines++;
      lineStart = nl + 1;
    }
  }
  return { consumed: lineStart, lines };
}

/**
 * One common line starting at `i`: pushes it and returns the index of its newline, or returns -1
 * (nothing pushed) when the line is of another kind or has no newline before `end`.
 */
function fastLine(buf: Buffer, i: number, end: number, history: MetricHistory): number {
  // timestamp: 1-15 digits
  let timestamp = 0;
  const t0 = i;
  while (i < end && isDigit(buf[i]!)) timestamp = timestamp * 10 + (buf[i++]! - ZERO);
  if (i === t0 || i - t0 > MAX_INT_DIGITS || i >= end || buf[i] !== SPACE) return -1;
  // value: [-+]? (digits [. digits?] | . digits) ([eE] [-+]? digits)?
  const v0 = ++i;
  if (i < end && (buf[i] === MINUS || buf[i] === PLUS)) i++;
  let mantissaDigits = 0;
  while (i < end && isDigit(buf[i]!)) (i++, mantissaDigits++);
  if (i < end && buf[i] === DOT) {
    i++;
    while (i < end && isDigit(buf[i]!)) (i++, mantissaDigits++);
  }
  if (mantissaDigits === 0) return -1;
  if (i < end && (buf[i] === LOWER_E || buf[i] === UPPER_E)) {
    i++;
    if (i < end && (buf[i] === MINUS || buf[i] === PLUS)) i++;
    const e0 = i;
    while (i < end && isDigit(buf[i]!)) i++;
    if (i === e0) return -1;
  }
  const v1 = i;
  if (i >= end || buf[i] !== SPACE) return -1;
  // step: -? 1-15 digits, then the newline
  i++;
  const negative = i < end && buf[i] === MINUS;
  if (negative) i++;
  let step = 0;
  const s0 = i;
  while (i < end && isDigit(buf[i]!)) step = step * 10 + (buf[i++]! - ZERO);
  if (i === s0 || i - s0 > MAX_INT_DIGITS || i >= end || buf[i] !== NEWLINE) return -1;
  const value = parseFloat(buf.toString('latin1', v0, v1));
  // Overflow to ±Infinity is left to the full parser, which reads it as Python does.
  if (!Number.isFinite(value)) return -1;
  history.push(timestamp, value, negative ? -step : step);
  return i;
}
