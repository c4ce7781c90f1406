import type { RunnableConfig } from '@langchain/core/runnables';
import { StorageError } from '@recordstore/core';
import type { ThreadScope } from './record-ids.js';

/** Reading the saver's RunnableConfig: its `configurable` thread id, namespace and checkpoint id. */

/** `config.configurable`, whose keys LangGraph leaves untyped. */
export type Configurable = Record<string, unknown>;

/** `config.configurable`, required by writes. */
export function configurableOf(config: RunnableConfig, operation: string): Configurable {
  if (config.configurable === undefined || config.configurable === null) {
    throw new StorageError(
      'validation',
      `RecordStoreSaver.${operation}: config.configurable is missing; pass { configurable: { thread_id: "..." } }.`,
      { path: 'config.configurable' },
    );
  }
  return config.configurable;
}

/** The thread id (a non-empty string; a number is taken as its decimal string). */
export function threadIdOf(configurable: Configurable, operation: string): string {
  const value = configurable.thread_id;
  if ((typeof value === 'string' && value !== '') || (typeof value === 'number' && Number.isFinite(value))) {
    return String(value);
  }
  throw new StorageError(
    'validation',
    `RecordStoreSaver.${operation}: config.configurable.thread_id must be a non-empty string, got ${JSON.stringify(value) ?? 'undefined'}. ` +
      'When using a checkpointer, pass a thread id: graph.invoke(input, { configurable: { thread_id: "my-thread" } }).',
    { path: 'config.configurable.thread_id' },
  );
}

/** The checkpoint namespace (default `""`, the root graph). */
export function namespaceOf(configurable: Configurable): string {
  const ns = configurable.checkpoint_ns ?? '';
  if (typeof ns !== 'string') {
    throw new StorageError(
      'validation',
      `RecordStoreSaver: config.configurable.checkpoint_ns must be a string, got ${typeof ns}.`,
      { path: 'config.configurable.checkpoint_ns' },
    );
  }
  return ns;
}

/** The (thread, namespace) a config names. */
export function scopeOf(configurable: Configurable, operation: string): ThreadScope {
  return { threadId: threadIdOf(configurable, operation), checkpointNs: namespaceOf(configurable) };
}
