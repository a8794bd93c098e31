export { parsePbtxt, type PbMessage, type PbValue } from './pbtxt.js';
export {
  defaultModelRepository,
  listModels,
  readModelEntry,
  readNameList,
  type ModelEntry,
  type ModelFileFormat,
} from './repository.js';
export { openModel, type OpenModelOptions, type LoadedModel } from './open.js';
