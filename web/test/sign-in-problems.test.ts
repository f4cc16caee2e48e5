import { describe, expect, it } from 'vitest';
import { BrowserAuthError, ServerError } from '@azure/msal-browser';
import { wrongTenantProblem } from '../src/features/wizard/lib/problem-words.ts';

describe('sign-in problems', () => {
  it('maps AADSTS50020 coming back from Microsoft to the wrong-tenant outcome (tenant_mismatch)', () => {
    // As msal-common builds it from the token endpoint's answer: code, correlation id, description, suberror, errorNo.
    const refused = new ServerError(
      'invalid_grant',
      'c0ffee00-0000-4000-8000-000000000000',
      "AADSTS50020: User account 'admin@contoso.com' from identity provider 'https://sts.windows.net/x/' does not exist in tenant 'Fabrikam' and cannot access the application.",
      '',
      '50020',
    );
    expect(wrongTenantProblem(refused)).toMatchObject({ kind: 'tenant', code: 'tenant_mismatch' });
    expect(
      wrongTenantProblem(
        new ServerError('invalid_grant', 'c', 'AADSTS70008: The code has expired.', '', '70008'),
      ),
    ).toBe(undefined);
    expect(wrongTenantProblem(new BrowserAuthError('user_cancelled', ''))).toBe(undefined);
  });
});
