/**
 * @recordstore/langgraph: LangGraph JS persistence on any recordstore backend. `RecordStoreSaver` is a
 * checkpoint saver (`BaseCheckpointSaver`) and `RecordStoreStore` a long-term memory store
 * (`BaseStore`); both take a connected recordstore and leave its lifecycle to the caller.
 * @module
 */
export {
  RecordStoreSaver,
  type RecordStoreSaverOptions,
} from './checkpoint-saver.js';
export {
  type RecordStoreSearchOptions,
  RecordStoreStore,
  type RecordStoreStoreOptions,
  type StoreTtlConfig,
} from './item-store.js';
export { DEFAULT_PREFIX, type RecordNames, recordNames } from './record-ids.js';
