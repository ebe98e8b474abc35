// The command-line flags every Chromium the project starts shares (the review's PDF, the browser tests, Lighthouse):
// headless on a closed network, no sandbox (root in containers), no GPU, nothing fetched in the background, shared
// memory in /tmp rather than in a container's small /dev/shm. (Shared memory left in /dev/shm, where this machine has
// room for it, made no difference: the e2e screenshots of the sample site took 66–70 s either way.)
export const ARGUMENTS_CHROMIUM: readonly string[] = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];
