// The fleet overview as state: sites > zones > assets, with statuses kept live from
// `assetStatusChanged` events (docs/ARCHITECTURE.md §12).
import type { AssetKind, AssetStatus } from '../gql/graphql';

export interface FleetAsset {
  id: string;
  code: string;
  name: string;
  kind: AssetKind;
  status: AssetStatus;
  vendor: string;
  model: string;
}

export interface FleetZone {
  id: string;
  code: string;
  name: string;
  assets: FleetAsset[];
}

export interface FleetSite {
  id: string;
  code: string;
  name: string;
  zones: FleetZone[];
}

export interface StatusChange {
  assetId: string;
  status: AssetStatus;
}

export const STATUSES: readonly AssetStatus[] = [
  'ONLINE',
  'BUSY',
  'IDLE',
  'MAINTENANCE',
  'ERROR',
  'E_STOPPED',
  'OFFLINE',
];

/** The sites with one asset's status changed; the same array when the asset is not there. */
export function applyStatusChange(sites: FleetSite[], change: StatusChange): FleetSite[] {
  let changed = false;
  const next = sites.map((site) => {
    const zones = site.zones.map((zone) => {
      if (!zone.assets.some((a) => a.id === change.assetId && a.status !== change.status)) {
        return zone;
      }
      changed = true;
      return {
        ...zone,
        assets: zone.assets.map((a) =>
          a.id === change.assetId ? { ...a, status: change.status } : a,
        ),
      };
    });
    return zones.every((z, i) => z === site.zones[i]) ? site : { ...site, zones };
  });
  return changed ? next : sites;
}

export function countByStatus(site: FleetSite): Partial<Record<AssetStatus, number>> {
  const counts: Partial<Record<AssetStatus, number>> = {};
  for (const zone of site.zones) {
    for (const asset of zone.assets) counts[asset.status] = (counts[asset.status] ?? 0) + 1;
  }
  return counts;
}

export interface FleetFilter {
  search: string;
  kind: AssetKind | null;
  status: AssetStatus | null;
  vendor: string | null;
}

export const noFilter: FleetFilter = { search: '', kind: null, status: null, vendor: null };

export function matches(asset: FleetAsset, filter: FleetFilter): boolean {
  const search = filter.search.trim().toLowerCase();
  return (
    (!filter.kind || asset.kind === filter.kind) &&
    (!filter.status || asset.status === filter.status) &&
    (!filter.vendor || asset.vendor === filter.vendor) &&
    (!search ||
      [asset.name, asset.code, asset.vendor, asset.model].some((v) =>
        v.toLowerCase().includes(search),
      ))
  );
}

/** The sites and zones that still have assets once filtered (all of them with no filter). */
export function filterFleet(sites: FleetSite[], filter: FleetFilter): FleetSite[] {
  const active = filter.search.trim() || filter.kind || filter.status || filter.vendor;
  if (!active) return sites;
  return sites
    .map((site) => ({
      ...site,
      zones: site.zones
        .map((zone) => ({ ...zone, assets: zone.assets.filter((a) => matches(a, filter)) }))
        .filter((zone) => zone.assets.length > 0),
    }))
    .filter((site) => site.zones.length > 0);
}

export function vendors(sites: FleetSite[]): string[] {
  const all = new Set<string>();
  for (const site of sites) for (const zone of site.zones) for (const a of zone.assets) all.add(a.vendor);
  return [...all].sort();
}
