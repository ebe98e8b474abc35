// Draws PNG images on worker threads, the drawing and the PNG encoding both: resvg's `renderAsync` draws off the main
// thread but encodes the PNG on it (`asPng()`), and in the site's build that encoding, about a third of each image's
// time, held the main thread (sample site, 1 900 charts: 34 s of the general part's 110 s) while the other core waited.
//
// The workers run code given as text (`eval`): the pages are bundled by Astro, and a worker file beside them would not
// be. They load resvg from the path this module resolves, so that they draw with the same renderer as the rest of the
// site. Idle workers do not keep a process alive.
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const require = createRequire(import.meta.url);

/** What a worker is asked to draw: the SVG's text and resvg's options. */
export interface DessinPng {
  svg: string;
  options: object;
}

const CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const { Resvg } = require(workerData.resvg);
parentPort.on('message', ({ id, svg, options }) => {
  try {
    const png = new Resvg(svg, options).render().asPng();
    const bytes = new Uint8Array(png.buffer, png.byteOffset, png.byteLength).slice();
    parentPort.postMessage({ id, png: bytes }, [bytes.buffer]);
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.message || error) });
  }
});
`;

interface Tache extends DessinPng {
  id: number;
  resolve: (png: Buffer) => void;
  reject: (error: Error) => void;
}

interface Ouvrier {
  worker: Worker;
  tache: Tache | null;
}

/** A fixed number of workers and a queue; each worker draws one image at a time. */
export class DessinateursPng {
  private readonly ouvriers: Ouvrier[] = [];
  private readonly attente: Tache[] = [];
  private suivant = 0;

  constructor(private readonly taille = Math.max(1, availableParallelism())) {}

  dessine(dessin: DessinPng): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      this.attente.push({ ...dessin, id: this.suivant++, resolve, reject });
      this.distribue();
    });
  }

  /** Stops the workers: the drawings under way and those waiting fail. */
  async ferme(): Promise<void> {
    const ouvriers = this.ouvriers.splice(0);
    const abandonnees = [...ouvriers.flatMap((o) => (o.tache ? [o.tache] : [])), ...this.attente.splice(0)];
    for (const o of ouvriers) o.tache = null;
    for (const t of abandonnees) t.reject(new Error('Image PNG non dessinée : les dessinateurs ont été arrêtés.'));
    await Promise.all(ouvriers.map((o) => o.worker.terminate()));
  }

  private distribue(): void {
    while (this.attente.length > 0) {
      let libre = this.ouvriers.find((o) => o.tache === null);
      if (!libre && this.ouvriers.length < this.taille) libre = this.nouvel();
      if (!libre) return;
      const tache = this.attente.shift()!;
      try {
        libre.worker.postMessage({ id: tache.id, svg: tache.svg, options: tache.options });
      } catch (error) {
        // Options that cannot be sent to a thread: this drawing fails, the worker stays free.
        tache.reject(new Error(`Image PNG non dessinée : ${(error as Error).message}`));
        continue;
      }
      // Busy, the worker keeps the process alive until its image comes back.
      libre.tache = tache;
      libre.worker.ref();
    }
  }

  private nouvel(): Ouvrier {
    // The code is CommonJS whatever the process was started with (`--input-type=module` would make it a module).
    const worker = new Worker(CODE, { eval: true, execArgv: [], workerData: { resvg: require.resolve('@resvg/resvg-js') } });
    const ouvrier: Ouvrier = { worker, tache: null };
    worker.unref();
    worker.on('message', (m: { id: number; png?: Uint8Array; error?: string }) => {
      const tache = ouvrier.tache;
      ouvrier.tache = null;
      worker.unref();
      if (tache) {
        if (tache.id !== m.id) tache.reject(new Error(`Image PNG non dessinée : le dessinateur a rendu l'image ${m.id} au lieu de ${tache.id}.`));
        else if (m.png) tache.resolve(Buffer.from(m.png.buffer, m.png.byteOffset, m.png.byteLength));
        else tache.reject(new Error(`Image PNG non dessinée : ${m.error}`));
      }
      this.distribue();
    });
    // A worker that dies (out of memory…) fails its drawing; the next drawing starts a new one.
    const perdu = (error: Error) => {
      const i = this.ouvriers.indexOf(ouvrier);
      if (i === -1) return;
      this.ouvriers.splice(i, 1);
      ouvrier.tache?.reject(new Error(`Image PNG non dessinée : ${error.message}`));
      ouvrier.tache = null;
      this.distribue();
    };
    worker.on('error', perdu);
    // An image that could not be received is lost like a worker that stopped: it fails, the worker is replaced.
    worker.on('messageerror', (error) => {
      perdu(error);
      void worker.terminate();
    });
    worker.on('exit', (code) => perdu(new Error(`le dessinateur s'est arrêté (code ${code})`)));
    this.ouvriers.push(ouvrier);
    return ouvrier;
  }
}

let partage: DessinateursPng | undefined;

/** The process's drawers, made at the first image. */
export function dessinateursPng(): DessinateursPng {
  partage ??= new DessinateursPng();
  return partage;
}
