import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkSupportedVersion, type FrameworkTarget } from '../src/autolog/framework-target.js';
import { isRunlogWrapper, unwrapMethod, wrapMethod, type AnyFunction } from '../src/autolog/method-patch.js';

// The one patch helper every autolog plugin uses (issue 12, "An autolog kit").

class Model {
  fit(x: number): number {
    return x + 1;
  }
}

function counting(calls: number[]): (original: AnyFunction, patch: () => { live: boolean }) => AnyFunction {
  return (original, patch) =>
    function (this: unknown, ...args: unknown[]): unknown {
      if (patch().live) calls.push(args[0] as number);
      return original.apply(this, args);
    };
}

describe('wrapMethod / unwrapMethod', () => {
  it('wraps a prototype method and restores exactly the same function and descriptor', () => {
    const original = Model.prototype.fit;
    const before = Object.getOwnPropertyDescriptor(Model.prototype, 'fit');
    const calls: number[] = [];
    const patch = wrapMethod(Model.prototype, 'fit', counting(calls));
    assert.ok(patch);
    assert.notEqual(Model.prototype.fit, original);
    assert.ok(isRunlogWrapper(Model.prototype.fit));
    assert.equal(Model.prototype.fit.name, 'fit');
    assert.equal(new Model().fit(1), 2);
    assert.deepEqual(calls, [1]);
    assert.equal(unwrapMethod(patch), true);
    assert.equal(Model.prototype.fit, original);
    assert.deepEqual(Object.getOwnPropertyDescriptor(Model.prototype, 'fit'), before);
    assert.equal(unwrapMethod(patch), false, 'a second unwrap changes nothing');
    assert.equal(Model.prototype.fit, original);
  });

  it('is idempotent: a live runlog wrapper is not wrapped again', () => {
    const calls: number[] = [];
    const first = wrapMethod(Model.prototype, 'fit', counting(calls));
    assert.ok(first);
    assert.equal(wrapMethod(Model.prototype, 'fit', counting(calls)), undefined);
    new Model().fit(5);
    assert.deepEqual(calls, [5], 'one wrapper, one call');
    unwrapMethod(first);
  });

  it('wraps an inherited method with an own property and unwrap deletes it again', () => {
    const m = new Model();
    const patch = wrapMethod(m, 'fit', counting([]));
    assert.ok(patch);
    assert.equal(Object.prototype.hasOwnProperty.call(m, 'fit'), true);
    unwrapMethod(patch);
    assert.equal(Object.prototype.hasOwnProperty.call(m, 'fit'), false);
    assert.equal(m.fit, Model.prototype.fit);
  });

  it("leaves another wrapper on top in place, and ours inert in its chain", () => {
    const original = Model.prototype.fit;
    const calls: number[] = [];
    const patch = wrapMethod(Model.prototype, 'fit', counting(calls));
    assert.ok(patch);
    const ours = Model.prototype.fit;
    const theirs = function fit(this: Model, x: number): number {
      return ours.call(this, x) * 10;
    };
    Model.prototype.fit = theirs;
    assert.equal(unwrapMethod(patch), false);
    assert.equal(Model.prototype.fit, theirs, 'their wrapper stays');
    assert.equal(new Model().fit(1), 20, 'their chain still reaches the original');
    assert.deepEqual(calls, [], 'ours passes calls straight through');
    // Ours is inert, so enabling again wraps on top of theirs.
    const again = wrapMethod(Model.prototype, 'fit', counting(calls));
    assert.ok(again);
    new Model().fit(2);
    assert.deepEqual(calls, [2]);
    unwrapMethod(again);
    assert.equal(Model.prototype.fit, theirs);
    Model.prototype.fit = original;
  });

  it('does nothing for a missing method', () => {
    assert.equal(wrapMethod({}, 'fit', counting([])), undefined);
  });
});

describe('checkSupportedVersion', () => {
  function captureStderr(fn: () => void): string {
    const write = process.stderr.write;
    let out = '';
    process.stderr.write = ((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    }) as typeof process.stderr.write;
    try {
      fn();
    } finally {
      process.stderr.write = write;
    }
    return out;
  }
  const target: FrameworkTarget<{ version?: string }> = {
    modules: ['some-framework'],
    supportedVersions: '>=1.17.0 <2',
    moduleDescription: 'a some-framework module',
    isModule: (m: unknown): m is { version?: string } => typeof m === 'object' && m !== null,
    versionOf: (m) => m.version,
  };

  it('accepts versions in range, prereleases included, and versions it cannot compare', () => {
    const out = captureStderr(() => {
      assert.equal(checkSupportedVersion('vt1', target, { version: '1.30.0' }), true);
      assert.equal(checkSupportedVersion('vt1', target, { version: '1.20.0-dev.20240101' }), true);
      assert.equal(checkSupportedVersion('vt1', target, {}), true);
      assert.equal(checkSupportedVersion('vt1', target, { version: 'nightly' }), true);
    });
    assert.equal(out, '');
  });

  it('warns once, naming the version and the range, when out of range', () => {
    const out = captureStderr(() => {
      assert.equal(checkSupportedVersion('vt2', target, { version: '2.0.0' }), false);
      assert.equal(checkSupportedVersion('vt2', target, { version: '2.0.0' }), false);
      assert.equal(checkSupportedVersion('vt2', target, { version: '1.16.9' }), false);
    });
    assert.equal(
      out,
      'runlog autolog (vt2): some-framework 2.0.0 is outside the tested range >=1.17.0 <2; autologging may miss what changed\n' +
        'runlog autolog (vt2): some-framework 1.16.9 is outside the tested range >=1.17.0 <2; autologging may miss what changed\n',
    );
  });
});
