// The MLproject spec as MLflow reads it: entry points, the short and long parameter forms, YAML
// defaults as Python's str() of what PyYAML loads, script files and package.json scripts.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from '@runlog/core';
import { getEntryPoint, loadProject } from '../src/index.js';

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'runlog-spec-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('MLproject spec', () => {
  it('reads entry points with the short (name: type) and long ({type, default}) parameter forms, in order', () => {
    const dir = project({
      MLproject: `name: demo
entry_points:
  main:
    parameters:
      lr: {type: float, default: 0.1}
      epochs: int
      name: {default: x}
      data: {type: path, default: data.csv}
    command: "node train.mjs {lr} {epochs}"
`,
    });
    const spec = loadProject(dir);
    assert.equal(spec.name, 'demo');
    const main = getEntryPoint(spec, 'main');
    assert.deepEqual(main.parameters, [
      { name: 'lr', type: 'float', default: '0.1' },
      { name: 'epochs', type: 'int', default: null },
      { name: 'name', type: 'string', default: 'x' },
      { name: 'data', type: 'path', default: 'data.csv' },
    ]);
    assert.equal(main.command, 'node train.mjs {lr} {epochs}');
  });

  it("writes YAML defaults as Python's str() of PyYAML's value (1.0, yes, 1_000, 0x10, quoted text, null = required)", () => {
    const dir = project({
      mlproject: `entry_points:
  main:
    parameters:
      a: {type: float, default: 1.0}
      b: {default: yes}
      c: {type: int, default: 1_000}
      d: {type: int, default: 0x10}
      e: {default: "1.0"}
      f: {default: null}
      g: {type: float, default: 1e-3}
      h: {type: float, default: .5}
    command: "run"
`,
    });
    const params = Object.fromEntries(getEntryPoint(loadProject(dir), 'main').parameters.map((p) => [p.name, p.default]));
    // `1e-3` is a string to YAML 1.1 (a float needs a '.'); `.5` is the float 0.5.
    assert.deepEqual(params, { a: '1.0', b: 'True', c: '1000', d: '16', e: '1.0', f: null, g: '1e-3', h: '0.5' });
  });

  it('finds the MLproject file whatever its case, and ignores unknown top-level keys', () => {
    const dir = project({ MlProject: 'name: x\nsomething_else: 1\nentry_points:\n  main:\n    command: "true"\n' });
    assert.equal(loadProject(dir).entryPoints.get('main')?.command, 'true');
  });

  it('refuses two environment fields, and an entry point without a command', () => {
    const two = project({ MLproject: 'python_env: a.yaml\nconda_env: b.yaml\nentry_points: {}\n' });
    assert.throws(() => loadProject(two), (e: Error) => e instanceof InvalidArgumentError && /multiple environment fields/.test(e.message));
    const noCommand = project({ MLproject: 'entry_points:\n  main:\n    parameters: {a: int}\n' });
    assert.throws(() => loadProject(noCommand), /Entry point 'main' .* has no command/);
  });

  it('runs an undeclared script file of the project with its runner, the file name shell-quoted', () => {
    const dir = project({ MLproject: 'entry_points: {}\n', 'my train.mjs': '', 'fit.py': '', 'go.sh': '', 'model.ts': '' });
    const spec = loadProject(dir);
    assert.equal(getEntryPoint(spec, 'my train.mjs').command, "node 'my train.mjs'");
    assert.equal(getEntryPoint(spec, 'fit.py').command, 'python fit.py');
    assert.equal(getEntryPoint(spec, 'go.sh', { SHELL: '/bin/zsh' }).command, '/bin/zsh go.sh');
    assert.equal(getEntryPoint(spec, 'model.ts').command, 'tsx model.ts');
  });

  it('uses a package.json script as the entry point when there is no MLproject', () => {
    const dir = project({ 'package.json': JSON.stringify({ name: 'pkg', scripts: { train: 'node t.js' } }) });
    const spec = loadProject(dir);
    assert.equal(spec.name, 'pkg');
    assert.equal(getEntryPoint(spec, 'train').command, 'npm run --silent train --');
  });

  it("refuses an unknown entry point with MLflow's wording, listing the known ones", () => {
    const dir = project({ MLproject: 'entry_points:\n  main:\n    command: "true"\n  eval:\n    command: "true"\n' });
    assert.throws(
      () => getEntryPoint(loadProject(dir), 'nope'),
      (e: Error) => e instanceof InvalidArgumentError && e.message.startsWith("Could not find nope among entry points ['main', 'eval'] or interpret nope as a runnable script."),
    );
    // A script name whose file does not exist is refused the same way.
    assert.throws(() => getEntryPoint(loadProject(dir), 'missing.mjs'), /Could not find missing\.mjs among entry points/);
  });
});
