import { describe, expect, it } from 'vitest';
import { can } from './roles';

describe('role gating', () => {
  it('offers a viewer no alert action and no administration', () => {
    expect(can('VIEWER', 'alert:acknowledge')).toBe(false);
    expect(can('VIEWER', 'alert:resolve')).toBe(false);
    expect(can('VIEWER', 'admin')).toBe(false);
  });

  it('lets an operator acknowledge and resolve but not administer', () => {
    expect(can('OPERATOR', 'alert:acknowledge')).toBe(true);
    expect(can('OPERATOR', 'alert:resolve')).toBe(true);
    expect(can('OPERATOR', 'admin')).toBe(false);
  });

  it('lets an operator trigger an emergency stop, and only an engineer and up reset one', () => {
    expect(can('VIEWER', 'estop:trigger')).toBe(false);
    expect(can('OPERATOR', 'estop:trigger')).toBe(true);
    expect(can('OPERATOR', 'estop:reset')).toBe(false);
    expect(can('ENGINEER', 'estop:reset')).toBe(true);
  });

  it('lets admins and owners administer, and nobody signed out do anything', () => {
    expect(can('ADMIN', 'admin')).toBe(true);
    expect(can('OWNER', 'admin')).toBe(true);
    expect(can(null, 'alert:acknowledge')).toBe(false);
  });
});
