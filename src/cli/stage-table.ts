/**
 * The Morpheus-compatible command surface of `abp run`: the run group's
 * options, pipeline-fil's options and every stage with its options, under
 * Morpheus' names. Options Morpheus has that mean nothing here are accepted
 * and ignored, so documented command lines run unchanged.
 */

export type OptKind = 'string' | 'int' | 'float' | 'flag' | 'bool' | 'list';

export interface OptDef {
  name: string;
  kind: OptKind;
  help: string;
  required?: boolean;
  default?: string | number | boolean;
  choices?: string[];
  /** Accepted for compatibility; has no effect here. */
  ignored?: boolean;
}

export interface CommandDef {
  name: string;
  help: string;
  options: OptDef[];
}

const o = (name: string, kind: OptKind, help: string, extra: Partial<OptDef> = {}): OptDef => ({ name, kind, help, ...extra });

export const RUN_GROUP: CommandDef = {
  name: 'run',
  help: 'Run a pipeline. Only pipeline-fil (forest models) is available.',
  options: [
    o('num_threads', 'int', 'Threads working on blocks of input, and engine threads per call (0 = one per core)', { default: 0 }),
    o('pipeline_batch_size', 'int', 'Rows per record batch of Arrow output (the work itself goes by blocks of 4 MiB of input)', { default: 1024 }),
    o('model_max_batch_size', 'int', "Rows per engine call (capped by the model's max_batch_size)", { default: 8192 }),
    o('on_error', 'string', 'Malformed input lines: fail, skip or quarantine:FILE', { default: 'fail' }),
    o('edge_buffer_size', 'int', 'Accepted for Morpheus compatibility', { ignored: true }),
    o('use_cpp', 'bool', 'Accepted for Morpheus compatibility', { ignored: true }),
  ],
};

export const PIPELINE_FIL: CommandDef = {
  name: 'pipeline-fil',
  help: 'Run the inference pipeline with a FIL (forest) model. List the stages in the order data flows, e.g.\n' +
    '  abp run pipeline-fil from-file --filename=in.jsonlines deserialize preprocess inf-triton --model_name=abp-nvsmi-xgb add-class serialize to-file --filename=out.jsonlines --overwrite\n' +
    'Rules: a source stage (from-file) first; deserialize between the source and the rest; at most one inference stage;\n' +
    'add-class, add-scores and filter after the inference stage.',
  options: [
    o('model_fea_length', 'int', 'Number of features of the model (checked against the model)'),
    o('label', 'list', 'Output labels (default: the model\'s labels.txt, else mining)'),
    o('labels_file', 'string', 'File of output labels, one per line'),
    o('columns_file', 'string', "File of feature columns, one per line (default: the model's columns_fil.txt)"),
    o('viz_file', 'string', 'Accepted for Morpheus compatibility', { ignored: true }),
    o('viz_direction', 'string', 'Accepted for Morpheus compatibility', { ignored: true }),
  ],
};

const MODEL_OPTS = [
  o('model_repository', 'string', "Model repository directory (default: the package's models/)"),
  o('device', 'string', 'Embedded engine device: auto (the GPU when one works, else the CPU), cpu, gpu, gpu:N', { default: 'auto' }),
];

export const STAGES: CommandDef[] = [
  {
    name: 'from-file',
    help: 'Read JSON lines (.jsonlines/.json, .gz) or Arrow IPC (.arrow, .arrows, .feather); - for stdin.',
    options: [
      o('filename', 'string', 'Input file, or - for stdin', { required: true }),
      o('file_type', 'string', 'auto (by extension), json, jsonlines, gz or arrow', { default: 'auto', choices: ['auto', 'json', 'jsonlines', 'gz', 'arrow'] }),
      o('repeat', 'int', 'Read the input this many times', { default: 1 }),
      o('max_line_bytes', 'int', 'Longest input line in bytes (default 64 MiB); a longer line is a bad line under --on_error'),
      o('iterative', 'flag', 'Accepted for Morpheus compatibility', { ignored: true }),
      o('filter_null', 'bool', 'Accepted for Morpheus compatibility', { ignored: true }),
    ],
  },
  {
    name: 'deserialize',
    help: 'Check every line and split the input into rows (on the worker threads, block by block).',
    options: [
      o('on_error', 'string', 'Malformed lines: fail, skip or quarantine:FILE (default: the run option)'),
      o('ensure_sliceable_index', 'bool', 'Accepted for Morpheus compatibility', { ignored: true }),
    ],
  },
  {
    name: 'preprocess',
    help: 'Feature columns to numbers: the first number in each value ("126.78 W" -> 126.78); missing -> NaN.',
    options: [o('morpheus_digits', 'flag', 'Morpheus\' rule: first run of digits only ("61.77 W" -> 61), for models trained that way')],
  },
  {
    name: 'inf-triton',
    help:
      'Inference with a model of the model repository, on an in-process Triton server when Triton and its FIL backend are installed ' +
      '(--triton_home, TRITON_HOME, /opt/tritonserver), else on the embedded FIL engine.',
    options: [
      o('model_name', 'string', 'Model name in the model repository', { required: true }),
      o('server_url', 'string', 'Triton server URL (accepted; Triton runs in-process, or the embedded engine is used)'),
      o('engine', 'string', 'auto: Triton when installed, else embedded; triton: Triton or an error; embedded', { default: 'auto', choices: ['auto', 'triton', 'embedded'] }),
      o('triton_home', 'string', 'Triton install directory (lib/libtritonserver.so, backends/), tried before TRITON_HOME and /opt/tritonserver'),
      ...MODEL_OPTS,
      o('force_convert_inputs', 'bool', 'Accepted for Morpheus compatibility (inputs are always float32)', { ignored: true }),
      o('use_shared_memory', 'flag', 'Accepted for Morpheus compatibility', { ignored: true }),
      o('needs_logits', 'bool', 'Accepted for Morpheus compatibility', { ignored: true }),
      o('input_mapping', 'list', 'Accepted for Morpheus compatibility', { ignored: true }),
      o('output_mapping', 'list', 'Accepted for Morpheus compatibility', { ignored: true }),
    ],
  },
  {
    name: 'inf-fil',
    help: 'Inference on the embedded FIL engine with a model of the model repository.',
    options: [o('model_name', 'string', 'Model name in the model repository (default: abp-gpm-xgb when the input carries GPM values, else abp-nvsmi-xgb)'), ...MODEL_OPTS],
  },
  {
    name: 'add-class',
    help: 'Add a boolean column per label: probability > threshold.',
    options: [
      o('threshold', 'float', "Threshold (default: the model's config threshold, 0.5)"),
      o('label', 'list', 'Only these labels'),
      o('prefix', 'string', 'Prefix for the added column names', { default: '' }),
    ],
  },
  {
    name: 'add-scores',
    help: 'Add a probability column per label.',
    options: [o('label', 'list', 'Only these labels'), o('prefix', 'string', 'Prefix for the added column names', { default: '' })],
  },
  {
    name: 'filter',
    help: 'Keep only rows with a probability above the threshold.',
    options: [
      o('threshold', 'float', "Threshold (default: the model's config threshold, 0.5)"),
      o('filter_source', 'string', 'Accepted for Morpheus compatibility', { ignored: true }),
      o('copy', 'bool', 'Accepted for Morpheus compatibility', { ignored: true }),
    ],
  },
  {
    name: 'monitor',
    help: 'Count and rate on stderr (a live line when stderr is a terminal).',
    options: [
      o('description', 'string', 'Label of the progress line', { default: 'Progress' }),
      o('unit', 'string', 'Unit name', { default: 'rows' }),
      o('smoothing', 'float', 'Accepted for Morpheus compatibility', { ignored: true }),
      o('delayed_start', 'flag', 'Accepted for Morpheus compatibility', { ignored: true }),
      o('log_level', 'string', 'Accepted for Morpheus compatibility', { ignored: true }),
    ],
  },
  {
    name: 'serialize',
    help: 'Choose output columns: regexes matched from the start of the column name.',
    options: [
      o('include', 'list', 'Keep only columns matching one of these regexes'),
      o('exclude', 'list', 'Drop columns matching one of these regexes (default: ^ID$ and ^_ts_)'),
      o('fixed_columns', 'bool', 'Accepted for Morpheus compatibility', { ignored: true }),
    ],
  },
  {
    name: 'to-file',
    help: 'Write JSON lines (.gz compressed) or Arrow IPC (.arrow file, .arrows stream) by extension; - for stdout.',
    options: [
      o('filename', 'string', 'Output file, or - for stdout', { required: true }),
      o('overwrite', 'flag', 'Replace an existing file'),
      o('file_type', 'string', 'auto (by extension), json, jsonlines, gz, arrow or arrows', { default: 'auto', choices: ['auto', 'json', 'jsonlines', 'gz', 'arrow', 'arrows'] }),
      o('include_index_col', 'bool', 'Accepted for Morpheus compatibility', { ignored: true }),
      o('flush', 'flag', 'Accepted for Morpheus compatibility', { ignored: true }),
    ],
  },
];

export const STAGE_BY_NAME = new Map(STAGES.map((s) => [s.name, s]));
