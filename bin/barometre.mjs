#!/usr/bin/env node
// Entry point of the `barometre` command: loads the TypeScript sources through tsx.
import { register } from 'tsx/esm/api';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(`barometre : Node.js ${process.versions.node} est trop ancien ; il faut Node.js 22.12 ou plus récent.\n`);
  process.exit(1);
}
register();
const { main } = await import('../commands/cli.ts');
process.exitCode = await main(process.argv.slice(2));
