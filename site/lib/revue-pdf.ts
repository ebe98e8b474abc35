// The review as a PDF: produced after the site's build by Chromium (commands/revue-pdf.ts) when it is available.
// The build says whether it will be, through the environment it gives Astro, so that a page links only to a PDF that exists.

/** The PDF of a semester's review, next to its page. */
export function cheminRevuePdf(periode: string): string {
  return `/semestres/${periode}/revue-${periode}.pdf`;
}

/** True when this build produces the PDFs (set by `buildAstro` when it found Chromium). */
export function revuePdfProduite(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.BAROMETRE_REVUE_PDF === 'oui';
}
