import type { Filter, ListOptions, OrderBy, RecordInput } from '@recordstore/core';
import * as fc from 'fast-check';
import { START } from './harness.js';

// Small vocabularies on purpose: random filters must hit random records often, and ties must happen.
const DATA_KEYS = ['a', 'b', 'n', 's', 'tags', 'obj'] as const;
const SUB_KEYS = ['x', 'y'] as const;
const CHARS = ['a', 'A', 'b', '%', '_', '\\', 'é', 'É', '😀', '中', '\uFFFF', ' ', '5', '30', '100'];
const PATTERN_TOKENS = ['a', 'A', 'b', 'é', 'É', '😀', '中', '5', '1', '%', '_', '\\%', '\\_', '\\\\', ' '];

const WORDS = [
  '',
  'a',
  'A',
  'ab',
  'aB',
  'é',
  'É',
  '😀',
  'a😀b',
  '%',
  '_',
  '\\',
  '5',
  '30',
  '100',
  '\uFFFF',
  '中文',
];
// Mostly a few fixed words, so equality hits; sometimes random joins, so LIKE and ranges see variety.
const str = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...WORDS) },
  {
    weight: 1,
    arbitrary: fc.array(fc.constantFrom(...CHARS), { maxLength: 3 }).map((parts) => parts.join('')),
  },
);
const num = fc.constantFrom(-3, -1, 0, 1, 2, 3, 5, 30, 100, 0.5, -1.25, 2.5);
const scalar: fc.Arbitrary<string | number | boolean | null> = fc.oneof(
  num,
  str,
  fc.boolean(),
  fc.constant(null),
);
const leaf = fc.oneof(
  { weight: 4, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }) },
);
const object = fc.dictionary(fc.constantFrom(...SUB_KEYS), leaf, { maxKeys: 2, noNullPrototype: true });
const value = fc.oneof({ weight: 5, arbitrary: leaf }, { weight: 1, arbitrary: object });
const data = fc.dictionary(fc.constantFrom(...DATA_KEYS), value, {
  minKeys: 2,
  maxKeys: 5,
  noNullPrototype: true,
});

const TIME_OFFSETS = [-3000, -2000, -1000, 0];
const EXPIRY_OFFSETS = [-1000, 0, 1, 1000, 5000];

/** A random record's parts (ids and timestamps are added by {@link toRecords}). */
export const record = fc.record({
  data,
  type: fc.option(fc.constantFrom('note', 'Note', 'msg', '😀', '')),
  session_id: fc.option(fc.constantFrom('s1', 's2')),
  thread_id: fc.option(fc.constantFrom('t1', 't2', 'T1')),
  metadata: fc.option(object),
  created: fc.constantFrom(...TIME_OFFSETS),
  expires: fc.option(fc.constantFrom(...EXPIRY_OFFSETS), { freq: 2 }),
});

/** What {@link record} generates. */
export type Generated = typeof record extends fc.Arbitrary<infer T> ? T : never;

/** Turns generated parts into records with ids r00, r01, ... */
export function toRecords(generated: readonly Generated[]): RecordInput[] {
  return generated.map((g, i): RecordInput => {
    const out: RecordInput = { ...g.data, id: `r${String(i).padStart(2, '0')}` };
    if (g.type !== null) out.type = g.type;
    if (g.session_id !== null) out.session_id = g.session_id;
    if (g.thread_id !== null) out.thread_id = g.thread_id;
    if (g.metadata !== null) out.metadata = g.metadata;
    out.created_at = START + g.created;
    out.expires_at = g.expires === null ? null : START + g.expires;
    return out;
  });
}

const JSON_PATHS = [
  'a',
  'b',
  'n',
  's',
  'tags',
  'obj',
  'obj.x',
  'obj.y',
  'tags.0',
  'missing',
  'metadata.x',
  'metadata.y',
];
// Patterns built from tokens, and "%word%" / "word%" forms that hit the stored words (accents, emoji).
const pattern = fc.oneof(
  fc.array(fc.constantFrom(...PATTERN_TOKENS), { maxLength: 4 }).map((t) => t.join('')),
  fc.constantFrom(...WORDS).map((w) => `%${w}%`),
  fc.constantFrom(...WORDS).map((w) => `${w}%`),
);
// The strings where code point order and UTF-16 order part ways, and where case folding is tempting.
const EDGE = ['\uFFFF', '😀', 'a😀b', 'é', 'É', 'a', 'A', '中文', '5', '30', '100', ''];
const rangeOperand = fc.oneof(num, fc.constantFrom(...EDGE), str);

/** Operators with operands of the right type for a JSON path. */
const jsonOperator: fc.Arbitrary<[string, unknown]> = fc.oneof(
  fc.tuple(fc.constantFrom('$eq', '$ne'), scalar),
  fc.tuple(fc.constantFrom('$gt', '$gte', '$lt', '$lte'), rangeOperand),
  fc.tuple(fc.constantFrom('$in', '$nin'), fc.array(scalar, { maxLength: 3 })),
  fc.tuple(fc.constantFrom('$like', '$ilike'), pattern),
  fc.tuple(fc.constant('$exists'), fc.boolean()),
);
const columnValue = fc.constantFrom(
  'note',
  'Note',
  'msg',
  '😀',
  '',
  's1',
  's2',
  't1',
  'T1',
  'r00',
  'r01',
  'r03',
  'r05',
  'n',
);
const columnOperator = (nullable: boolean): fc.Arbitrary<[string, unknown]> =>
  fc.oneof(
    fc.tuple(fc.constantFrom('$eq', '$ne'), nullable ? fc.option(columnValue) : columnValue),
    fc.tuple(fc.constantFrom('$gt', '$gte', '$lt', '$lte'), columnValue),
    fc.tuple(
      fc.constantFrom('$in', '$nin'),
      fc.array(nullable ? fc.option(columnValue) : columnValue, { maxLength: 3 }),
    ),
    fc.tuple(fc.constantFrom('$like', '$ilike'), pattern),
    fc.tuple(fc.constant('$exists'), fc.boolean()),
  );
const timeValue = fc.constantFrom(...TIME_OFFSETS, ...EXPIRY_OFFSETS).map((o) => START + o);
const timeOperator: fc.Arbitrary<[string, unknown]> = fc.oneof(
  fc.tuple(fc.constantFrom('$eq', '$ne'), fc.option(timeValue)),
  fc.tuple(fc.constantFrom('$gt', '$gte', '$lt', '$lte'), timeValue),
  fc.tuple(fc.constantFrom('$in', '$nin'), fc.array(timeValue, { maxLength: 2 })),
  fc.tuple(fc.constant('$exists'), fc.boolean()),
);

/** `{field: value}` or `{field: {$op: operand, ...}}`, one or two operators on one field. */
function condition(
  paths: fc.Arbitrary<string>,
  operator: fc.Arbitrary<[string, unknown]>,
  implicit: fc.Arbitrary<unknown>,
) {
  return fc
    .tuple(paths, fc.oneof(implicit, fc.array(operator, { minLength: 1, maxLength: 2 })))
    .map(([path, op]) =>
      Array.isArray(op) && Array.isArray(op[0])
        ? { [path]: Object.fromEntries(op as [string, unknown][]) }
        : { [path]: op },
    );
}

const jsonCondition = condition(fc.constantFrom(...JSON_PATHS), jsonOperator, scalar).map((c): Filter => {
  // Sometimes write "obj.x" as the nested-object shorthand { obj: { x: ... } }.
  const [key] = Object.keys(c);
  if (key?.startsWith('obj.') && JSON.stringify(c).length % 2 === 0)
    return { obj: { [key.slice(4)]: c[key] } };
  return c;
});
const leafFilter: fc.Arbitrary<Filter> = fc.oneof(
  { weight: 4, arbitrary: jsonCondition },
  {
    weight: 1,
    arbitrary: condition(
      fc.constantFrom('type', 'session_id', 'thread_id'),
      columnOperator(true),
      fc.option(columnValue),
    ),
  },
  { weight: 1, arbitrary: condition(fc.constant('id'), columnOperator(false), columnValue) },
  {
    weight: 1,
    arbitrary: condition(fc.constantFrom('created_at', 'expires_at', 'updated_at'), timeOperator, timeValue),
  },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.constant({ metadata: null }),
      fc.boolean().map((b) => ({ metadata: { $exists: b } })),
    ),
  },
);

/** A random valid filter over the generated key set: every operator, and/or/not, dotted paths. */
export const filter: fc.Arbitrary<Filter> = fc.letrec<{ node: Filter }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', maxDepth: 3, withCrossShrink: true },
    { weight: 6, arbitrary: leafFilter },
    {
      weight: 1,
      arbitrary: fc.array(tie('node'), { minLength: 1, maxLength: 3 }).map((nodes) => ({ $and: nodes })),
    },
    {
      weight: 1,
      arbitrary: fc.array(tie('node'), { minLength: 1, maxLength: 3 }).map((nodes) => ({ $or: nodes })),
    },
    { weight: 1, arbitrary: tie('node').map((node) => ({ $not: node })) },
    { weight: 1, arbitrary: fc.tuple(leafFilter, tie('node')).map(([a, b]) => ({ ...a, ...b })) },
  ),
})).node;

const ORDER_FIELDS: OrderBy['field'][] = [
  'created_at',
  'updated_at',
  'expires_at',
  'id',
  'type',
  'session_id',
  'thread_id',
];
/** A random order (0 to 2 keys) with an optional window. */
export const listOptions: fc.Arbitrary<ListOptions> = fc.record(
  {
    orderBy: fc.array(
      fc.record({
        field: fc.constantFrom(...ORDER_FIELDS),
        direction: fc.constantFrom<'asc' | 'desc'>('asc', 'desc'),
      }),
      { maxLength: 2 },
    ),
    limit: fc.integer({ min: 0, max: 6 }),
    offset: fc.integer({ min: 0, max: 4 }),
  },
  { requiredKeys: ['orderBy'] },
);

// A focused generator for the string rules, where backends most often drift from the reference:
// code point order (U+FFFF sorts before an emoji), ASCII-only case folding, LIKE escapes and `_` on
// astral characters.
const EDGE_CHARS = ['a', 'A', 'é', 'É', '😀', '\uFFFF', '\uE000', '%', '_'];
const edgeString = fc
  .array(fc.constantFrom(...EDGE_CHARS), { minLength: 1, maxLength: 3 })
  .map((p) => p.join(''));
const edgePattern = fc
  .array(fc.constantFrom('a', 'A', 'é', 'É', '😀', '\uFFFF', '%', '_', '\\%', '\\_'), {
    minLength: 1,
    maxLength: 3,
  })
  .map((p) => p.join(''));

/** Records `{ s, type }` whose strings are all edge cases. */
export const stringRecord = fc.record({ s: fc.option(edgeString, { freq: 8 }), type: fc.option(edgeString) });

/** A filter on `s` or `type` by a string operator, possibly negated. */
export const stringFilter: fc.Arbitrary<Filter> = fc
  .tuple(
    fc.constantFrom('s', 'type'),
    fc.oneof(
      fc.tuple(fc.constantFrom('$gt', '$gte', '$lt', '$lte', '$eq', '$ne'), edgeString),
      fc.tuple(fc.constantFrom('$like', '$ilike'), edgePattern),
      fc.tuple(fc.constant('$in'), fc.array(edgeString, { maxLength: 3 })),
    ),
    fc.boolean(),
  )
  .map(([field, [op, operand], negate]) => {
    const f: Filter = { [field]: { [op]: operand } };
    return negate ? { $not: f } : f;
  });
