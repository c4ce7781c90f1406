import { runConformanceSuite } from '@recordstore/testkit';
import { pooledConformance, useSuiteDatabase } from './helpers.js';

// The whole suite again on stores that declare indexes on the JSON paths its random filters use: equality
// on a declared data path compiles to the index's expression OR array containment instead of containment
// alone, and the differential and fuzz groups compare that with the in-memory reference.
const db = useSuiteDatabase();

runConformanceSuite({
  name: 'postgresql with declared path indexes',
  ...pooledConformance(db, 'declared', {
    indexes: [
      { path: 'a', type: 'text' },
      { path: 'b', type: 'numeric' },
      { path: 'n', type: 'numeric' },
      { path: 's', type: 'text' },
      { path: 'obj.x', type: 'text' },
      { path: 'obj.y', type: 'numeric' },
      { path: 'tags.0', type: 'text' },
      { path: 'metadata.x', type: 'text' },
    ],
  }),
});
