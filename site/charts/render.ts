// Rendering Observable Plot charts to SVG text at build time (no JavaScript needed to see them).
// Plot needs a DOM: linkedom's, a light one built for server-side rendering (about eight times faster here than
// jsdom's, which the build paid on every chart of thousands of territory pages).
import * as Plot from '@observablehq/plot';
import { parseHTML } from 'linkedom';
import { escapeText, escapeXml, SVG_NS } from './xml.ts';

let doc: Document | undefined;

/** A shared DOM document for Plot (one per process is enough). */
export function plotDocument(): Document {
  doc ??= parseHTML('<!doctype html><html lang="fr"><body></body></html>').document as unknown as Document;
  return doc;
}

/** Renders Plot options to SVG markup. `label` becomes the SVG's accessible name. */
export function renderPlot(options: Plot.PlotOptions, label: string): string {
  return serializeSvg(plotNode(options, label));
}

/** The chart's SVG element, as `renderPlot` serialises it; its `scale(name)` gives Plot's scales. */
export function plotNode(options: Plot.PlotOptions, label: string): Element & { scale: (name: string) => Plot.Scale | undefined } {
  const node = Plot.plot({ ...options, document: plotDocument(), ariaLabel: label, className: 'chart' }) as unknown as Element & { scale: (name: string) => Plot.Scale | undefined };
  node.setAttribute('role', 'img');
  node.removeAttribute('aria-description');
  // The SVG is one image with one name: Plot's aria-label on inner groups is not allowed by ARIA there.
  for (const g of node.querySelectorAll('[aria-label]')) g.removeAttribute('aria-label');
  return node;
}

/**
 * XML serialisation: valid inline in HTML and as a standalone .svg file (HTML serialisation would write entities
 * such as &nbsp;, and leave `&` and `<` bare in attributes, which XML parsers — and PNG renderers — reject).
 * Characters are written as themselves (UTF-8); the root carries the SVG namespace.
 */
export function serializeSvg(node: Element): string {
  const out: string[] = [];
  const write = (n: Node, root: boolean): void => {
    if (n.nodeType === 3) {
      out.push(escapeText(n.nodeValue ?? ''));
      return;
    }
    if (n.nodeType !== 1) return; // comments and the like: nothing to draw
    const el = n as Element;
    const name = el.localName;
    out.push(`<${name}`);
    if (root && !el.hasAttribute('xmlns')) out.push(` xmlns="${SVG_NS}"`);
    for (const a of Array.from(el.attributes)) out.push(` ${a.name}="${escapeXml(a.value)}"`);
    if (el.childNodes.length === 0) {
      out.push('/>');
      return;
    }
    out.push('>');
    for (const c of Array.from(el.childNodes)) write(c, false);
    out.push(`</${name}>`);
  };
  write(node, true);
  return out.join('');
}
