import { describe, expect, it } from 'vitest';
import { applyStatusChange, countByStatus, filterFleet, noFilter, type FleetSite } from './fleet';

const sites: FleetSite[] = [
  {
    id: 's1',
    code: 'BER',
    name: 'Berlin',
    zones: [
      {
        id: 'z1',
        code: 'W',
        name: 'Welding',
        assets: [
          { id: 'a1', code: 'R-1', name: 'Welder', kind: 'ROBOT', status: 'ONLINE', vendor: 'KUKA', model: 'KR' },
          { id: 'a2', code: 'M-1', name: 'Laser', kind: 'MACHINE', status: 'IDLE', vendor: 'TRUMPF', model: 'TL' },
        ],
      },
    ],
  },
];

describe('the fleet overview', () => {
  it('applies a status change from the subscription to the one asset', () => {
    const next = applyStatusChange(sites, { assetId: 'a1', status: 'ERROR' });
    expect(next[0]?.zones[0]?.assets[0]?.status).toBe('ERROR');
    expect(next[0]?.zones[0]?.assets[1]).toBe(sites[0]?.zones[0]?.assets[1]);
    expect(countByStatus(next[0] as FleetSite)).toEqual({ ERROR: 1, IDLE: 1 });
  });

  it('returns the same sites for a change of an unknown asset or to the same status', () => {
    expect(applyStatusChange(sites, { assetId: 'nope', status: 'ERROR' })).toBe(sites);
    expect(applyStatusChange(sites, { assetId: 'a1', status: 'ONLINE' })).toBe(sites);
  });

  it('filters by kind, vendor and text, dropping empty zones and sites', () => {
    expect(filterFleet(sites, noFilter)).toBe(sites);
    const robots = filterFleet(sites, { ...noFilter, kind: 'ROBOT' });
    expect(robots[0]?.zones[0]?.assets.map((a) => a.code)).toEqual(['R-1']);
    expect(filterFleet(sites, { ...noFilter, vendor: 'TRUMPF', search: 'las' })[0]?.zones[0]?.assets).toHaveLength(1);
    expect(filterFleet(sites, { ...noFilter, status: 'OFFLINE' })).toEqual([]);
  });
});
