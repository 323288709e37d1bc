// Test data shared by the unit and component tests.
import type { InboxAlert } from './lib/inbox';

export const inboxAlert = (id: string, over: Partial<InboxAlert> = {}): InboxAlert => ({
  id,
  severity: 'WARNING',
  status: 'OPEN',
  title: `alert ${id}`,
  lastSeenAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  asset: { id: 'a1', name: 'Welder', code: 'R-1', site: { id: 's1' } },
  ...over,
});
