/** One throwaway PostgreSQL server for the run (see @recordstore/testkit/postgres for the providers). */
export { setupPostgresForVitest as default } from '@recordstore/testkit/postgres';
