import { markTemplateSql } from './admin-sql.js';
import { assertDatabaseName } from './identifiers.js';
import type { ProvisionedPostgres } from './types.js';

/**
 * Creates database `name`, runs `prepare` on it (typically migrations), then turns it into a template:
 * its connections are closed, new ones are refused, and it is flagged `is_template`. Cloning it with
 * `createDatabase({ template: name })` is then a file copy, much faster than migrating each database.
 *
 * `prepare` must close the connections it opens; any left are terminated. When `prepare` throws, the
 * database is dropped and the error rethrown.
 * @returns `name`, ready for `createDatabase({ template })`.
 * @example
 * const template = await createTemplateDatabase(pg, 'rs_migrated', (url) => migrate(url));
 * const url = await pg.createDatabase({ template });
 */
export async function createTemplateDatabase(
  pg: ProvisionedPostgres,
  name: string,
  prepare: (url: string) => Promise<void>,
): Promise<string> {
  assertDatabaseName(name, 'template name');
  const url = await pg.createDatabase({ name });
  try {
    await prepare(url);
    await markTemplateSql(pg.url, name);
  } catch (error) {
    await pg.dropDatabase(url).catch(() => {});
    throw error;
  }
  return name;
}
