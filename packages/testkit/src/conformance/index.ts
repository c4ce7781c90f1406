export { runConformanceSuite } from './suite.js';
export type { ConformanceFactoryOptions, ConformanceOptions } from './types.js';
