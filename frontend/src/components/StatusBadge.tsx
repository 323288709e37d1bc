import { Badge } from '@mantine/core';
import type { AssetStatus, Severity } from '../gql/graphql';

// Shade 9: text of this colour on white, and white on it, meet WCAG AA contrast.
const STATUS_COLOR: Record<AssetStatus, string> = {
  ONLINE: 'teal.9',
  BUSY: 'blue.9',
  IDLE: 'cyan.9',
  MAINTENANCE: 'grape.9',
  ERROR: 'red.9',
  E_STOPPED: 'red.9',
  OFFLINE: 'gray.8',
};

export function StatusBadge({ status, count }: { status: AssetStatus; count?: number | undefined }) {
  const label = status.replace('_', '-').toLowerCase();
  return (
    <Badge color={STATUS_COLOR[status]} variant={count === undefined ? 'outline' : 'filled'} autoContrast>
      {count === undefined ? label : `${count} ${label}`}
    </Badge>
  );
}

// Filled badges with autoContrast: white text on shade 9, dark text on the light shades.
export const SEVERITY_COLOR: Record<Severity, string> = {
  CRITICAL: 'red.9',
  ERROR: 'orange.4',
  WARNING: 'yellow.4',
  INFO: 'blue.9',
};
