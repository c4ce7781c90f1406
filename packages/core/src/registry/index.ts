export {
  type BackendClass,
  type BackendExport,
  type RegisterBackendOptions,
  type ResolvedBackend,
  registerBackend,
  registeredBackendNames,
  resolveBackend,
} from './backend-registry.js';
export {
  type BackendRef,
  constructStorage,
  createPreparedStorage,
  createStorage,
  prepareBackend,
  type ValidatedBackendConfig,
  validateBackendConfig,
} from './create-storage.js';
export { type LoadedPlugin, loadPlugins, PLUGIN_EXPORT } from './plugins.js';
