/**
 * The shape `migrate baseline` requires of an existing storage_records: the columns, types and key the
 * first shipped migration creates, and how a table made by another tool differs from it. Pure: the
 * catalog rows come from postgres-baseline.ts.
 */

/** One column as the catalog describes it. */
export interface ColumnInfo {
  name: string;
  /** `format_type` of the column: `character varying(255)`, `timestamp without time zone`. */
  type: string;
  /** The base type's name: `varchar`, `text`, `timestamp`, `timestamptz`, `jsonb`, `bool`. */
  base: string;
  notNull: boolean;
  /** The default expression, or null. */
  default: string | null;
  /** The column's collation name, or null for types without one. */
  collation: string | null;
  /** Rows where the column is NULL (counted only for columns that must not be). */
  nulls: number;
}

/** One way the table differs from the first migration's. */
export interface ShapeDifference {
  /** The column, or `primary key`. */
  subject: string;
  /** What is there and what is needed. */
  found: string;
  /** The SQL that makes the table match. */
  sql: string;
}

/** What {@link compareShape} found: differences baseline aligns itself, and those it refuses. */
export interface ShapeComparison {
  /** Lossless changes baseline makes in the same transaction as it records the migrations. */
  aligned: ShapeDifference[];
  /** Differences the operator must resolve (data may need a decision): baseline refuses. */
  incompatible: ShapeDifference[];
}

type Family = 'text' | 'jsonb' | 'timestamp' | 'boolean';

interface ColumnSpec {
  name: string;
  family: Family;
  notNull: boolean;
  /** The column as the first migration declares it, for ADD COLUMN. */
  ddl: string;
}

/** The columns of the first shipped migration (1767225600000_create-storage-records.sql). */
const COLUMNS: readonly ColumnSpec[] = [
  { name: 'id', family: 'text', notNull: true, ddl: 'text COLLATE "C" NOT NULL' },
  { name: 'data', family: 'jsonb', notNull: true, ddl: "jsonb NOT NULL DEFAULT '{}'::jsonb" },
  { name: 'created_at', family: 'timestamp', notNull: true, ddl: 'timestamptz NOT NULL DEFAULT now()' },
  { name: 'updated_at', family: 'timestamp', notNull: true, ddl: 'timestamptz NOT NULL DEFAULT now()' },
  { name: 'expires_at', family: 'timestamp', notNull: false, ddl: 'timestamptz' },
  { name: 'compressed', family: 'boolean', notNull: true, ddl: 'boolean NOT NULL DEFAULT false' },
  { name: 'type', family: 'text', notNull: false, ddl: 'text COLLATE "C"' },
  { name: 'session_id', family: 'text', notNull: false, ddl: 'text COLLATE "C"' },
  { name: 'thread_id', family: 'text', notNull: false, ddl: 'text COLLATE "C"' },
  { name: 'metadata', family: 'jsonb', notNull: false, ddl: 'jsonb' },
];

/** Columns a later shipped migration adds; checked only when present. */
const LATER_COLUMNS: readonly ColumnSpec[] = [
  { name: 'tenant_id', family: 'text', notNull: false, ddl: 'text COLLATE "C"' },
];

/** Base types that hold each family's values without loss. */
const FAMILY_BASES: Readonly<Record<Family, readonly string[]>> = {
  text: ['text', 'varchar'],
  jsonb: ['jsonb'],
  timestamp: ['timestamptz', 'timestamp'],
  boolean: ['bool'],
};

/** The exact type of each family, as the first migration has it. */
const TARGET_TYPE: Readonly<Record<Family, string>> = {
  text: 'text COLLATE "C"',
  jsonb: 'jsonb',
  timestamp: 'timestamptz',
  boolean: 'boolean',
};

const ALTER = 'ALTER TABLE storage_records';

function compareColumn(spec: ColumnSpec, column: ColumnInfo, comparison: ShapeComparison): void {
  const { name } = spec;
  const quoted = `"${name}"`;
  const target = TARGET_TYPE[spec.family];
  if (!FAMILY_BASES[spec.family].includes(column.base)) {
    comparison.incompatible.push({
      subject: name,
      found: `is ${column.type}, must be ${target}`,
      sql: `${ALTER} ALTER COLUMN ${quoted} TYPE ${target} USING ${quoted}::${target.split(' ')[0]};`,
    });
    return;
  }
  if (spec.family === 'text' && (column.base !== 'text' || column.collation !== 'C')) {
    comparison.aligned.push({
      subject: name,
      found: `is ${column.type}${column.collation ? ` (collation ${column.collation})` : ''}; ids and filters compare by code point`,
      sql: `${ALTER} ALTER COLUMN ${quoted} TYPE text COLLATE "C";`,
    });
  }
  if (spec.family === 'timestamp' && column.base === 'timestamp') {
    comparison.aligned.push({
      subject: name,
      found:
        'is timestamp without time zone; its values are read as UTC (the design wrote datetime.utcnow())',
      sql: `${ALTER} ALTER COLUMN ${quoted} TYPE timestamptz USING ${quoted} AT TIME ZONE 'UTC';`,
    });
  }
  if (name === 'compressed' && !/^false\b/.test(column.default ?? '')) {
    comparison.aligned.push({
      subject: name,
      found: 'has no DEFAULT false; recordstore writes rows without naming it',
      sql: `${ALTER} ALTER COLUMN compressed SET DEFAULT false;`,
    });
  }
  if (spec.notNull && !column.notNull) {
    if (column.nulls > 0 && name !== 'compressed') {
      comparison.incompatible.push({
        subject: name,
        found: `allows NULL and ${column.nulls} row(s) have none; every record has one`,
        sql: `UPDATE storage_records SET ${quoted} = <value> WHERE ${quoted} IS NULL; ${ALTER} ALTER COLUMN ${quoted} SET NOT NULL;`,
      });
      return;
    }
    comparison.aligned.push({
      subject: name,
      found: column.nulls > 0 ? `allows NULL (${column.nulls} row(s): not compressed)` : 'allows NULL',
      sql:
        column.nulls > 0
          ? `UPDATE storage_records SET compressed = false WHERE compressed IS NULL; ${ALTER} ALTER COLUMN compressed SET NOT NULL;`
          : `${ALTER} ALTER COLUMN ${quoted} SET NOT NULL;`,
    });
  }
}

/**
 * Compares the table's columns and primary key with the first shipped migration's.
 * @param primaryKey the primary key's columns and constraint name, or null when there is none
 */
export function compareShape(
  columns: readonly ColumnInfo[],
  primaryKey: { name: string; columns: string[] } | null,
): ShapeComparison {
  const comparison: ShapeComparison = { aligned: [], incompatible: [] };
  const byName = new Map(columns.map((c) => [c.name, c]));
  for (const spec of [...COLUMNS, ...LATER_COLUMNS]) {
    const column = byName.get(spec.name);
    if (column !== undefined) compareColumn(spec, column, comparison);
    else if (COLUMNS.includes(spec)) {
      comparison.incompatible.push({
        subject: spec.name,
        found: 'is missing',
        sql: `${ALTER} ADD COLUMN "${spec.name}" ${spec.ddl};`,
      });
    }
  }
  const known = new Set([...COLUMNS, ...LATER_COLUMNS].map((s) => s.name));
  for (const column of columns) {
    if (known.has(column.name) || !column.notNull || column.default !== null) continue;
    comparison.incompatible.push({
      subject: column.name,
      found: 'is NOT NULL without a default, and recordstore writes rows without it',
      sql: `${ALTER} ALTER COLUMN "${column.name}" DROP NOT NULL;`,
    });
  }
  if (primaryKey === null || primaryKey.columns.join(',') !== 'id') {
    comparison.incompatible.push({
      subject: 'primary key',
      found: primaryKey === null ? 'is missing' : `is (${primaryKey.columns.join(', ')}), must be (id)`,
      sql:
        primaryKey === null
          ? `${ALTER} ADD PRIMARY KEY (id);`
          : `${ALTER} DROP CONSTRAINT "${primaryKey.name.replaceAll('"', '""')}", ADD PRIMARY KEY (id);`,
    });
  }
  return comparison;
}

/** The indexes of the first shipped migration, by name: baseline reports those the table lacks. */
export const FIRST_MIGRATION_INDEXES: Readonly<Record<string, string>> = {
  storage_records_session_id_created_at_idx: '(session_id, created_at)',
  storage_records_thread_id_created_at_idx: '(thread_id, created_at)',
  storage_records_type_created_at_idx: '(type, created_at)',
  storage_records_expires_at_idx: '(expires_at) WHERE expires_at IS NOT NULL',
  storage_records_data_gin_idx: 'USING gin (data jsonb_path_ops)',
};

/** The statement that creates one of {@link FIRST_MIGRATION_INDEXES} without blocking writers. */
export function firstMigrationIndexSql(name: string): string {
  return `CREATE INDEX CONCURRENTLY IF NOT EXISTS ${name} ON storage_records ${FIRST_MIGRATION_INDEXES[name]};`;
}
