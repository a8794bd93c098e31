/** The model an inference stage runs: opened from the repository (or given), on the embedded engine or the in-process Triton. */
import { describeEngine } from '../engine/device.js';
import { openModel, type LoadedModel } from '../model-repo/open.js';
import { selectTritonEngine } from '../triton/engine.js';
import type { Logger, PipelineOptions, StageSpec } from './types.js';

export const DEFAULT_MODEL = 'abp-nvsmi-xgb';

/** The model (`name` unless the stage gives one loaded), and whether the run owns it (then it disposes of it at the end). */
export async function setUpModel(
  infSpec: Extract<StageSpec, { type: 'inference' }>,
  ppSpec: Extract<StageSpec, { type: 'preprocess' }> | undefined,
  opts: PipelineOptions,
  log: Logger,
  name: string | undefined,
): Promise<{ model: LoadedModel; own: boolean }> {
  const columnsFile = ppSpec?.columnsFile ?? opts.columnsFile;
  let model =
    infSpec.model ??
    (await openModel(name ?? DEFAULT_MODEL, {
      repository: infSpec.modelRepository,
      columns: ppSpec?.columns,
      columnsFile,
      featureLength: opts.featureLength,
      engineOptions: infSpec.engineOptions,
    }));
  const own = !infSpec.model;
  if (own) log.info(`engine: ${describeEngine(model.engine)}`);
  const triton =
    infSpec.stage === 'inf-triton'
      ? await selectTritonEngine(model, { engine: infSpec.engine, tritonHome: infSpec.tritonHome }).catch((err: unknown) => {
          if (own) model.forest.dispose();
          throw err;
        })
      : undefined;
  if (triton?.engine === 'triton') {
    log.info(
      `inf-triton: running model '${model.entry.name}' on the in-process Triton server (${triton.library}), ${triton.kind}` +
        (triton.configChanges.length ? `; config.pbtxt overridden at load: ${triton.configChanges.join(', ')}` : ''),
    );
    if (own) model.forest.dispose();
    model = { ...model, forest: triton.forest };
  } else if (triton) {
    log.info(
      `inf-triton: ${triton.reason}${infSpec.serverUrl ? ` (--server_url=${infSpec.serverUrl} not used)` : ''}; ` +
        `running model '${model.entry.name}' from ${model.entry.dir} on the embedded FIL engine`,
    );
  }
  return { model, own };
}
