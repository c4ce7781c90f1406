import type { Clock, Logger } from '../clock.js';
import type { RecordSchemas } from '../schema/record-schemas.js';
import type { UntypedRecord } from '../typing/record-types.js';
import type { SpanTracer } from './tracing.js';

/** Runtime options of a store that are not config: injected clock and logger, record schemas. */
export interface BackendOptions<R extends object = UntypedRecord> {
  clock?: Clock;
  logger?: Logger;
  /**
   * Standard Schemas (zod, valibot, arktype, ...) by record `type`: `save`, `saveMany`, `update`, imports
   * and transactions refuse a record failing the schema of its type with a `RecordValidationError`
   * (kind `validation`), storing nothing of the call.
   */
  schemas?: RecordSchemas<R>;
  /**
   * An OpenTelemetry tracer (`trace.getTracer('my-app')` of `@opentelemetry/api`, or `await globalTracer()`):
   * one span per operation, transaction, backup and copy, with the database semantic-convention
   * attributes. Absent: no spans, and `@opentelemetry/api` is never loaded.
   */
  tracer?: SpanTracer;
}
