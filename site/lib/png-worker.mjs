// One PNG from one SVG, in a worker thread of the pool in partage.ts (piscina): resvg's rendering and its PNG
// encoding, which is synchronous, stay off the build's main thread, and every core renders.
import resvg from '@resvg/resvg-js';

export default function png({ svg, options }) {
  return new resvg.Resvg(svg, options).render().asPng();
}
