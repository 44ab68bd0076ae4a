export type TokenKind = 'ident' | 'string' | 'number' | 'op' | 'lparen' | 'rparen' | 'comma';

/**
 * One lexical token of a search filter or order-by clause.
 *
 * `text` is the exact source slice, quotes included; `pos` is its 0-based offset in the source.
 * An `ident` is a whole dotted chain (`tags."my key"`, ``params.`a b` ``, `mlflow.runName`) kept raw,
 * because MLflow splits and unquotes the chain's text as one string, not segment by segment.
 * `word` is set when the ident is a single unquoted segment: that is how keywords (AND, IN, NOT,
 * IS, NULL, LIKE, ILIKE, ASC, DESC) appear, so a quoted or dotted name is never a keyword.
 */
export interface Token {
  kind: TokenKind;
  text: string;
  pos: number;
  word?: string;
}

/** Where and how tokenizing failed; the caller wraps it into a message naming its input. */
export type LexErrorReporter = (pos: number, message: string) => never;

// Python's \w for str patterns: Unicode letters, digits, marks and underscore.
const WORD = /[\p{L}\p{N}\p{M}_]+/uy;
// A chain's first segment may not start with a digit: `1abc` is a malformed number, not a name.
const WORD_START = /[\p{L}\p{M}_]/uy;
// Quoted forms as sqlparse (MLflow's lexer) matches them: a doubled quote, or a backslash before
// the quote, stays inside. MLflow strips only the outer quotes and never unescapes, nor do we.
const SINGLE_QUOTED = /'(?:''|\\'|[^'])*'/y;
const DOUBLE_QUOTED = /"(?:""|\\"|[^"])*"/y;
const BACKTICK_QUOTED = /`(?:``|[^`])*`/y;
// A superset of the numbers sqlparse accepts (it rejects `1e+3` and `-.5e2`, which are plainly numbers).
const NUMBER = /-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?/y;
const NUMBER_START = /-?\.?\d/y;
const NUMBER_TAIL = /[\p{L}\p{N}\p{M}_.]+/uy;
// `==` and `<>` are lexed so the parser can name them in its error; MLflow rejects both too.
const OPERATOR = /==|<>|!=|>=|<=|=|<|>/y;
const SPACE = /\s+/y;

function matchAt(re: RegExp, src: string, i: number): number {
  re.lastIndex = i;
  return re.test(src) ? re.lastIndex : -1;
}

/** Splits `src` into tokens, skipping whitespace. Calls `fail` (which throws) on a lexical error. */
export function tokenize(src: string, fail: LexErrorReporter): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const spaceEnd = matchAt(SPACE, src, i);
    if (spaceEnd !== -1) {
      i = spaceEnd;
      continue;
    }
    const ch = src[i] as string;
    const single = ({ '(': 'lparen', ')': 'rparen', ',': 'comma' } as const)[ch as '(' | ')' | ','];
    if (single !== undefined) {
      tokens.push({ kind: single, text: ch, pos: i });
      i += 1;
      continue;
    }
    const opEnd = matchAt(OPERATOR, src, i);
    if (opEnd !== -1) {
      tokens.push({ kind: 'op', text: src.slice(i, opEnd), pos: i });
      i = opEnd;
      continue;
    }
    if (ch === "'") {
      const end = matchAt(SINGLE_QUOTED, src, i);
      if (end === -1) fail(i, 'unterminated string literal');
      tokens.push({ kind: 'string', text: src.slice(i, end), pos: i });
      i = end;
      continue;
    }
    if (matchAt(NUMBER_START, src, i) !== -1) {
      // NUMBER_START guarantees NUMBER matches at least `-?.?\d`.
      const end = matchAt(NUMBER, src, i);
      // `1abc`, `1.2.3`: a number glued to more name characters is neither a number nor a name.
      const glued = matchAt(NUMBER_TAIL, src, end);
      if (glued !== -1) fail(i, `malformed number '${src.slice(i, glued)}'`);
      tokens.push({ kind: 'number', text: src.slice(i, end), pos: i });
      i = end;
      continue;
    }
    if (ch === '`' || ch === '"' || matchAt(WORD_START, src, i) !== -1) {
      const end = lexIdentChain(src, i, fail);
      const text = src.slice(i, end);
      const token: Token = { kind: 'ident', text, pos: i };
      if (matchAt(WORD, text, 0) === text.length) token.word = text.toUpperCase();
      tokens.push(token);
      i = end;
      continue;
    }
    const cp = String.fromCodePoint(src.codePointAt(i) ?? 0);
    fail(i, `unexpected character '${cp}'`);
  }
  return tokens;
}

/** Returns the end offset of the identifier chain starting at `start`: segment ('.' segment)*. */
function lexIdentChain(src: string, start: number, fail: LexErrorReporter): number {
  let i = start;
  let first = true;
  for (;;) {
    const end = lexSegment(src, i, first, fail);
    if (end === -1) fail(i, `expected a name after '.'`);
    i = end;
    if (src[i] !== '.') return i;
    i += 1;
    first = false;
  }
}

function lexSegment(src: string, i: number, first: boolean, fail: LexErrorReporter): number {
  const ch = src[i];
  const quoted = ch === '`' ? BACKTICK_QUOTED : ch === '"' ? DOUBLE_QUOTED : ch === "'" && !first ? SINGLE_QUOTED : undefined;
  if (quoted !== undefined) {
    const end = matchAt(quoted, src, i);
    if (end === -1) fail(i, `unterminated quoted name starting with ${ch}`);
    return end;
  }
  if (first && matchAt(WORD_START, src, i) === -1) return -1;
  return matchAt(WORD, src, i);
}
