import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeTfjs, type TfjsModule } from '../src/index.js';
import { resolveTfjs } from '../src/internal.js';
import { tf } from './fixtures.js';

describe('resolveTfjs', () => {
  it('finds @tensorflow/tfjs lazily when tfjs-node is not installed, the same module the user imports', async () => {
    const resolved = await resolveTfjs();
    assert.equal(resolved.packageName, '@tensorflow/tfjs');
    assert.equal(resolved.version, tf.version.tfjs);
    // One copy of TF.js: the lazily imported module shares the user's engine.
    const t = resolved.tf.tensor([1]);
    assert.equal(tf.memory().numTensors, resolved.tf.memory().numTensors);
    assert.equal(resolved.tf.loadLayersModel, tf.loadLayersModel);
    t.dispose();
    assert.equal(await resolveTfjs(), resolved, 'cached');
  });

  it('uses an explicit module, including a CommonJS one under default', async () => {
    assert.equal((await resolveTfjs(tf)).tf, tf);
    assert.equal((await resolveTfjs({ default: tf })).tf, tf);
  });

  it('refuses something that is not TF.js with UnknownFlavorError', async () => {
    await assert.rejects(resolveTfjs({ version: {} }), { code: 'RUNLOG_ERR_UNKNOWN_FLAVOR' });
  });

  it('names tfjs-node when the module carries its version or the tensorflow backend', () => {
    const fakeNode = { ...tf, version: { ...tf.version, 'tfjs-node': '4.22.0' } } as unknown as TfjsModule;
    assert.deepEqual(
      { ...describeTfjs(fakeNode), tf: undefined },
      { tf: undefined, packageName: '@tensorflow/tfjs-node', version: '4.22.0' },
    );
    const nativeBackend = { ...tf, getBackend: () => 'tensorflow' } as unknown as TfjsModule;
    assert.equal(describeTfjs(nativeBackend).packageName, '@tensorflow/tfjs-node');
    assert.equal(describeTfjs(tf).packageName, '@tensorflow/tfjs');
  });
});
