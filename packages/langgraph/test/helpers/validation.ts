import {
  type CheckpointSaverTestInitializer,
  deltaChannelHistoryTests,
  validate,
} from '@langchain/langgraph-checkpoint-validation';
import { RecordStoreSaver } from '../../src/index.js';
import { type BackendName, type OpenBackend, openBackend } from './backends.js';

/**
 * Runs LangGraph's official checkpoint validation suite on `backend`: `validate()` (every spec: put,
 * putWrites, getTuple, list, deleteThread) plus the opt-in getDeltaChannelHistory spec that LangGraph
 * runs on its own savers. The name is not on the suite's skip lists, so no test is skipped.
 * Each checkpointer gets its own record prefix: a fresh, isolated saver on the file's one store.
 */
export function validateOn(backend: BackendName): void {
  let open: OpenBackend | undefined;
  let count = 0;
  const initializer: CheckpointSaverTestInitializer<RecordStoreSaver> = {
    checkpointerName: `RecordStoreSaver on ${backend}`,
    beforeAllTimeout: 120_000,
    beforeAll: async () => {
      open = await openBackend(backend);
    },
    afterAll: async () => {
      await open?.close();
    },
    createCheckpointer: () => {
      if (open === undefined) throw new Error('the backend is not open');
      count += 1;
      return new RecordStoreSaver(open.store, { prefix: `validation${count}` });
    },
  };
  validate(initializer);
  deltaChannelHistoryTests(initializer);
}
