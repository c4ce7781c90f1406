import { PostgreSQLStorageBackend } from '@recordstore/postgres';
import { describeAdapterBehaviour } from './adapter-behaviour.js';
import { usePostgresDatabase } from './postgres-database.js';

const database = usePostgresDatabase();

describeAdapterBehaviour(
  'the PostgreSQL backend',
  ({ clock, ttl_enabled }) =>
    new PostgreSQLStorageBackend(
      { url: database.url, connection_pool_size: 2, ttl_enabled: ttl_enabled ?? false },
      clock ? { clock } : {},
    ),
);
