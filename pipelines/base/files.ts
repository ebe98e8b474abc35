// Write then rename: no reader ever sees a half-written file or folder.
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, openSync, readdirSync, readSync, closeSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The SHA-256 of a file, read in chunks (large raw files never sit whole in memory). */
export function sha256File(path: string): string {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(1 << 20);
    for (let n = readSync(fd, buffer); n > 0; n = readSync(fd, buffer)) hash.update(buffer.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

function temporaryName(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Copies `from` to `path` through a temporary file and a rename. */
export function copyFileAtomic(from: string, path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = temporaryName(path);
  try {
    copyFileSync(from, tmp);
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}

export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = temporaryName(path);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}

/**
 * Fills a fresh temporary folder with `fill`, then swaps it in place of `target`; the previous
 * folder is kept until the swap succeeded. A failure leaves `target` as it was.
 */
export async function replaceFolder(target: string, fill: (tmp: string) => Promise<void>): Promise<void> {
  const parent = dirname(target);
  mkdirSync(parent, { recursive: true });
  const suffix = `${process.pid}.${randomBytes(4).toString('hex')}`;
  const tmp = join(parent, `.${basename(target)}.new.${suffix}`);
  const old = join(parent, `.${basename(target)}.old.${suffix}`);
  mkdirSync(tmp, { recursive: true });
  try {
    await fill(tmp);
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
  const hadTarget = existsSync(target);
  if (hadTarget) renameSync(target, old);
  try {
    renameSync(tmp, target);
  } catch (error) {
    if (hadTarget) renameSync(old, target);
    rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
  if (hadTarget) rmSync(old, { recursive: true, force: true });
}

/** A compact UTC timestamp usable in file names: 20261122T123456Z. */
export function fileTimestamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/**
 * Moves into `to` every file and folder of `from` that `to` does not have (a folder both have is merged the same
 * way); what `to` has already is kept. Renames, or copies when the two are on different file systems. Returns the
 * paths moved, relative to `from`.
 */
export function moveMissing(from: string, to: string, prefix = ''): string[] {
  const moved: string[] = [];
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const [src, dest, rel] = [join(from, entry.name), join(to, entry.name), join(prefix, entry.name)];
    if (!existsSync(dest)) {
      try {
        renameSync(src, dest);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
        cpSync(src, dest, { recursive: true });
      }
      moved.push(rel);
    } else if (entry.isDirectory() && statSync(dest).isDirectory()) {
      moved.push(...moveMissing(src, dest, rel));
    }
  }
  return moved;
}
