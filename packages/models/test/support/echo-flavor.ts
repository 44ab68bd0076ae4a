import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Flavor, FlavorModel, FlavorSaveOptions, ModelSignature, TensorValue } from '../../src/index.js';

/**
 * A test double for a *framework*: the "model" is a JSON file, and running it echoes each input
 * back as `out_<name>`. What the tests exercise is the generic layer around it (MLmodel, env files,
 * input examples, signature enforcement, URIs), not this.
 */
export class EchoModel {
  constructor(
    readonly inputNames: string[] = ['x'],
    readonly signature?: ModelSignature,
  ) {}
}

export interface EchoCall {
  inputs: Record<string, TensorValue>;
  params: Record<string, unknown> | undefined;
}

export function echoFlavor(opts: { name?: string; pythonRequirements?: string[]; failSave?: boolean } = {}): Flavor<EchoModel> & {
  calls: EchoCall[];
  saves: FlavorSaveOptions[];
  disposed: number;
} {
  const name = opts.name ?? 'echo';
  const flavor = {
    name,
    calls: [] as EchoCall[],
    saves: [] as FlavorSaveOptions[],
    disposed: 0,
    accepts: (model: unknown) => model instanceof EchoModel,
    async save(model: EchoModel, dir: string, saveOpts: FlavorSaveOptions) {
      flavor.saves.push(saveOpts);
      await writeFile(join(dir, 'echo.json'), JSON.stringify({ inputNames: model.inputNames }));
      if (opts.failSave) throw new Error('framework failed to save');
      return {
        flavors: { [name]: { data: 'echo.json', echo_version: '1.0.0' } },
        signature: model.signature,
        nodePackages: { 'echo-framework': '1.2.3' },
        pythonRequirements: opts.pythonRequirements ?? [],
      };
    },
    async load(dir: string): Promise<FlavorModel> {
      const { inputNames } = JSON.parse(await readFile(join(dir, 'echo.json'), 'utf8')) as { inputNames: string[] };
      return {
        inputNames,
        outputNames: inputNames.map((n) => `out_${n}`),
        raw: { echo: true },
        async run(inputs, params) {
          flavor.calls.push({ inputs, params });
          return Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`out_${k}`, v]));
        },
        dispose() {
          flavor.disposed++;
        },
      };
    },
  };
  return flavor;
}
