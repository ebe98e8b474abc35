// The PNG drawers (site/lib/png-workers.ts): the same bytes as resvg drawing on the main thread, more images than
// workers all drawn, a bad image failing alone, and idle workers that let the process end.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { Resvg, type ResvgRenderOptions } from '@resvg/resvg-js';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../pipelines/base/config.ts';
import { DessinateursPng } from '../site/lib/png-workers.ts';

const svg = (n: number) =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="60"><rect width="100%" height="100%" fill="#fff"/><rect x="${n}" y="10" width="40" height="30" fill="#000091"/></svg>`;
const options: ResvgRenderOptions = { fitTo: { mode: 'zoom', value: 2 }, font: { loadSystemFonts: false }, background: '#ffffff' };

describe('the PNG drawers', () => {
  const dessinateurs = new DessinateursPng(2);
  afterAll(() => dessinateurs.ferme());

  it('draw the bytes resvg draws on the main thread, for more images than workers, each its own', async () => {
    const images = await Promise.all(Array.from({ length: 7 }, (_, n) => dessinateurs.dessine({ svg: svg(n * 10), options })));
    images.forEach((png, n) => expect(png.equals(new Resvg(svg(n * 10), options).render().asPng()), `image ${n}`).toBe(true));
    expect(new Set(images.map((p) => p.toString('base64'))).size).toBe(7);
  });

  it('fail a bad image with resvg’s reason, and draw the next ones', async () => {
    const [bad, good] = await Promise.allSettled([dessinateurs.dessine({ svg: '<svg', options }), dessinateurs.dessine({ svg: svg(5), options })]);
    expect(bad.status).toBe('rejected');
    expect((bad as PromiseRejectedResult).reason.message).toMatch(/^Image PNG non dessinée : .+/);
    expect(good.status).toBe('fulfilled');
    expect((good as PromiseFulfilledResult<Buffer>).value.subarray(1, 4).toString()).toBe('PNG');
  });

  it('when idle, do not keep the process alive', async () => {
    // A process that draws one image and never closes its drawers: it ends by itself, with the image drawn.
    const code = `import { DessinateursPng } from ${JSON.stringify(resolve(PROJECT_ROOT, 'site/lib/png-workers.ts'))};
      const png = await new DessinateursPng(1).dessine({ svg: ${JSON.stringify(svg(1))}, options: ${JSON.stringify(options)} });
      console.log(png.length);`;
    const child = spawn(process.execPath, ['--experimental-transform-types', '--no-warnings', '--input-type=module', '-e', code], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    const [exitCode] = (await once(child, 'exit')) as [number];
    expect(exitCode).toBe(0);
    expect(Number(out.trim())).toBeGreaterThan(100);
  });
});
