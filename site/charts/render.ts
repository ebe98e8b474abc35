// Rendering Observable Plot charts to SVG text at build time (no JavaScript needed to see them).
import * as Plot from '@observablehq/plot';
import { JSDOM } from 'jsdom';

let dom: JSDOM | undefined;

/** A shared DOM document for Plot (jsdom is heavy to create; one per process is enough). */
export function plotDocument(): Document {
  dom ??= new JSDOM('<!doctype html><html lang="fr"><body></body></html>');
  return dom.window.document;
}

/** Renders Plot options to SVG markup. `label` becomes the SVG's accessible name. */
export function renderPlot(options: Plot.PlotOptions, label: string): string {
  const node = Plot.plot({ ...options, document: plotDocument(), ariaLabel: label, className: 'chart' }) as unknown as Element;
  node.setAttribute('role', 'img');
  node.removeAttribute('aria-description');
  // The SVG is one image with one name: Plot's aria-label on inner groups is not allowed by ARIA there.
  for (const g of node.querySelectorAll('[aria-label]')) g.removeAttribute('aria-label');
  return serializeSvg(node);
}

/**
 * XML serialisation: valid inline in HTML and as a standalone .svg file (outerHTML would write HTML
 * entities such as &nbsp;, which XML parsers — and PNG renderers — reject).
 */
export function serializeSvg(node: Element): string {
  plotDocument();
  const serializer = new dom!.window.XMLSerializer();
  return serializer.serializeToString(node);
}
