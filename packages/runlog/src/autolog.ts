import type { AutologOptions, AutologPlugin } from '@runlog/core';

/**
 * `autolog()`: one line at the top of a training script enables every plugin whose framework is
 * installed. Options mirror MLflow's; per-plugin options go under the plugin's name
 * (`autolog({ tfjs: { tf }, onnx: { logEveryNCalls: 1000 } })`). Calling it again reconfigures;
 * `autolog({ disable: true })` restores everything it changed. Synchronous on purpose: an
 * un-awaited `autolog()` is in place before the next line runs.
 */
export interface RunlogAutologOptions extends AutologOptions {
  [plugin: string]: unknown;
}

const plugins = new Map<string, AutologPlugin<any>>();

/** Makes a plugin known to autolog(). The framework packages register themselves on import. */
export function registerAutologPlugin(plugin: AutologPlugin<any>): void {
  plugins.set(plugin.name, plugin);
}

/** Enables (or, with disable: true, disables) every registered plugin; returns the enabled names. */
export function autolog(options: RunlogAutologOptions = {}): string[] {
  const enabled: string[] = [];
  for (const plugin of plugins.values()) {
    const own = options[plugin.name] as (Record<string, unknown> & { disable?: boolean }) | undefined;
    if (options.disable || own?.disable) {
      void Promise.resolve(plugin.disable());
      continue;
    }
    if (plugin.enable(options, own)) enabled.push(plugin.name);
  }
  return enabled;
}
