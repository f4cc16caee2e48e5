import { describe, expect, it } from 'vitest';
import { auditQuery } from '../../src/features/console/api/get-audit-log.ts';
import { setupListQuery } from '../../src/features/console/api/get-setups.ts';

describe('list queries', () => {
  it('sends only the filters that are set, trimmed', () => {
    expect(setupListQuery({ state: 'verified', q: '  Contoso ', limit: 25 })).toBe(
      'state=verified&q=Contoso&limit=25',
    );
    expect(setupListQuery({ q: '   ' })).toBe('limit=25');
    expect(auditQuery({ actorKind: 'staff', cursor: 40 })).toBe('actorKind=staff&cursor=40&limit=50');
  });
});
