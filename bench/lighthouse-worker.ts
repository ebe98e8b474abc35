// A child process of `auditPages`: reads a `WorkerInput` on stdin, audits its pages one after the other,
// writes the audits as JSON on stdout.
import { text } from 'node:stream/consumers';
import { auditPagesInProcess, type WorkerInput } from './lighthouse.ts';

const { origin, pages, chromePath, throttling, performance } = JSON.parse(await text(process.stdin)) as WorkerInput;
process.stdout.write(JSON.stringify(await auditPagesInProcess(origin, pages, chromePath, throttling, performance)));
