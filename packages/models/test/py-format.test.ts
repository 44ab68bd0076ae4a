import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PyFloat, pyFloatRepr, pyJsonDumps, pyYamlDump, pyYamlLoad } from '@runlog/core/internal';

// Generated once with MLflow 3.18's venv (PyYAML 6, pure-Python SafeDumper):
//   yaml.safe_dump(values, default_flow_style=False)
// where `values` is the dict below with 1.0, 1e20 and 1e16 as Python floats.
const PYYAML_GOLDEN = String.raw`? ''
: emptykey
Z: 1
a: 2
bool_like: 'yes'
colon: 'a: b'
crlf: "a\r\nb"
ctrl: "a\x01b"
dash: '- x'
dashes: '---x'
date: '2026-01-01'
dots: '...'
dq: say "hi"
emoji: "x\U0001F600y"
empty: ''
empty_dict: {}
empty_list: []
float_like: '1.5'
floats:
- 0.5
- 1.0
- 1.0e-05
- 1.0e+20
- 123.456
- -0.0
- .inf
- -.inf
- 1.0e+16
- 0.0001
hash: 'a #b'
hexint: '0x1F'
int_like: '123'
ints:
- 0
- -1
- 1099511627776
lead_space: ' x'
list_of_dicts:
- x: 1
  y: z
- x: 2
long: word0 word1 word2 word3 word4 word5 word6 word7 word8 word9 word10 word11 word12
  word13 word14 word15 word16 word17 word18 word19 word20 word21 word22 word23 word24
  word25 word26 word27 word28 word29 word30 word31 word32 word33 word34 word35 word36
  word37 word38 word39
? long_key_kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk
: v
longdq: "\xE9 w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12 w13 w14 w15 w16 w17 w18 w19\
  \ w20 w21 w22 w23 w24 w25 w26 w27 w28 w29 w30 w31 w32 w33 w34 w35 w36 w37 w38 w39"
longq: '''w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12 w13 w14 w15 w16 w17 w18 w19 w20
  w21 w22 w23 w24 w25 w26 w27 w28 w29 w30 w31 w32 w33 w34 w35 w36 w37 w38 w39'
nbsp: "a\_b"
nested_list:
- - 1
  - 2
- a:
  - true
  - null
  b: 1
newline: 'line1

  line2'
null_like: 'null'
octal: '012'
path: file:///tmp/mlruns/0/models/m-abc/artifacts
plain: hello world
quote: it's
star: '*x'
tab: "a\tb"
tilde: '~'
trail: 'x '
ts: '2026-01-01 10:00:00'
unicode: "h\xE9llo \u2713"
ver: 1.17.0
weird key: 1
"\xE9": 3
`;

const values = {
  plain: 'hello world', int_like: '123', float_like: '1.5', ver: '1.17.0', bool_like: 'yes', null_like: 'null', empty: '',
  colon: 'a: b', hash: 'a #b', lead_space: ' x', trail: 'x ', dash: '- x', star: '*x', quote: "it's", dq: 'say "hi"',
  unicode: 'héllo ✓', emoji: 'x😀y', newline: 'line1\nline2', tab: 'a\tb',
  long: Array.from({ length: 40 }, (_, i) => `word${i}`).join(' '),
  longq: "'" + Array.from({ length: 40 }, (_, i) => `w${i}`).join(' '),
  longdq: 'é ' + Array.from({ length: 40 }, (_, i) => `w${i}`).join(' '),
  path: 'file:///tmp/mlruns/0/models/m-abc/artifacts',
  hexint: '0x1F', octal: '012', date: '2026-01-01', ts: '2026-01-01 10:00:00', tilde: '~', dots: '...', dashes: '---x',
  floats: [0.5, new PyFloat(1), 1e-5, new PyFloat(1e20), 123.456, -0, Infinity, -Infinity, new PyFloat(1e16), 0.0001],
  ints: [0, -1, 2 ** 40],
  nested_list: [[1, 2], { b: 1, a: [true, null] }], empty_list: [], empty_dict: {}, 'weird key': 1, '': 'emptykey', Z: 1, a: 2, é: 3,
  list_of_dicts: [{ x: 1, y: 'z' }, { x: 2 }], crlf: 'a\r\nb', nbsp: 'a\u00a0b', ctrl: 'a\u0001b',
  ['long_key_' + 'k'.repeat(130)]: 'v',
};

describe('pyYamlDump', () => {
  it('writes what PyYAML safe_dump writes: quoting, escapes, folding at 80 columns, sequences, sorted keys', () => {
    assert.equal(pyYamlDump(values), PYYAML_GOLDEN);
  });

  it('keeps insertion order with sortKeys: false', () => {
    assert.equal(pyYamlDump({ b: 1, a: ['x'] }, { sortKeys: false }), 'b: 1\na:\n- x\n');
  });

  it('writes an empty mapping as {}', () => {
    assert.equal(pyYamlDump({}), '{}\n');
  });

  it('reads its output back to the same strings', () => {
    const back = pyYamlLoad(PYYAML_GOLDEN) as Record<string, unknown>;
    for (const k of ['plain', 'int_like', 'ver', 'bool_like', 'colon', 'unicode', 'emoji', 'newline', 'long', 'longq', 'longdq', 'crlf', 'ts', 'date']) {
      assert.equal(back[k], (values as Record<string, unknown>)[k], k);
    }
  });
});

describe('Python float repr and json.dumps', () => {
  it('formats floats as repr() does', () => {
    // ["0.1", "1.0", "1e-05", "1e+20", "123.456", "1e+16", "1000000000000000.0", "0.0001", "0.00012345",
    //  "5e-324", "1.7976931348623157e+308", "-2.5", "0.3333333333333333", "14142135623.730951"] from Python 3.11
    const xs = [0.1, 1, 1e-5, 1e20, 123.456, 1e16, 1e15, 0.0001, 0.00012345, 5e-324, 1.7976931348623157e308, -2.5, 1 / 3, 2 ** 0.5 * 1e10];
    assert.deepEqual(xs.map(pyFloatRepr), [
      '0.1', '1.0', '1e-05', '1e+20', '123.456', '1e+16', '1000000000000000.0', '0.0001', '0.00012345',
      '5e-324', '1.7976931348623157e+308', '-2.5', '0.3333333333333333', '14142135623.730951',
    ]);
  });

  it("uses json.dumps separators, ensure_ascii escapes and Python's NaN/Infinity", () => {
    assert.equal(
      pyJsonDumps({ a: [1, new PyFloat(2), 0.5], s: 'é"\n', n: null, x: [NaN, Infinity] }),
      '{"a": [1, 2.0, 0.5], "s": "\\u00e9\\"\\n", "n": null, "x": [NaN, Infinity]}',
    );
    assert.equal(pyJsonDumps({ a: [1, []], b: {} }, { indent: 2 }), '{\n  "a": [\n    1,\n    []\n  ],\n  "b": {}\n}');
  });
});
