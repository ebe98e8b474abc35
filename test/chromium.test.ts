// Chromium's flags: shared memory in /dev/shm where there is room for it, in /tmp where there is not.
import { statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ARGUMENTS_CHROMIUM, drapeauxMemoirePartagee } from '../commands/chromium.ts';

describe('Chromium’s shared memory', () => {
  it('stays in a folder with room for it, and moves to /tmp when the folder is missing', () => {
    const libre = (d: string) => statfsSync(d).bavail * statfsSync(d).bsize;
    // The system's temporary folder, with its free space: at least 512 MB on any machine that builds the site.
    expect(libre(tmpdir())).toBeGreaterThan(512 * 1024 ** 2);
    expect(drapeauxMemoirePartagee(tmpdir())).toEqual([]);
    expect(drapeauxMemoirePartagee(join(tmpdir(), 'absent-de-ce-systeme', 'shm'))).toEqual(['--disable-dev-shm-usage']);
  });

  it('every Chromium starts headless-safe on a closed network, with the flag of this machine’s /dev/shm', () => {
    expect(ARGUMENTS_CHROMIUM).toEqual(expect.arrayContaining(['--no-sandbox', '--disable-background-networking', '--disable-component-update']));
    expect(ARGUMENTS_CHROMIUM.includes('--disable-dev-shm-usage')).toBe(drapeauxMemoirePartagee().length > 0);
  });
});
