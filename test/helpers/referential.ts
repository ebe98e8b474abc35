// A small referential built from a few collectivités, with every lookup the pipelines use (ensureReferential
// matches SIRENs through them): for frozen warehouses whose every number can be checked by hand.
import { loadStrates, type Collectivite, type Referential } from '../../pipelines/referential/referential.ts';

export function smallReferential(collectivites: Collectivite[], strates = loadStrates()): Referential {
  const of = (type: Collectivite['type_collectivite']) => collectivites.filter((c) => c.type_collectivite === type);
  const byDepName = new Map<string, Collectivite[]>();
  for (const c of of('commune')) byDepName.set(`${c.departement}|${c.nom}`, [...(byDepName.get(`${c.departement}|${c.nom}`) ?? []), c]);
  return {
    version: 'test',
    strates,
    collectivites,
    history: [],
    ept: [],
    horsPerimetre: new Map(),
    correspondances: [],
    communeByCode: new Map(of('commune').map((c) => [c.code, c])),
    communeBySiren: new Map(of('commune').filter((c) => c.siren).map((c) => [c.siren!, c])),
    communeByDepName: byDepName,
    epciBySiren: new Map(of('epci').map((c) => [c.code, c])),
    departementByCode: new Map(of('departement').map((c) => [c.code, c])),
    regionByCode: new Map(of('region').map((c) => [c.code, c])),
    historyByCode: new Map(),
    historyByDepName: new Map(),
  };
}
