#!/usr/bin/env node
// Writes the gzip fixtures from their readable twins, for the sources whose live file is gzipped: the .gz is the
// exact live format, the twin is what reviewers read and edit. Run after editing a twin:
// `node scripts/gzip-fixtures.mjs`. A test (test/fixtures-gz.test.ts) checks that each .gz holds its twin.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

export const GZIP_FIXTURES = [
  'test/fixtures/anct-services/deploiement-quotidien.csv',
  'test/fixtures/presence-numerique/dpnt-quotidien.csv',
  'test/fixtures/ds/demarches.json',
];

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = resolve(import.meta.dirname, '..');
  for (const twin of GZIP_FIXTURES) {
    // Level 9 like the producers; Node writes no timestamp in the header, so the output is reproducible.
    writeFileSync(resolve(root, `${twin}.gz`), gzipSync(readFileSync(resolve(root, twin)), { level: 9 }));
    console.log(`${twin}.gz`);
  }
}
