// Issue 10, "Memory": artifacts stream both ways. Against a real MLflow 3.18 server with proxied
// artifacts: a 48 MiB file logged by runlog (streamed PUT with its length) reads back in Python
// byte for byte, a file Python logged downloads through runlog (streamed into a temp file renamed
// into place) byte for byte, and a folder with many files goes up four at a time.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RunlogClient } from 'runlog';
import { ensureMlflow, runPython, sharedMlflowServer, type MlflowServer } from '../support/mlflow-env.js';

const env = await ensureMlflow();

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

describe('artifact streaming against a real MLflow 3.18 server', { skip: env ? false : 'MLflow interop unavailable' }, () => {
  let server: MlflowServer;
  let client: RunlogClient;
  let dir: string;
  before(async () => {
    server = await sharedMlflowServer(env!);
    client = new RunlogClient({ trackingUri: server.uri, durability: 'memory' });
    dir = await mkdtemp(join(tmpdir(), 'runlog-stream-'));
  });
  after(async () => {
    await client?.close(5000);
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('a large file goes up and comes down byte for byte, leaving no temp file', { timeout: 300_000 }, async () => {
    const runId = (await client.createRun('0')).info.runId;
    const big = join(dir, 'weights.bin');
    const chunk = randomBytes(4 * 1024 * 1024);
    await writeFile(big, Buffer.concat(Array.from({ length: 12 }, () => chunk)));
    const want = await sha256(big);
    await client.logArtifact(runId, big, 'model');

    const py = await runPython(
      env!,
      `import hashlib, json, mlflow.artifacts
p = mlflow.artifacts.download_artifacts(run_id=${JSON.stringify(runId)}, artifact_path='model/weights.bin', tracking_uri=${JSON.stringify(server.uri)})
h = hashlib.sha256()
with open(p, 'rb') as f:
    for b in iter(lambda: f.read(1 << 20), b''):
        h.update(b)
from mlflow import MlflowClient
c = MlflowClient(tracking_uri=${JSON.stringify(server.uri)})
with open('py.bin', 'wb') as f:
    f.write(bytes(range(256)) * 40000)
c.log_artifact(${JSON.stringify(runId)}, 'py.bin', 'from-python')
print(json.dumps({'sha': h.hexdigest(), 'size': [f.file_size for f in c.list_artifacts(${JSON.stringify(runId)}, 'model')]}))
`,
      { timeoutMs: 240_000 },
    );
    assert.equal(py.sha, want);
    assert.deepEqual(py.size, [48 * 1024 * 1024]);

    const back = join(dir, 'back');
    await client.downloadArtifacts(runId, '', back);
    assert.equal(await sha256(join(back, 'model', 'weights.bin')), want);
    const fromPython = createHash('sha256').update(Buffer.concat(Array.from({ length: 40000 }, () => Buffer.from(Array.from({ length: 256 }, (_, i) => i))))).digest('hex');
    assert.equal(await sha256(join(back, 'from-python', 'py.bin')), fromPython);
    const left = (await readdir(back, { recursive: true })).map(String).filter((f) => f.includes('.runlog-download.'));
    assert.deepEqual(left, []);
  });

  it('logArtifacts uploads a folder of many files, all of which Python lists', { timeout: 120_000 }, async () => {
    const runId = (await client.createRun('0')).info.runId;
    const folder = join(dir, 'many');
    await mkdir(join(folder, 'shards'), { recursive: true });
    for (let i = 0; i < 30; i++) await writeFile(join(folder, 'shards', `part-${String(i).padStart(2, '0')}.txt`), `shard ${i}\n`);
    await client.logArtifacts(runId, folder, 'data');
    const py = await runPython(
      env!,
      `import json
from mlflow import MlflowClient
c = MlflowClient(tracking_uri=${JSON.stringify(server.uri)})
print(json.dumps(sorted(f.path for f in c.list_artifacts(${JSON.stringify(runId)}, 'data/shards'))))
`,
    );
    assert.equal(py.length, 30);
    assert.equal(py[0], 'data/shards/part-00.txt');
  });
});
