import { MemoryStorageBackend } from '@recordstore/core';
import { afterAll } from 'vitest';
import { runKeyvSuites } from './keyv-suites.js';

// One store for the file, handed to every adapter unconnected: the first adapter's first call connects it.
const backend = new MemoryStorageBackend();
afterAll(() => backend.close());

runKeyvSuites('memory backend', () => backend);
