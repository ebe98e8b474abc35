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

  it('fail a drawing whose options cannot be sent to a thread, and draw the next ones', async () => {
    const bad = dessinateurs.dessine({ svg: svg(1), options: { ...options, rappel: () => 1 } });
    await expect(bad).rejects.toThrow(/^Image PNG non dessinée : /);
    expect((await dessinateurs.dessine({ svg: svg(2), options })).equals(new Resvg(svg(2), options).render().asPng())).toBe(true);
  });

  it('once stopped, fail the drawings under way and waiting instead of leaving them pending', async () => {
    const seul = new DessinateursPng(1);
    const issues = Promise.allSettled(Array.from({ length: 3 }, (_, n) => seul.dessine({ svg: svg(n), options })));
    await seul.ferme();
    const settled = await issues;
    expect(settled.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const r of settled) expect((r as PromiseRejectedResult).reason.message).toMatch(/arrêtés/);
  });

  it('keep the process alive while drawing, and not once idle', async () => {
    // A process that draws one image, then another once its worker is idle (a timer later), and never closes its
    // drawers: it ends by itself, with both images drawn. A busy worker that let the process end would lose the second.
    const code = `import { DessinateursPng } from ${JSON.stringify(resolve(PROJECT_ROOT, 'site/lib/png-workers.ts'))};
      const d = new DessinateursPng(1);
      const draw = (n) => d.dessine({ svg: ${JSON.stringify(svg(1))}.replace('x="1"', 'x="' + n + '"'), options: ${JSON.stringify(options)} });
      console.log((await draw(1)).length);
      setTimeout(async () => console.log((await draw(30)).length), 50);`;
    const child = spawn(process.execPath, ['--experimental-transform-types', '--no-warnings', '--input-type=module', '-e', code], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'inherit'], timeout: 120_000 });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    const [exitCode, signal] = (await once(child, 'exit')) as [number | null, string | null];
    expect(signal, 'the process was still running after 120 s: an idle worker keeps it alive').toBeNull();
    expect(exitCode).toBe(0);
    const lengths = out.trim().split('\n').map(Number);
    expect(lengths).toHaveLength(2);
    for (const n of lengths) expect(n).toBeGreaterThan(100);
  });
});
