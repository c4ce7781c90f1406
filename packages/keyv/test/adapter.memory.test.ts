import { MemoryStorageBackend } from '@recordstore/core';
import { describeAdapterBehaviour } from './adapter-behaviour.js';

describeAdapterBehaviour(
  'the memory backend',
  ({ clock, ttl_enabled }) =>
    new MemoryStorageBackend({ ttl_enabled: ttl_enabled ?? false }, clock ? { clock } : {}),
);
