#!/usr/bin/env node
import { processIo } from './io.js';
import { runCli } from './program.js';

// `recordstore list | head` closes the pipe early: that is not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

// Set the exit code and let the event loop drain, so buffered stdout (pipes) is flushed completely.
process.exitCode = await runCli(process.argv.slice(2), processIo());
