export { TritonServer, checkMetadata, type ModelExpectation, type ModelMetadata, type TensorMetadata, type TritonStartOptions } from './server.js';
export { TritonForest, type TritonForestOptions } from './forest.js';
export { selectTritonEngine, type EngineChoice, type EngineSelection, type TritonEngineOptions } from './engine.js';
export { loadConfig, toJson as pbtxtToJson, type ClassifierParam, type InstanceKind, type LoadConfig } from './model-config.js';
export { DEFAULT_TRITON_HOME, describeHomes, inspectHome, libraryPath, tritonHomes, type TritonHomeReport } from './locate.js';
export { tritonError } from './errors.js';
