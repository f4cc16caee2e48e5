import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '@kantiv/shared/audit';
import {
  actorText,
  dayOf,
  dayStart,
  fieldLabel,
  fieldValue,
  foldAuditRows,
} from '../../src/features/console/lib/audit-rows.ts';

let next = 100;
const entry = (action: string, setupId?: string): AuditEntry => ({
  id: next--,
  at: new Date(Date.UTC(2026, 0, 1, 12, 0, next)).toISOString(),
  actor: { kind: 'setup_token', id: setupId ?? 'x' },
  action,
  ...(setupId ? { setupId } : {}),
});

describe('the audit log as rows', () => {
  it('folds runs of progress reports per setup; other entries stay rows, in order', () => {
    const rows = foldAuditRows([
      entry('setup.events_posted', 'a'),
      entry('setup.events_posted', 'a'),
      entry('setup.events_posted', 'b'),
      entry('setup.verified', 'a'),
      entry('setup.events_posted', 'a'),
    ]);
    expect(rows.map((r) => (r.kind === 'folded' ? `folded:${r.entries.length}` : r.entry.action))).toEqual([
      'folded:2',
      'folded:1',
      'setup.verified',
      'folded:1',
    ]);
  });

  it('names actors by name and e-mail, else by kind', () => {
    expect(actorText({ kind: 'staff', id: 'oid', name: 'Ana', email: 'ana@kantiv.example' })).toBe(
      'Ana <ana@kantiv.example> (Staff)',
    );
    expect(actorText({ kind: 'api_key', id: 'k', name: 'CRM sync' })).toBe('CRM sync (API key)');
    expect(actorText({ kind: 'system', id: 'server' })).toBe('System');
  });

  it('reads details as fields', () => {
    expect(fieldLabel('previousSecretValidUntil')).toBe('Previous secret valid until');
    expect(fieldLabel('tenant_id')).toBe('Tenant id');
    expect(fieldValue(['setup.failed', 'setup.blocked'])).toBe('setup.failed, setup.blocked');
    expect(fieldValue({ fromState: 'invited', toState: 'in_progress' })).toBe(
      'From state: invited; To state: in_progress',
    );
    expect(fieldValue(null)).toBe('—');
  });

  it('turns days into the instants they start at, and back', () => {
    const start = dayStart('2026-03-05');
    expect(start).toBeDefined();
    expect(dayOf(start)).toBe('2026-03-05');
    expect(dayOf(dayStart('2026-03-05', 1), 1)).toBe('2026-03-05');
    expect(dayStart('not a day')).toBeUndefined();
  });
});
