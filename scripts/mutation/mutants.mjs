// Known bugs planted one at a time into a copy of the memory driver (packages/core/src/memory/memory-driver.ts)
// by scripts/mutation-check.mjs. Each `replace` pair must match the driver's source exactly once: when the
// driver changes, the check fails naming the mutant whose pattern no longer applies, so the list is kept
// in step with the code it mutates.

const ID_EQ = "(n) => n.op === 'eq' && n.field.kind === 'string' && n.field.column === 'id'";

const DELETE_WHERE = `      deleteRowsWhere: async (filter) => {
        const rows = this.#matching(entries(), filter);`;

/**
 * A mutant whose driver evaluates every filter after rewriting its leaf conditions with `leaf` (a TypeScript
 * expression of `leaf: FilterNode`): how an operator compiled the wrong way behaves.
 */
function rewriteFilters(name, bug, leaf) {
  return {
    name,
    bug,
    replace: [
      [
        'if (matchesFilter(row, filter)) rows.push(row);',
        'if (matchesFilter(row, mutateLeaves(filter))) rows.push(row);',
      ],
    ],
    append: `
function mutateLeaves(node: FilterNode): FilterNode {
  if (node.op === 'and' || node.op === 'or') return { ...node, nodes: node.nodes.map(mutateLeaves) };
  if (node.op === 'not') return { ...node, node: mutateLeaves(node.node) };
  const leaf = node;
  return ${leaf};
}
`,
  };
}

/** @type {{ name: string; bug: string; replace?: [string, string][]; append?: string }[]} */
export const MUTANTS = [
  {
    name: 'lazy-expiry-deletes-live-row',
    bug: 'deleteRowsWhere runs an `and` holding an id equality as a delete by key, dropping the expiry check',
    replace: [
      [
        DELETE_WHERE,
        `      deleteRowsWhere: async (filter) => {
        const byId = filter.op === 'and' ? filter.nodes.find(${ID_EQ}) : undefined;
        if (byId?.op === 'eq') return entries().delete(String(byId.value)) ? 1 : 0;
        const rows = this.#matching(entries(), filter);`,
      ],
    ],
  },
  {
    name: 'lazy-expiry-deletes-every-expired-row',
    bug: 'deleteRowsWhere drops the id condition of an `and`: loading one expired record deletes all of them',
    replace: [
      [
        DELETE_WHERE,
        `      deleteRowsWhere: async (filter) => {
        const rows = this.#matching(
          entries(),
          filter.op === 'and' ? { op: 'and', nodes: filter.nodes.filter((n) => !(${ID_EQ})(n)) } : filter,
        );`,
      ],
    ],
  },
  {
    name: 'cleanup-old-data-inclusive-cutoff',
    bug: 'deleteRowsCreatedBefore(cutoff) also deletes rows created exactly at the cutoff (<= instead of <)',
    replace: [
      [
        '  async health(): Promise<Record<string, unknown>> {',
        `  async deleteRowsCreatedBefore(cutoff: number): Promise<number> {
    let deleted = 0;
    for (const [id, entry] of this.#entries) {
      if (entry.row.created_at <= cutoff && this.#entries.delete(id)) deleted++;
    }
    return deleted;
  }

  async health(): Promise<Record<string, unknown>> {`,
      ],
    ],
  },
  {
    name: 'upsert-forgets-keepCreatedAt',
    bug: 'upsertRows replaces created_at of a live record on every save',
    replace: [
      [
        'if (existing && keepCreatedAt && !isExpired(existing.row, now)) {',
        'if (existing && keepCreatedAt && !isExpired(existing.row, now) && false) {',
      ],
    ],
  },
  {
    name: 'upsert-keeps-created-at-of-expired-row',
    bug: 'upsertRows keeps created_at of an expired row (a re-save over it must be a fresh insert)',
    replace: [
      [
        'if (existing && keepCreatedAt && !isExpired(existing.row, now)) {',
        'if (existing && keepCreatedAt) {',
      ],
    ],
  },
  {
    name: 'upsert-ignores-keepCreatedAt-false',
    bug: 'upsertRows keeps the stored created_at even when the caller preserves its own timestamps',
    replace: [
      [
        'if (existing && keepCreatedAt && !isExpired(existing.row, now)) {',
        'if (existing && !isExpired(existing.row, now)) {',
      ],
    ],
  },
  {
    name: 'deleteRows-counts-missing-ids',
    bug: 'deleteRows counts every id asked for, not the ones that existed',
    replace: [
      [
        'for (const id of ids) if (entries().delete(id)) deleted++;',
        'for (const id of ids) { entries().delete(id); deleted++; }',
      ],
    ],
  },
  {
    name: 'deleteRowsWhere-returns-zero',
    bug: 'deleteRowsWhere deletes but reports 0',
    replace: [
      [
        '        for (const row of rows) entries().delete(row.id);\n        return rows.length;',
        '        for (const row of rows) entries().delete(row.id);\n        return 0;',
      ],
    ],
  },
  {
    name: 'listRows-ignores-offset',
    bug: 'listRows always starts at the first row',
    replace: [
      [
        'return rows.slice(query.offset, query.limit === null ? undefined : query.offset + query.limit);',
        'return rows.slice(0, query.limit === null ? undefined : query.limit);',
      ],
    ],
  },
  {
    name: 'listRows-limit-off-by-one',
    bug: 'listRows returns one row more than the limit',
    replace: [
      [
        'return rows.slice(query.offset, query.limit === null ? undefined : query.offset + query.limit);',
        'return rows.slice(query.offset, query.limit === null ? undefined : query.offset + query.limit + 1);',
      ],
    ],
  },
  {
    name: 'listRows-ignores-order',
    bug: 'listRows returns rows in insertion order',
    replace: [
      [
        'const rows = this.#matching(entries(), filter).sort((a, b) => compareRows(a, b, query.orderBy));',
        'const rows = this.#matching(entries(), filter);',
      ],
    ],
  },
  rewriteFilters(
    'filter-in-inverted',
    'the $in operator matches the values NOT listed ($in evaluated as $nin)',
    "leaf.op === 'in' ? { op: 'not', node: leaf } : leaf",
  ),
  rewriteFilters(
    'filter-range-inverted-on-data',
    '$gt on a data field compares the wrong way ($gt evaluated as $lt)',
    "leaf.op === 'cmp' && leaf.cmp === 'gt' && leaf.field.kind === 'json' ? { ...leaf, cmp: 'lt' } : leaf",
  ),
  {
    name: 'transaction-does-not-roll-back',
    bug: 'transaction(fn) writes straight into the live map, so a throwing fn leaves its writes behind',
    replace: [['const snapshot = new Map(this.#entries);', 'const snapshot = this.#entries;']],
  },
  {
    name: 'existsRow-ignores-expiry',
    bug: 'existsRow answers true for an expired row',
    replace: [
      [
        'const entry = entries().get(id);\n        return entry !== undefined && !isExpired(entry.row, now);',
        'const entry = entries().get(id);\n        return entry !== undefined;',
      ],
    ],
  },
  {
    name: 'existsRows-ignores-expiry',
    bug: 'the batched existsRows (coalesced exists) answers true for an expired row',
    replace: [
      [
        'const entry = map.get(id);\n          return entry !== undefined && !isExpired(entry.row, now);',
        'const entry = map.get(id);\n          return entry !== undefined;',
      ],
    ],
  },
  {
    name: 'countRows-ignores-filter',
    bug: 'countRows counts every row',
    replace: [
      [
        'countRows: async (filter) => this.#matching(entries(), filter).length,',
        'countRows: async (_filter) => entries().size,',
      ],
    ],
  },
  {
    name: 'loadRow-shares-stored-objects',
    bug: 'rows handed out share their data objects with the store, so a caller mutating a loaded record changes it',
    replace: [
      [
        'data: JSON.parse(json) as JsonObject,',
        'data: ((entry as { cached?: JsonObject }).cached ??= JSON.parse(json) as JsonObject),',
      ],
    ],
  },
];
