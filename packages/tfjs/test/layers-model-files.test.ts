import assert from 'node:assert/strict';
import { readFile, writeFile, unlink } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tfjsFlavor } from '../src/index.js';
import { readLayersModel } from '../src/internal.js';
import { removeDir, sampleRows, tempDir, tf, trainedSequential } from './fixtures.js';

function predictRows(model: tf.LayersModel): number[] {
  return tf.tidy(() => Array.from((model.predict(tf.tensor2d(sampleRows(), [3, 4])) as tf.Tensor).dataSync()));
}

describe('TF.js layers-format files', () => {
  let dir: string;
  let modelDir: string;
  let original: tf.Sequential;
  let expected: number[];
  let server: Server;
  let baseUrl: string;

  before(async () => {
    dir = await tempDir();
    modelDir = join(dir, 'model');
    original = await trainedSequential();
    expected = predictRows(original);
    await tfjsFlavor.save(original, dir, {});
    // A static file server over the saved directory, for TF.js's own http:// loader.
    server = createServer(async (req, res) => {
      try {
        const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
        const body = await readFile(join(dir, path));
        res.writeHead(200, { 'content-type': path.endsWith('.json') ? 'application/json' : 'application/octet-stream' });
        res.end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    original.dispose();
    await new Promise((resolve) => server.close(resolve));
    await removeDir(dir);
  });

  it('is what tf.loadLayersModel reads by URL: TF.js\'s own loader follows the weightsManifest', async () => {
    const viaHttp = await tf.loadLayersModel(`${baseUrl}/model/model.json`);
    try {
      assert.deepEqual(predictRows(viaHttp), expected);
    } finally {
      viaHttp.dispose();
    }
  });

  it('reads weights sharded over several files and groups, concatenated in manifest order', async () => {
    const sharded = await tempDir();
    try {
      const json = JSON.parse(await readFile(join(modelDir, 'model.json'), 'utf8'));
      const bytes = await readFile(join(modelDir, 'group1-shard1of1.bin'));
      const specs = json.weightsManifest[0].weights;
      // Kernel 1 + bias 1 (40 floats) in group 1 as two shards; the rest in group 2, './'-prefixed like tfjs-node writes.
      const cut = (4 * 8 + 8) * 4;
      await writeFile(join(sharded, 'group1-shard1of2.bin'), bytes.subarray(0, 100));
      await writeFile(join(sharded, 'group1-shard2of2.bin'), bytes.subarray(100, cut));
      await writeFile(join(sharded, 'group2-shard1of1.bin'), bytes.subarray(cut));
      json.weightsManifest = [
        { paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'], weights: specs.slice(0, 2) },
        { paths: ['./group2-shard1of1.bin'], weights: specs.slice(2) },
      ];
      await writeFile(join(sharded, 'model.json'), JSON.stringify(json));
      const artifacts = await readLayersModel(tf, sharded);
      const model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
      assert.deepEqual(predictRows(model), expected);
      model.dispose();
    } finally {
      await removeDir(sharded);
    }
  });

  it('refuses manifest paths that leave the model directory, and missing weight files', async () => {
    const bad = await tempDir();
    try {
      const json = JSON.parse(await readFile(join(modelDir, 'model.json'), 'utf8'));
      for (const p of ['../group1-shard1of1.bin', '/etc/passwd', 'http://example.com/w.bin']) {
        json.weightsManifest[0].paths = [p];
        await writeFile(join(bad, 'model.json'), JSON.stringify(json));
        await assert.rejects(readLayersModel(tf, bad), { code: 'RUNLOG_ERR_MODEL_FORMAT', message: /leaves the model directory/ });
      }
      json.weightsManifest[0].paths = ['absent.bin'];
      await writeFile(join(bad, 'model.json'), JSON.stringify(json));
      await assert.rejects(readLayersModel(tf, bad), { code: 'RUNLOG_ERR_MODEL_FORMAT', message: /weight file missing/ });
      await writeFile(join(bad, 'model.json'), '{not json');
      await assert.rejects(readLayersModel(tf, bad), { code: 'RUNLOG_ERR_MODEL_FORMAT', message: /not JSON/ });
      await unlink(join(bad, 'model.json'));
      await assert.rejects(readLayersModel(tf, bad), { code: 'RUNLOG_ERR_MODEL_FORMAT', message: /missing/ });
    } finally {
      await removeDir(bad);
    }
  });
});
