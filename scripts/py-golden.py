"""Golden outputs of Python's own encoders, for the tests of runlog's Python-compatible encoding.

Run with the interpreter of the MLflow test virtualenv (PyYAML with libyaml):
    python scripts/py-golden.py --write packages/core/test/fixtures/py-golden.json
Without --write it prints the same data as one JSON line (the interop test compares the two).

Values cross to JavaScript tagged: an int as {"$int": "<decimal>"}, a float as
{"$float": "<IEEE-754 bits, big-endian hex>"}, a date or datetime as {"$timestamp": "<iso>"}.
"""
import datetime
import json
import math
import random
import struct
import sys

import yaml

assert yaml.__with_libyaml__, "PyYAML was built without libyaml"


def f(x):
    return {"$float": struct.pack(">d", x).hex()}


def tag(v):
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, int):
        return {"$int": str(v)}
    if isinstance(v, float):
        return f(v)
    if isinstance(v, (datetime.date, datetime.datetime)):
        return {"$timestamp": v.isoformat()}
    if isinstance(v, list):
        return [tag(x) for x in v]
    if isinstance(v, dict):
        return {str(k): tag(x) for k, x in v.items()}
    raise TypeError(type(v))


# ---- float repr ----
SPECIAL_FLOATS = [
    0.0, -0.0, 1.0, -1.0, 0.5, 0.1, 0.1 + 0.2, 1 / 3, 2 / 3, 1e16, 1e16 - 2, 9999999999999998.0, 1e15, 123456789012345.0,
    1e-4, 1e-5, 0.00012345, 1e21, 1e22, 1e100, 1e-7, 1.5e-10, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
    math.nan, math.inf, -math.inf, 100.0, 1234.5, 2.0**53, 2.0**53 + 2, 2.0**63, 3.14159, -2.5e-7,
]


def random_floats(rng, n):
    out = []
    while len(out) < n:
        kind = len(out) % 3
        if kind == 0:
            x = struct.unpack(">d", struct.pack(">Q", rng.getrandbits(64)))[0]
            if not math.isfinite(x):
                continue
        elif kind == 1:
            x = round(rng.uniform(-1e6, 1e6), rng.randint(0, 8))
        else:
            x = rng.uniform(1, 10) * 10.0 ** rng.randint(-30, 30)
        out.append(x)
    return out


FLOATS = SPECIAL_FLOATS + random_floats(random.Random(12), 600)

# ---- json.dumps ----
JSON_VALUES = [
    {"a": [1, 2.0, 0.5], "s": "é\"\n\\\t\x01\x7f", "n": None, "b": [True, False], "x": [math.nan, math.inf, -math.inf]},
    {"emoji": "x😀y", "nested": {"empty_list": [], "empty_dict": {}, "list": [[1, [2.5e-7]], {"k": 1e16}]}},
    [10**30, -(2**63), -0.0, 1e22, 0.1 + 0.2],
    "plain",
    [],
]

# ---- YAML dump ----
LONG_WORDS = " ".join(f"word{i}" for i in range(40))
STRINGS = [
    "", "plain", "hello world", "yes", "no", "on", "off", "Yes", "NO", "y", "n", "true", "False", "null", "Null", "~",
    " lead", "trail ", "  two", ":", "a: b", "a:b", "a :b", "#", "a #b", "a#b", "- x", "-", "-x", "?", "? x", "?x",
    "---", "---x", "...", "*x", "&x", "!x", "|", ">", "%", "@x", "`x", "[x", "]", "{x", "}", ",x", "x,y", "'", '"',
    "it's", 'say "hi"', "héllo ✓", "x😀y", "\x85", "a\xa0b", "\u2028", "a\u2028b", "\ufeff", "\ufffe", "a\tb", "\r",
    "a\r\nb", "a\nb", "a\n\nb", "a\n", "\nab", "a \nb", "a\n b", "\x01", "\x7f", "\x1b[0m", "0x1F", "012", "08", "0o17",
    "1e3", "1.0", "1.5", "1_000", ".inf", "-.inf", ".nan", "2026-01-01", "2026-01-01 10:00:00", "1:20", "=", "<<",
    "1.17.0", "file:///tmp/mlruns/0/models/m-abc/artifacts", "-r requirements.txt", "python=3.11.9",
    LONG_WORDS, "'" + LONG_WORDS, "é " + LONG_WORDS, "\t" + LONG_WORDS, LONG_WORDS.replace(" ", "  "),
    LONG_WORDS + "\n" + LONG_WORDS, "x" * 100, "x" * 100 + " " + "y" * 100, "é" * 100 + " " + "é " * 30,
    "a" * 79 + " b", "a" * 80 + " b", "a" * 81 + " b", "a" * 79 + "  b", "a" * 85 + " " + "b" * 85 + "  c",
    "\U0001F600 " * 45, "\"" + "q " * 50,
]
KEYS = [
    "", "k" * 122, "k" * 123, "k" * 127, "k" * 128, "k" * 129, "é" * 64, "é" * 65, "a\nb", "a\rb", "yes", "1", "x😀", "😀" * 32, " k",
    "\ue000", "a\u2028b",
]
NUMBERS = [0, -1, 2**40, 2**53 + 1, 10**30, -(10**30), True, False, None] + [
    1e16, 1e-5, math.nan, math.inf, -math.inf, -0.0, 0.1 + 0.2, 1.0, 1e20, 123.456, 5e-324, 1.7976931348623157e308,
    0.0001, 1e22, 2.5e-7,
]
DOCUMENTS = [
    {"b": 1, "a": None, "c": [], "d": {}, "e": {"z": "q", "y": "0"}, "1": 6, "B": 2, "é": 3, "Z": {"x": [{}]}},
    {"list_of_dicts": [{"x": 1, "y": "z"}, {"x": 2}], "nested": [[1, 2], {"b": 1, "a": [True, None]}], "deep": {"a": {"b": {"c": [[], [[]], [{}]]}}}},
    {"name": "mlflow-env", "channels": ["conda-forge"], "dependencies": ["python=3.11.9", "pip", {"pip": ["mlflow==3.18.0", "numpy<2"]}]},
    {"flavors": {"python_function": {"env": {"conda": "conda.yaml", "virtualenv": "python_env.yaml"}, "loader_module": "mlflow.onnx"}},
     "signature": {"inputs": '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 4]}}]'}, "utc_time_created": "2026-01-01 10:00:00.123456"},
    [1, "two", [3, {"four": 4}], {}],
    [],
    {},
]
UNSORTED = [
    {"python": "3.11.9", "build_dependencies": ["pip", "setuptools", "wheel"], "dependencies": ["-r requirements.txt"]},
    {"zeta": 1, "alpha": {"y": 2, "x": [3]}, "mid": "m"},
]

DIALECTS = {
    # MLflow's FileStore meta.yaml (mlflow.utils.yaml_utils.write_yaml).
    "libyaml": lambda v, sort_keys=True, allow_unicode=True: yaml.dump(
        v, default_flow_style=False, allow_unicode=allow_unicode, sort_keys=sort_keys, Dumper=yaml.CSafeDumper
    ),
    # MLmodel, conda.yaml, python_env.yaml (yaml.safe_dump: pure-Python emitter).
    "pyyaml": lambda v, sort_keys=True, allow_unicode=False: yaml.safe_dump(
        v, default_flow_style=False, allow_unicode=allow_unicode, sort_keys=sort_keys
    ),
}


def dump_cases():
    cases = []

    def add(name, value, dialect, **opts):
        text = DIALECTS[dialect](value, **opts)
        cases.append({"name": name, "dialect": dialect, "options": opts, "value": tag(value), "text": text,
                      "loaded": tag(yaml.safe_load(text))})

    for dialect in DIALECTS:
        for unicode in (True, False):
            opts = {"allow_unicode": unicode}
            for i, s in enumerate(STRINGS):
                add(f"string {i} {s[:20]!r}", {"k": s}, dialect, **opts)
            for i, k in enumerate(KEYS):
                add(f"key {i} {k[:20]!r}", {k: "v", "m": 1}, dialect, **opts)
            add("numbers", {"v": NUMBERS}, dialect, **opts)
            for i, d in enumerate(DOCUMENTS):
                add(f"document {i}", d, dialect, **opts)
        for i, d in enumerate(UNSORTED):
            add(f"unsorted {i}", d, dialect, sort_keys=False)
    return cases


# ---- YAML load ----
PLAIN_SCALARS = [
    "1e3", "1.0e3", "1.0e+3", "1_000", "0x1f", "0x1F", "-0x1f", "0b101", "017", "08", "0o17", "0", "-0", "+12", "1:30",
    "-1:30", "190:20:30.15", "1.", ".5", "-0.0", "1_0.5", "3.14", "12345678901234567890", "9007199254740993",
    "-9007199254740993", ".inf", "-.inf", "+.inf", ".Inf", ".NaN", ".nan", "~", "null", "Null", "NULL", "yes", "No",
    "on", "OFF", "y", "n", "true", "True", "FALSE", "2001-12-14", "2001-12-14t21:59:43.10-05:00",
    "2001-12-14 21:59:43.10 -5", "abc", "a b", "1.17.0", "0.0.1",
]
DOCUMENTS_TO_LOAD = [
    "a: 'it''s'\nb: \"a\\tb\\u00e9\\U0001F600\"\nc: plain text\n",
    "folded: this is\n  folded plain\nsq: 'x\n\n  y'\n",
    "lit: |\n  line1\n  line2\nfold: >\n  a\n  b\n\n  c\n",
    "flow: {a: 1, b: [1, 2.5, yes, ~]}\n",
    "base: &b {x: 1}\nref: *b\nlist: [&i 7, *i]\n",
    "# comment\na: 1 # trailing\nb: 2\na: 3\n",
    "- 1\n- - 2\n  - 3\n- k: v\n  l: [x]\n",
    "key with spaces: 1\n? complex\n: 2\n'': empty\n",
    "",
    "---\na: 1\n...\n",
]


def main():
    data = {
        "floats": [{"bits": f(x)["$float"], "repr": repr(x)} for x in FLOATS],
        "json": [{"value": tag(v), "text": json.dumps(v), "indented": json.dumps(v, indent=2)} for v in JSON_VALUES],
        "dump": dump_cases(),
        "load": [{"text": f"v: {s}\n", "value": tag(yaml.safe_load(f"v: {s}\n")),
                  "c_value": tag(yaml.load(f"v: {s}\n", Loader=yaml.CSafeLoader))} for s in PLAIN_SCALARS]
        + [{"text": t, "value": tag(yaml.safe_load(t)), "c_value": tag(yaml.load(t, Loader=yaml.CSafeLoader))}
           for t in DOCUMENTS_TO_LOAD],
    }
    if len(sys.argv) == 3 and sys.argv[1] == "--write":
        with open(sys.argv[2], "w", encoding="utf-8") as out:
            json.dump(data, out, indent=1)
            out.write("\n")
    else:
        print(json.dumps(data))


main()
