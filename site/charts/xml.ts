// Escaping for SVG written as text (charts, maps, shared images), one place for all of them.

/** For an attribute value (and any text): `&`, `<`, `>` and `"` as entities. */
export function escapeXml(s: string): string {
  return escapeText(s).replace(/"/g, '&quot;');
}

/** For a text node: `&`, `<`, `>` as entities, quotes kept as they are. */
export function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export const SVG_NS = 'http://www.w3.org/2000/svg';
