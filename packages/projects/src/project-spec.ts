import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { InvalidArgumentError } from '@runlog/core';
import { parseMlprojectYaml, type MlprojectValue } from './mlproject-yaml.js';
import { shellQuote } from './shell-quote.js';

/** The parameter types of MLflow's spec; other type names are accepted and treated as strings, as MLflow does. */
export type ParameterType = 'string' | 'float' | 'int' | 'path' | 'uri';

/** One declared parameter of an entry point. */
export interface ParameterSpec {
  name: string;
  /** `string`, `float`, `int`, `path`, `uri` (or any other name, read as a string). */
  type: string;
  /** Python's `str()` of the YAML default; null when there is none (the parameter is then required). */
  default: string | null;
}

/** An entry point: its parameters in declaration order and its command template. */
export interface EntryPointSpec {
  name: string;
  parameters: ParameterSpec[];
  /** The command, with `{param}` placeholders (Python `str.format` syntax: `{{` is a literal brace). */
  command: string;
  /** Where the entry point came from: the MLproject, a script file, or a package.json script. */
  origin: 'mlproject' | 'script' | 'package-script';
}

/** A project loaded from a directory. */
export interface ProjectSpec {
  dir: string;
  /** The MLproject's `name`, else package.json's `name`. */
  name: string | undefined;
  /** The MLproject file found (its name is matched case-insensitively), if any. */
  mlprojectFile: string | undefined;
  /** The MLproject's declared entry points (empty without an MLproject). */
  entryPoints: Map<string, EntryPointSpec>;
  /** The MLproject's environment field (`python_env`, `conda_env`, `docker_env`), if any. */
  envField: string | undefined;
  /** package.json's scripts, which serve as entry points when there is no MLproject. */
  packageScripts: Record<string, string>;
}

const ENV_FIELDS = ['python_env', 'conda_env', 'docker_env'];

/**
 * Script files that run as entry points without being declared, and the program that runs each.
 * `.ts` needs `tsx` on the PATH (a project dependency under `--env-manager npm`).
 */
function scriptRunner(ext: string, env: NodeJS.ProcessEnv): string | undefined {
  switch (ext) {
    case '.js':
    case '.mjs':
    case '.cjs':
      return 'node';
    case '.ts':
    case '.mts':
      return 'tsx';
    case '.py':
      return 'python';
    case '.sh':
      return env.SHELL || 'bash';
    default:
      return undefined;
  }
}
const SCRIPT_EXTENSIONS = ['.js', '.mjs', '.cjs', '.ts', '.mts', '.py', '.sh'];

/** Reads the project in `dir`: its MLproject (if any) and package.json scripts. Throws InvalidArgumentError on a malformed MLproject. */
export function loadProject(dir: string): ProjectSpec {
  const mlprojectName = readdirSync(dir).find((f) => f.toLowerCase() === 'mlproject');
  const mlprojectFile = mlprojectName === undefined ? undefined : join(dir, mlprojectName);
  const yaml = mlprojectFile === undefined ? {} : parseMlprojectYaml(readFileSync(mlprojectFile, 'utf8'), mlprojectFile);
  const top = yaml === null ? {} : asMapping(yaml, 'the MLproject');
  const envFields = ENV_FIELDS.filter((f) => f in top);
  if (envFields.length > 1) throw new InvalidArgumentError(`Project cannot contain multiple environment fields: ${envFields.join(', ')}`);
  const entryPoints = new Map<string, EntryPointSpec>();
  const declared = top.entry_points == null ? {} : asMapping(top.entry_points, 'entry_points');
  for (const [name, body] of Object.entries(declared)) {
    const ep = body == null ? {} : asMapping(body, `entry point '${name}'`);
    const command = ep.command;
    if (typeof command !== 'string') throw new InvalidArgumentError(`Entry point '${name}' of ${mlprojectFile} has no command.`);
    const params = ep.parameters == null ? {} : asMapping(ep.parameters, `the parameters of entry point '${name}'`);
    entryPoints.set(name, {
      name,
      command,
      origin: 'mlproject',
      parameters: Object.entries(params).map(([pname, p]) => parameterSpec(pname, p, name)),
    });
  }
  const pkg = readPackageJson(dir);
  return {
    dir,
    name: typeof top.name === 'string' ? top.name : pkg?.name,
    mlprojectFile,
    entryPoints,
    envField: envFields[0],
    packageScripts: pkg?.scripts ?? {},
  };
}

/**
 * The entry point `name`: a declared one; else a script file of the project (`.js`, `.mjs`,
 * `.cjs`, `.ts`, `.py`, `.sh`); else, in a project without an MLproject, a package.json script.
 * Otherwise InvalidArgumentError, worded as MLflow's.
 */
export function getEntryPoint(project: ProjectSpec, name: string, env: NodeJS.ProcessEnv = process.env): EntryPointSpec {
  const declared = project.entryPoints.get(name);
  if (declared) return declared;
  const runner = scriptRunner(extname(name), env);
  if (runner !== undefined && isFile(join(project.dir, name))) {
    return { name, parameters: [], command: `${runner} ${shellQuote(name)}`, origin: 'script' };
  }
  if (project.mlprojectFile === undefined && Object.hasOwn(project.packageScripts, name)) {
    // `--` hands the appended `--key value` params to the script itself, not to npm.
    return { name, parameters: [], command: `npm run --silent ${shellQuote(name)} --`, origin: 'package-script' };
  }
  const known = [...project.entryPoints.keys()];
  if (project.mlprojectFile === undefined) known.push(...Object.keys(project.packageScripts));
  throw new InvalidArgumentError(
    `Could not find ${name} among entry points [${known.map((k) => `'${k}'`).join(', ')}] or interpret ${name} as a runnable script. ` +
      `Supported script file extensions: [${SCRIPT_EXTENSIONS.map((e) => `'${e}'`).join(', ')}]`,
  );
}

/** Whether a command runs Python (such entry points run in the current environment: env manager local). */
export function isPythonCommand(command: string): boolean {
  return /^\s*(?:python[0-9.]*|uv\s+run|pip)\b/.test(command);
}

function parameterSpec(name: string, value: MlprojectValue, entryPoint: string): ParameterSpec {
  if (typeof value === 'string') return { name, type: value, default: null };
  if (value === null) return { name, type: 'string', default: null };
  const body = asMapping(value, `parameter '${name}' of entry point '${entryPoint}'`);
  const type = body.type ?? 'string';
  if (typeof type !== 'string') throw new InvalidArgumentError(`The type of parameter '${name}' of entry point '${entryPoint}' must be a name (string, float, int, path, uri).`);
  const dflt = body.default ?? null;
  if (dflt !== null && typeof dflt !== 'string') throw new InvalidArgumentError(`The default of parameter '${name}' of entry point '${entryPoint}' must be a single value.`);
  return { name, type, default: dflt };
}

function asMapping(value: MlprojectValue, what: string): Record<string, MlprojectValue> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InvalidArgumentError(`In the MLproject, ${what} must be a mapping.`);
  return value;
}

function readPackageJson(dir: string): { name?: string; scripts?: Record<string, string> } | undefined {
  const file = join(dir, 'package.json');
  if (!existsSync(file)) return undefined;
  try {
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; scripts?: unknown };
    const scripts: Record<string, string> = {};
    if (pkg.scripts && typeof pkg.scripts === 'object') {
      for (const [k, v] of Object.entries(pkg.scripts)) if (typeof v === 'string') scripts[k] = v;
    }
    return { name: typeof pkg.name === 'string' ? pkg.name : undefined, scripts };
  } catch (err) {
    throw new InvalidArgumentError(`Could not read ${file}: ${(err as Error).message}`, { cause: err });
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
