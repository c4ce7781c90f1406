import { runConformanceSuite } from '@recordstore/testkit';
import { pooledConformance, useSuiteDatabase } from './helpers.js';

// One database for this file (cloned from the migrated template); each storeKey gets a schema from a
// pool: migrated on its first connect (auto_migrate), emptied by cleanup and reused.
const db = useSuiteDatabase();

runConformanceSuite({ name: 'postgresql', ...pooledConformance(db, 'conformance') });
