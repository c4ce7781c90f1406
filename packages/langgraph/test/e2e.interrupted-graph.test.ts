import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { useBackend } from './helpers/backends.js';

const run = promisify(execFile);
const script = fileURLToPath(new URL('./fixtures/interrupted-graph.mjs', import.meta.url));
const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));

interface Printed {
  pid: number;
  next: string[];
  values: { steps: string[]; total: number; note: string };
  history: number;
}

/** Runs one phase of the graph in a new Node process and returns what it printed. */
async function phase(
  backend: string,
  location: string,
  name: 'start' | 'resume',
  thread: string,
): Promise<Printed> {
  const { stdout } = await run(process.execPath, [script, backend, location, name, thread], {
    timeout: 60_000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Printed;
}

describe.each(['sqlite', 'postgresql'] as const)(
  'a StateGraph interrupted in one process, resumed in another (%s)',
  (backend) => {
    const open = useBackend(backend);

    it('stops before approval, exits, and a new process resumes from the checkpoint to the end', async () => {
      expect(
        existsSync(dist),
        'build @recordstore/langgraph first (pnpm --filter @recordstore/langgraph run build)',
      ).toBe(true);
      // The child processes open the same file / database; this process's connection is closed first.
      const location = open.backend.location!;
      await open.store.close();

      const first = await phase(backend, location, 'start', 'thread-e2e');
      expect(first.next).toEqual(['approve']);
      expect(first.values).toEqual({ steps: ['input', 'prepare@start'], total: 2, note: '' });

      const second = await phase(backend, location, 'resume', 'thread-e2e');
      expect(second.pid).not.toBe(first.pid);
      expect(second.next).toEqual([]);
      expect(second.values).toEqual({
        steps: ['input', 'prepare@start', 'approve@resume', 'finish@resume'],
        total: 21,
        note: `prepared by ${first.pid}`,
      });
      // input, prepare (interrupted here), approve, finish, plus the initial empty checkpoint.
      expect(second.history).toBe(first.history + 2);

      await open.store.connect();
    });
  },
);
