// Our own site passes our own web observatory: the built site, served on 127.0.0.1, is visited like a collectivité's,
// and says what the law asks a public site to say (the accessibility mention and declaration, legal notices, a
// contact, a viewport for small screens).
import { describe, expect, inject, it } from 'vitest';
import { lireServices } from '../pipelines/sources/sites/controles.ts';
import { visiterSite } from '../pipelines/sources/sites/crawl.ts';
import { Visiteur } from '../pipelines/sources/sites/visite.ts';
import { reglagesTest } from './helpers/crawl.ts';
import { sharedSite } from './helpers/shared.ts';

await sharedSite();

describe('the built site, visited by the observatory', () => {
  it('answers oui to the accessibility mention and declaration, legal notices, contact and small screens', async () => {
    const visiteur = new Visiteur(reglagesTest({ delayMs: 10 }));
    try {
      const visite = await visiterSite(visiteur, { siren: '000000000', url: `${inject('siteUrl')}/` }, { services: lireServices(), dateVisite: '2026-12-05T10:00:00.000Z' });
      const resultats = Object.fromEntries(['mention-accessibilite', 'declaration-accessibilite', 'mentions-legales', 'contact', 'mobile'].map((c) => [c, visite.controles[c as keyof typeof visite.controles].resultat]));
      expect(resultats).toEqual({ 'mention-accessibilite': 'oui', 'declaration-accessibilite': 'oui', 'mentions-legales': 'oui', contact: 'oui', mobile: 'oui' });
      // The declaration states the date it was made, read by the check.
      expect(visite.controles['declaration-accessibilite'].valeur_texte).toMatch(/^établie le 2026-12-05/);
    } finally {
      await visiteur.close();
    }
  });
});
