/**
 * Streams every row of a table through one contender in a fresh process and reports the peak RSS growth
 * over the process's RSS just before the stream, so one contender's heap never hides another's.
 * Usage (internal): node --expose-gc --import tsx stream-child.ts <contender> <target>
 */
import { type ContenderName, openContender } from './contenders/index.js';

const [name, target] = process.argv.slice(2) as [ContenderName, string];
const contender = await openContender(name, target);
if (!contender.stream) throw new Error(`${name} cannot stream`);
globalThis.gc?.();
await new Promise((resolve) => setTimeout(resolve, 50));
const baseline = process.memoryUsage.rss();
const heapBaseline = process.memoryUsage().heapUsed;
let peak = baseline;
let heapPeak = heapBaseline;
const sample = () => {
  peak = Math.max(peak, process.memoryUsage.rss());
  heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
};
const timer = setInterval(sample, 10);
let seen = 0;
let bytes = 0;
const started = performance.now();
const count = await contender.stream((row) => {
  // Touch the record as a consumer would, so lazily built objects are really built.
  bytes += (row as { content?: string }).content?.length ?? 0;
  if (++seen % 1000 === 0) sample();
});
const elapsedMs = performance.now() - started;
clearInterval(timer);
sample();
// What the stream left behind: the heap after a full collection, against the one before it started.
globalThis.gc?.();
const retainedMb = (process.memoryUsage().heapUsed - heapBaseline) / 2 ** 20;
await contender.close();
process.stdout.write(
  `${JSON.stringify({ count, elapsedMs, baselineMb: baseline / 2 ** 20, peakGrowthMb: (peak - baseline) / 2 ** 20, heapGrowthMb: (heapPeak - heapBaseline) / 2 ** 20, retainedMb, bytes })}\n`,
);
