/**
 * Python-compatible encoding: the text MLflow's Python code writes and reads (float repr,
 * json.dumps, PyYAML's and libyaml's YAML). Shared by the stores (meta.yaml, metric files) and the
 * models package (MLmodel, environment files, input examples).
 */
export { pyFloatRepr, parsePythonFloat, parsePythonInt } from './float-repr.js';
export { PyFloat, PyFloatTree, pyJsonDumps, pyJsonString, type PyJsonOptions } from './json-dumps.js';
export { compareCodePoints, resolvePlain, type PlainTag } from './yaml-resolver.js';
export { pyYamlLoad, type PyYamlValue, type PyYamlMapping, type PyYamlData } from './yaml-load.js';
export { pyYamlDump, META_YAML, type PyYamlDumpOptions } from './yaml-dump.js';
export type { YamlDialect } from './yaml-scalar.js';
