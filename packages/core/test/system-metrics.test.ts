import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { parseMeminfo, parseNetDev, parseProcStat, type HostProbes } from '../src/system-metrics/host-probes.js';
import { parseNvidiaSmiCsv } from '../src/system-metrics/nvidia-smi.js';
import { systemMetricsSettings, systemMetricsWanted } from '../src/system-metrics/system-metrics-config.js';
import { SystemMetricsMonitor, type MonitorTimers } from '../src/system-metrics/system-metrics-monitor.js';
import { SystemSampler, type ProcessProbe, type Sampler } from '../src/system-metrics/system-sampler.js';
import * as runlog from '../src/index.js';

/** A clock whose timers run only when the test says so. */
class ManualTimers implements MonitorTimers {
  t = 1_700_000_000_000;
  pending: Array<{ at: number; fn: () => void; id: number }> = [];
  private nextId = 1;
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const id = this.nextId++;
    this.pending.push({ at: this.t + ms, fn, id });
    return id;
  };
  clearTimeout = (h: unknown) => {
    this.pending = this.pending.filter((p) => p.id !== h);
  };
  /** Moves time to the next timer, runs it, and lets the promises it started settle. */
  async fire(): Promise<void> {
    this.pending.sort((a, b) => a.at - b.at);
    const next = this.pending.shift();
    assert.ok(next, 'a timer is pending');
    this.t = next.at;
    next.fn();
    for (let i = 0; i < 20; i++) await Promise.resolve();
    await new Promise((r) => setImmediate(r));
  }
}

/** A sampler that returns scripted samples. */
function scripted(samples: Array<Record<string, number>>): Sampler & { started: number; stopped: number } {
  let i = 0;
  return {
    started: 0,
    stopped: 0,
    start() {
      this.started++;
    },
    async sample() {
      return samples[i++] ?? {};
    },
    stop() {
      this.stopped++;
    },
  };
}

describe('system metrics monitor (MLflow semantics, injected clock)', () => {
  it('logs the mean of each N samples, rounded to one decimal, at steps 0, 1, 2; network gives its last value', async () => {
    const timers = new ManualTimers();
    const logged: Array<{ metrics: Record<string, number>; step: number; ts: number }> = [];
    const sampler = scripted([
      { cpu_utilization_percentage: 10, network_receive_megabytes: 1 },
      { cpu_utilization_percentage: 20.25, network_receive_megabytes: 3 },
      { cpu_utilization_percentage: 50, network_receive_megabytes: 4 },
      { cpu_utilization_percentage: 70, network_receive_megabytes: 9 },
    ]);
    const m = new SystemMetricsMonitor({
      intervalMs: 10_000,
      samplesBeforeLogging: 2,
      sampler,
      timers,
      log: (metrics, step, ts) => logged.push({ metrics, step, ts }),
    });
    m.start();
    assert.equal(sampler.started, 1);
    await timers.fire();
    assert.equal(logged.length, 0, 'nothing before samplesBeforeLogging samples');
    await timers.fire();
    await timers.fire();
    await timers.fire();
    assert.deepEqual(
      logged.map((l) => [l.step, l.metrics]),
      [
        [0, { 'system/cpu_utilization_percentage': 15.1, 'system/network_receive_megabytes': 3 }],
        [1, { 'system/cpu_utilization_percentage': 60, 'system/network_receive_megabytes': 9 }],
      ],
    );
    assert.equal(logged[0]!.ts, 1_700_000_000_000 + 20_000, 'timestamp = time of logging');
    await m.stop();
    assert.equal(sampler.stopped, 1);
    assert.equal(timers.pending.length, 0, 'no timer left after stop');
  });

  it('names metrics system/<node id>/… with a node id, and starts a resumed run after its last step', async () => {
    const timers = new ManualTimers();
    const logged: Array<[string[], number]> = [];
    const m = new SystemMetricsMonitor({
      intervalMs: 1000,
      samplesBeforeLogging: 1,
      nodeId: 'node_0',
      sampler: scripted([{ disk_usage_percentage: 42 }]),
      timers,
      firstStep: async () => 7,
      log: (metrics, step) => logged.push([Object.keys(metrics), step]),
    });
    m.start();
    await timers.fire();
    assert.deepEqual(logged, [[['system/node_0/disk_usage_percentage'], 7]]);
    await m.stop();
  });

  it('while a resumed run\'s last step is being looked up, keeps sampling and stops without waiting for the lookup', async () => {
    const timers = new ManualTimers();
    const logged: Array<[number, number]> = [];
    let answer: (step: number) => void = () => {};
    const m = new SystemMetricsMonitor({
      intervalMs: 1000,
      samplesBeforeLogging: 1,
      sampler: scripted([{ a: 1 }, { a: 3 }, { a: 10 }]),
      timers,
      firstStep: () => new Promise<number>((r) => (answer = r)),
      log: (metrics, step) => logged.push([step, metrics['system/a']!]),
    });
    m.start();
    await timers.fire();
    await timers.fire();
    assert.deepEqual(logged, [], 'nothing logged before the first step is known');
    answer(5);
    await timers.fire();
    assert.deepEqual(logged, [[5, 4.7]], 'the samples taken meanwhile are averaged into the first step');
    await m.stop();

    const stuck = new SystemMetricsMonitor({
      intervalMs: 1000,
      samplesBeforeLogging: 1,
      sampler: scripted([{ a: 1 }]),
      timers,
      firstStep: () => new Promise<number>(() => {}),
      log: () => {},
    });
    stuck.start();
    await timers.fire();
    await stuck.stop();
    assert.equal(stuck.running, false);
  });

  it('drops samples not yet logged when stopped, as MLflow does, and never throws when logging fails', async () => {
    const timers = new ManualTimers();
    const errors: unknown[] = [];
    let calls = 0;
    const m = new SystemMetricsMonitor({
      intervalMs: 1000,
      samplesBeforeLogging: 1,
      sampler: scripted([{ a: 1 }, { a: 2 }]),
      timers,
      log: () => {
        calls++;
        throw new Error('run is gone');
      },
      onError: (e) => errors.push(e),
    });
    m.start();
    await timers.fire();
    assert.equal(calls, 1);
    assert.equal(errors.length, 1);
    assert.equal(m.running, false, 'a failed log stops the monitor');
    assert.equal(timers.pending.length, 0);
    await m.stop();
  });

  it('skips a sample whose sampler throws and keeps sampling', async () => {
    const timers = new ManualTimers();
    const logged: number[] = [];
    let n = 0;
    const m = new SystemMetricsMonitor({
      intervalMs: 1000,
      samplesBeforeLogging: 1,
      sampler: {
        start() {},
        stop() {},
        async sample() {
          if (n++ === 0) throw new Error('probe failed');
          return { cpu_utilization_percentage: 5 };
        },
      },
      timers,
      log: (_m, step) => logged.push(step),
      onError: () => {},
    });
    m.start();
    await timers.fire();
    await timers.fire();
    assert.deepEqual(logged, [0], 'the failed sample made an empty step, not a logged one');
    await m.stop();
  });
});

describe('system sampler', () => {
  const fixedProcess = (): ProcessProbe => {
    let cpu = 0;
    return {
      cpuMicros: () => (cpu += 250_000),
      heapUsedBytes: () => 12_500_000,
      rssBytes: () => 80_000_000,
      takeEventLoopLagMs: () => 1.5,
      start() {},
      stop() {},
    };
  };

  it('computes CPU from /proc/stat deltas, memory as psutil does, disk, network since start, and Node figures', async () => {
    const stats = ['cpu  100 0 100 800 0 0 0 0 0 0\n', 'cpu  400 0 200 1200 200 0 0 0 0 0\n'];
    let s = 0;
    let t = 0;
    const probes: HostProbes = {
      cpuTimes: () => parseProcStat(stats[Math.min(s++, 1)]!),
      memory: () => ({ usedBytes: 4e9, totalBytes: 16e9 }),
      disk: () => ({ usedBytes: 30e9, freeBytes: 70e9 }),
      network: () => (t++ === 0 ? { receivedBytes: 1e6, transmittedBytes: 2e6 } : { receivedBytes: 6e6, transmittedBytes: 2.5e6 }),
    };
    let now = 0;
    const sampler = new SystemSampler({ probes, gpu: null, processProbe: fixedProcess(), now: () => (now += 1000) });
    sampler.start();
    const m = await sampler.sample();
    // busy 300+100 of total 1000 (idle 400 + iowait 200 are not busy)
    assert.equal(m.cpu_utilization_percentage, 40);
    assert.equal(m.system_memory_usage_megabytes, 4000);
    assert.equal(m.system_memory_usage_percentage, 25);
    assert.equal(m.disk_usage_percentage, 30);
    assert.equal(m.disk_usage_megabytes, 30_000);
    assert.equal(m.disk_available_megabytes, 70_000);
    assert.equal(m.network_receive_megabytes, 5);
    assert.equal(m.network_transmit_megabytes, 0.5);
    assert.equal(m.node_event_loop_lag_ms, 1.5);
    assert.equal(m.node_heap_used_megabytes, 12.5);
    assert.equal(m.node_rss_megabytes, 80);
    assert.equal(m.node_cpu_utilization_percentage, 25, '250 ms of CPU in 1 s');
  });

  it('adds GPU metrics and leaves out what a failing probe cannot read', async () => {
    const probes: HostProbes = {
      cpuTimes: () => {
        throw new Error('no /proc');
      },
      memory: () => undefined,
      disk: () => undefined,
      network: () => undefined,
    };
    const sampler = new SystemSampler({ probes, gpu: async () => ({ gpu_0_utilization_percentage: 99 }), processProbe: fixedProcess() });
    sampler.start();
    const m = await sampler.sample();
    assert.equal(m.gpu_0_utilization_percentage, 99);
    assert.equal(m.cpu_utilization_percentage, undefined);
    assert.equal(m.system_memory_usage_megabytes, undefined);
  });

  it('reads this machine without throwing', async () => {
    const sampler = new SystemSampler({ gpu: null });
    sampler.start();
    const m = await sampler.sample();
    sampler.stop();
    assert.ok(m.node_rss_megabytes! > 0);
    if (process.platform === 'linux') {
      assert.ok(m.system_memory_usage_percentage! > 0 && m.system_memory_usage_percentage! <= 100);
      assert.ok(m.disk_usage_percentage! > 0);
      assert.equal(typeof m.network_receive_megabytes, 'number');
    }
  });
});

describe('host figures parsers', () => {
  it('parses /proc/meminfo the way psutil computes used memory', () => {
    const text = 'MemTotal:  1000 kB\nMemFree:  200 kB\nMemAvailable: 700 kB\nBuffers:  100 kB\nCached:  300 kB\nSReclaimable:  50 kB\n';
    assert.deepEqual(parseMeminfo(text), { usedBytes: (1000 - 200 - 100 - 350) * 1024, totalBytes: 1000 * 1024 });
  });

  it('sums /proc/net/dev over every interface', () => {
    const text = [
      'Inter-|   Receive                                                |  Transmit',
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
      '    lo: 1000  10    0    0    0     0          0         0 1000  10    0    0    0     0       0          0',
      '  eth0: 5000  50    0    0    0     0          0         0 700   60    0    0    0     0       0          0',
    ].join('\n');
    assert.deepEqual(parseNetDev(text), { receivedBytes: 6000, transmittedBytes: 1700 });
  });

  it('parses recorded nvidia-smi CSV into MLflow GPU metric names, skipping [N/A] fields', () => {
    const csv = readFileSync(new URL('../../../test/fixtures/system-metrics/nvidia-smi-2gpu.csv', import.meta.url), 'utf8');
    const m = parseNvidiaSmiCsv(csv);
    assert.equal(m.gpu_0_utilization_percentage, 87);
    assert.equal(m.gpu_0_memory_usage_percentage, 37.4);
    assert.ok(Math.abs(m.gpu_0_memory_usage_megabytes! - 30512 * 1.048576) < 1e-9);
    assert.equal(m.gpu_0_power_usage_watts, 312.45);
    assert.ok(Math.abs(m.gpu_0_power_usage_percentage! - 78.1125) < 1e-9);
    assert.equal(m.gpu_1_utilization_percentage, 0);
    assert.equal(m.gpu_1_power_usage_watts, undefined);
    assert.equal(m.gpu_1_power_usage_percentage, undefined);
    assert.deepEqual(parseNvidiaSmiCsv(''), {});
  });
});

describe('system metrics settings', () => {
  it('follows MLflow: the run option wins, else MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING (true/false/1/0 only)', () => {
    assert.equal(systemMetricsWanted(true, {}), true);
    assert.equal(systemMetricsWanted(false, { MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING: 'true' }), false);
    assert.equal(systemMetricsWanted(undefined, { MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING: '1' }), true);
    assert.equal(systemMetricsWanted(undefined, {}), false);
    assert.throws(() => systemMetricsWanted(undefined, { MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING: 'yes' }), { code: 'RUNLOG_ERR_INVALID_ARGUMENT' });
  });

  it('reads the sampling interval (seconds, float) and samples before logging (integer)', () => {
    assert.deepEqual(systemMetricsSettings({}, {}), { intervalMs: 10_000, samplesBeforeLogging: 1, nodeId: undefined });
    assert.deepEqual(
      systemMetricsSettings({}, { MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL: '0.5', MLFLOW_SYSTEM_METRICS_SAMPLES_BEFORE_LOGGING: '3', MLFLOW_SYSTEM_METRICS_NODE_ID: 'n1' }),
      { intervalMs: 500, samplesBeforeLogging: 3, nodeId: 'n1' },
    );
    assert.throws(() => systemMetricsSettings({}, { MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL: 'ten' }), { code: 'RUNLOG_ERR_INVALID_ARGUMENT' });
    assert.throws(() => systemMetricsSettings({}, { MLFLOW_SYSTEM_METRICS_SAMPLES_BEFORE_LOGGING: '1.5' }), { code: 'RUNLOG_ERR_INVALID_ARGUMENT' });
  });
});

describe('system metrics on a run (local store)', () => {
  let dir: string;
  const saved = { ...process.env };
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'runlog-sysmetrics-'));
    runlog.setTrackingUri(join(dir, 'mlruns'));
  });
  afterEach(async () => {
    while (runlog.activeRun()) await runlog.endRun();
    for (const k of ['MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING', 'MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL']) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });
  after(async () => {
    await runlog.shutdown();
    await rm(dir, { recursive: true, force: true });
  });

  it('enableSystemMetricsLogging() makes runs log system/ metrics at steps 0..n, and endRun stops the sampler', async () => {
    process.env.MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL = '0.05';
    runlog.enableSystemMetricsLogging();
    const run = await runlog.startRun();
    runlog.disableSystemMetricsLogging();
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      await runlog.flush();
      const hist = await runlog.getMetricHistory(run.runId, 'system/cpu_utilization_percentage');
      if (hist.length >= 2) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await runlog.endRun();
    const hist = await runlog.getMetricHistory(run.runId, 'system/cpu_utilization_percentage');
    assert.ok(hist.length >= 2, `at least two steps logged, got ${hist.length}`);
    assert.deepEqual(hist.map((m) => m.step).slice(0, 2), [0, 1]);
    const stored = await runlog.getRun(run.runId);
    for (const key of ['system/system_memory_usage_megabytes', 'system/node_rss_megabytes', 'system/node_heap_used_megabytes']) {
      assert.equal(typeof stored.data.metrics[key], 'number', key);
    }
    // After endRun nothing more is logged.
    const count = hist.length;
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await runlog.getMetricHistory(run.runId, 'system/cpu_utilization_percentage')).length, count);
  });

  it('logs nothing when the run opts out, and records the environment at run start', async () => {
    process.env.MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING = 'true';
    process.env.MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL = '0.02';
    const run = await runlog.startRun({ logSystemMetrics: false });
    await new Promise((r) => setTimeout(r, 150));
    await runlog.endRun();
    const stored = await runlog.getRun(run.runId);
    assert.deepEqual(Object.keys(stored.data.metrics).filter((k) => k.startsWith('system/')), []);
    const tags = stored.data.tags;
    assert.equal(tags['runlog.env.node'], process.version);
    assert.match(tags['runlog.env.os']!, new RegExp(`^${process.platform} `));
    assert.ok(Number(tags['runlog.env.cpuCount']) >= 1);
    assert.match(tags['runlog.version']!, /^\d+\.\d+\.\d+/);
  });
});
