import { isStorageError } from '../errors.js';

/**
 * OpenTelemetry spans for store operations, as a decorator of the runtime (like the metrics meter): drivers
 * need nothing. The types below are the structural subset of `@opentelemetry/api` this file uses, so core
 * neither imports nor requires the package: a `Tracer` from `@opentelemetry/api` fits {@link SpanTracer}
 * as it is. An application passes one (`createStorage(config, { tracer })`), or asks for the globally
 * registered one with {@link globalTracer}, which imports `@opentelemetry/api` only when it is installed.
 */

/** Attribute values a span accepts. */
export type SpanAttributeValue = string | number | boolean;

/** The part of an OpenTelemetry `Span` the runtime uses. */
export interface TracedSpan {
  setAttribute(key: string, value: SpanAttributeValue): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  recordException(exception: Error | string): unknown;
  end(): unknown;
}

/** The part of an OpenTelemetry `Tracer` the runtime uses; `trace.getTracer(name)` returns one. */
export interface SpanTracer {
  startActiveSpan<F extends (span: TracedSpan) => unknown>(
    name: string,
    options: { kind?: number; attributes?: Record<string, SpanAttributeValue> },
    fn: F,
  ): ReturnType<F>;
  startSpan(
    name: string,
    options?: { kind?: number; attributes?: Record<string, SpanAttributeValue> },
  ): TracedSpan;
}

/** `SpanKind.CLIENT` and `SpanStatusCode.ERROR` of `@opentelemetry/api` (stable numbers of the spec). */
const SPAN_KIND_CLIENT = 2;
const STATUS_ERROR = 2;

/** What every span of one store carries (database semantic conventions). */
export interface StoreSpanAttributes {
  /** `db.system.name`: the backend's name (`postgresql`, `sqlite`, `memory`, ...). */
  system: string;
  /** `db.namespace`: where the data lives, without credentials (the store's identity), when known. */
  namespace?: string | undefined;
  /** `db.collection.name`: the table (or the backend's storage) holding the records, when known. */
  collection?: string | undefined;
}

/**
 * Starts one span per call of `fn`, named `<operation> <collection>` as the semantic conventions suggest,
 * with `db.system.name`, `db.operation.name`, `db.collection.name` and `db.namespace`. A failure sets the
 * span's status to error with `error.type` (the StorageError's kind, else the error's name) and records
 * the exception (its message: StorageErrors never carry secrets).
 */
export class OperationTracer {
  readonly #tracer: SpanTracer;
  readonly #base: Record<string, SpanAttributeValue>;
  readonly #collection: string | undefined;

  constructor(tracer: SpanTracer, attributes: StoreSpanAttributes) {
    this.#tracer = tracer;
    this.#collection = attributes.collection;
    this.#base = { 'db.system.name': attributes.system };
    if (attributes.namespace) this.#base['db.namespace'] = attributes.namespace;
    if (attributes.collection) this.#base['db.collection.name'] = attributes.collection;
  }

  /** Runs `fn` inside an active span for `operation` (children, such as driver spans, nest under it). */
  trace<T>(operation: string, fn: () => Promise<T>, extra?: Record<string, SpanAttributeValue>): Promise<T> {
    const name = this.#collection ? `${operation} ${this.#collection}` : operation;
    const attributes = { ...this.#base, 'db.operation.name': operation, ...extra };
    return this.#tracer.startActiveSpan(name, { kind: SPAN_KIND_CLIENT, attributes }, async (span) => {
      try {
        return await fn();
      } catch (error) {
        failSpan(span, error);
        throw error;
      } finally {
        span.end();
      }
    });
  }

  /**
   * A span held open across several calls (a stream, iterated by its caller): `end` closes it, with the
   * error when the iteration failed.
   */
  open(operation: string): { end(error?: unknown): void } {
    const name = this.#collection ? `${operation} ${this.#collection}` : operation;
    const attributes = { ...this.#base, 'db.operation.name': operation };
    const span = this.#tracer.startSpan(name, { kind: SPAN_KIND_CLIENT, attributes });
    let ended = false;
    return {
      end(error?: unknown) {
        if (ended) return;
        ended = true;
        if (error !== undefined) failSpan(span, error);
        span.end();
      },
    };
  }
}

function failSpan(span: TracedSpan, error: unknown): void {
  const type = isStorageError(error) ? error.kind : error instanceof Error ? error.name : '_OTHER';
  span.setAttribute('error.type', type);
  const message = error instanceof Error ? error.message : String(error);
  span.setStatus({ code: STATUS_ERROR, message });
  span.recordException(error instanceof Error ? error : message);
}

/**
 * The tracer of the globally registered OpenTelemetry SDK (`trace.getTracer('@recordstore/core')`), or
 * undefined when `@opentelemetry/api` is not installed. Imported dynamically: core never requires it.
 * With the API installed but no SDK registered, the tracer is a no-op one (spans cost next to nothing).
 * @example
 * const store = await createStorage(config, { tracer: await globalTracer() });
 */
export async function globalTracer(name = '@recordstore/core'): Promise<SpanTracer | undefined> {
  try {
    const specifier = '@opentelemetry/api';
    const api = (await import(specifier)) as { trace: { getTracer(name: string): SpanTracer } };
    return api.trace.getTracer(name);
  } catch {
    return undefined;
  }
}

/** The part of a store {@link traceWith} needs. */
interface TracedStore {
  capability?(name: 'tracing'): { trace<T>(operation: string, fn: () => Promise<T>): Promise<T> } | undefined;
}

/**
 * Runs `fn` in a span of the first store that has a tracer (its `tracing` capability), else directly:
 * backups, restores and copies get one span each.
 */
export function traceWith<T>(
  stores: readonly TracedStore[],
  operation: string,
  fn: () => Promise<T>,
): Promise<T> {
  for (const store of stores) {
    const tracing = store.capability?.('tracing');
    if (tracing) return tracing.trace(operation, fn);
  }
  return fn();
}

/**
 * `db.system.name` (the backend), `db.namespace` (the store's credential-free identity) and
 * `db.collection.name` (its table) of a store's spans.
 */
export function spanAttributesOf(
  system: string,
  definition: { capabilities?: { identity?: (config: never) => string } | undefined },
  config: unknown,
): { system: string; namespace?: string; collection?: string } {
  let namespace: string | undefined;
  try {
    namespace = definition.capabilities?.identity?.(config as never);
  } catch {
    // A config the identity cannot describe fails at connect with its own message.
  }
  const table = (config as { table_name?: unknown }).table_name;
  return {
    system,
    ...(namespace === undefined ? {} : { namespace }),
    ...(typeof table === 'string' ? { collection: table } : {}),
  };
}
