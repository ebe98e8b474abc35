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
  // Plot writes inline styles for its class; the site stylesheet styles text instead (dark theme, print).
  return node.outerHTML;
}
