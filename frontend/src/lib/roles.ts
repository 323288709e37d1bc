// What each role may do, as the server decides it (docs/ARCHITECTURE.md §12: the
// app only hides what would be refused; the server stays the authority).
import type { Role } from '../gql/graphql';

const RANK: Record<Role, number> = { VIEWER: 0, OPERATOR: 1, ENGINEER: 2, ADMIN: 3, OWNER: 4 };

export type Action =
  | 'alert:acknowledge'
  | 'alert:resolve'
  | 'alert:raise'
  | 'estop:trigger'
  | 'estop:reset'
  | 'admin';

const LEAST: Record<Action, Role> = {
  'alert:acknowledge': 'OPERATOR',
  'alert:resolve': 'OPERATOR',
  'alert:raise': 'OPERATOR',
  'estop:trigger': 'OPERATOR',
  'estop:reset': 'ENGINEER',
  admin: 'ADMIN',
};

export function can(role: Role | null | undefined, action: Action): boolean {
  return role != null && RANK[role] >= RANK[LEAST[action]];
}
