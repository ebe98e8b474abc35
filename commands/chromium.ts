// The command-line flags every Chromium the project starts shares (the review's PDF, the browser tests, Lighthouse).
import { statfsSync } from 'node:fs';

/** Below this much free space in /dev/shm, Chromium keeps its shared memory in /tmp instead. */
const SHM_MINIMUM = 512 * 1024 ** 2;

/**
 * `--disable-dev-shm-usage` only where /dev/shm is missing or small (a container's 64 MB): there Chromium would crash
 * drawing a tall page. Elsewhere it is left out, since Chromium then writes its frames to files in /tmp (the e2e
 * screenshots on this project's 2-core machine: 12 % more processor time with the flag).
 */
export function drapeauxMemoirePartagee(dossier = '/dev/shm'): string[] {
  try {
    const s = statfsSync(dossier);
    return s.bavail * s.bsize >= SHM_MINIMUM ? [] : ['--disable-dev-shm-usage'];
  } catch {
    return ['--disable-dev-shm-usage'];
  }
}

/** Headless on a closed network: no sandbox (root in containers), no GPU, nothing fetched in the background. */
export const ARGUMENTS_CHROMIUM: readonly string[] = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...drapeauxMemoirePartagee()];
