import { describe, expect, it } from 'vitest';
import { ClientConfigSchema } from '@kantiv/shared/client-config';
import { ApiErrorSchema, ErrorCodeSchema } from '@kantiv/shared/errors';
import { DEFAULT_MANIFEST } from '@kantiv/shared/manifest';
import { WizardSetupSchema } from '@kantiv/shared/setup';
import { StepIdSchema, StepStatusSchema } from '@kantiv/shared/steps';
import { SetupStateSchema } from '@kantiv/shared/setup';
import { CredentialKindSchema, VerificationStatusSchema } from '@kantiv/shared/credentials';
import { SetupLinkPurposeSchema } from '@kantiv/shared/setup-links';
import { apiErrorGuard, clientConfigGuard, wizardSetupGuard } from '../src/lib/answer-guards.ts';

/**
 * The first page checks its answers with hand-written guards (no zod in its bundle); the shared zod schemas stay the
 * contract. Each guard must accept exactly what its schema accepts, and give the same value back.
 */
type Parser = { safeParse(value: unknown): { success: boolean; data?: unknown } };

function sameVerdict(schema: Parser, guard: Parser, value: unknown, label: string) {
  const expected = schema.safeParse(value);
  const actual = guard.safeParse(value);
  expect(actual.success, `${label}: ${JSON.stringify(value)?.slice(0, 300)}`).toBe(expected.success);
  if (expected.success) expect(actual.data, label).toEqual(expected.data);
}

/** Each variant: a copy of `base` with one path set to a value (undefined deletes it). */
function variant(base: unknown, path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(base) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

const UUID = '3f2b8c1e-5d4a-4b6c-9e8f-1a2b3c4d5e6f';
const NOW = '2026-12-04T10:00:00.000Z';

const goodSetup = {
  id: UUID,
  customerName: 'Contoso Ltd',
  state: 'in_progress',
  expectedTenantDomain: 'contoso.com',
  environmentHint: 'contoso',
  manifest: DEFAULT_MANIFEST,
  secretLifetimeMonths: 24,
  inviteExpiresAt: NOW,
  tenantId: UUID,
  tenantDomain: 'contoso.onmicrosoft.com',
  environmentUrl: 'https://contoso.crm.dynamics.com',
  clientId: UUID,
  applicationUserId: UUID,
  roleName: 'Kantiv Integration',
  secretExpiresAt: '2028-12-04T10:00:00Z',
  verification: {
    status: 'failed',
    attempts: 2,
    checkedAt: NOW,
    applicationUserId: UUID,
    tables: [{ table: 'account', ok: false, error: { code: '0x80040220', message: 'No read' } }],
    error: { code: 'x', message: 'y', fix: 'z' },
  },
  steps: [
    { step: 'preflight', status: 'succeeded', attempts: 1, startedAt: NOW, finishedAt: NOW, message: 'ok' },
    {
      step: 'credential',
      status: 'failed',
      attempts: 3,
      error: {
        code: 'Authorization_RequestDenied',
        message: 'Denied',
        requestId: 'r-1',
        fix: 'Ask your admin',
        text: { key: 'blocker.role', params: { role: 'Application Administrator' } },
      },
    },
  ],
  credentialKind: 'certificate',
  link: { purpose: 'renew', expiresAt: NOW },
  credential: {
    kind: 'certificate',
    keyId: UUID,
    thumbprintSha256: 'ab12',
    expiresAt: NOW,
    expiringNoticeDays: 30,
  },
  signInNonce: 'nonce-1',
  appShared: false,
  connectedEnvironments: [
    { environmentUrl: 'https://a.crm.dynamics.com', connectedBy: null, connectedAt: NOW, clientId: null },
    { environmentUrl: 'https://b.crm.dynamics.com', connectedBy: 'x@y', connectedAt: NOW, clientId: UUID },
  ],
  // Not in the wizard's view: dropped by both.
  attention: { kind: 'blocked' },
};

const minimalSetup = {
  id: UUID,
  customerName: '',
  state: 'invited',
  manifest: DEFAULT_MANIFEST,
  secretLifetimeMonths: 1,
  inviteExpiresAt: NOW,
  steps: [],
};

/** Bad (and borderline) values for single fields of the setup. */
const setupCases: [(string | number)[], unknown][] = [
  [['id'], 'not-a-uuid'],
  [['id'], '00000000-0000-0000-0000-000000000000'],
  [['id'], UUID.toUpperCase()],
  [['id'], undefined],
  [['customerName'], 42],
  [['state'], 'done'],
  [['expectedTenantDomain'], null],
  [['secretLifetimeMonths'], 1.5],
  [['secretLifetimeMonths'], '24'],
  [['secretLifetimeMonths'], -3],
  [['secretLifetimeMonths'], 2 ** 60],
  [['inviteExpiresAt'], '2026-12-04'],
  [['inviteExpiresAt'], '2026-12-04T10:00Z'],
  [['inviteExpiresAt'], '2026-12-04T10:00:00+01:00'],
  [['inviteExpiresAt'], '2026-02-30T10:00:00Z'],
  [['inviteExpiresAt'], '2028-02-29T10:00:00Z'],
  [['inviteExpiresAt'], '2026-12-04T10:00:00.123456Z'],
  [['tenantId'], 'contoso'],
  [['environmentUrl'], 'contoso.crm.dynamics.com'],
  [['environmentUrl'], '  https://contoso.crm.dynamics.com/ '],
  [['environmentUrl'], 'mailto:x@y.z'],
  [['manifest', 'roleName'], ''],
  [['manifest', 'roleName'], 'x'.repeat(101)],
  [['manifest', 'tables'], []],
  [['manifest', 'tables', 1], DEFAULT_MANIFEST.tables[0]],
  [['manifest', 'tables', 0, 'table'], 'Account'],
  [['manifest', 'tables', 0, 'entitySet'], '1accounts'],
  [['manifest', 'tables', 0, 'schemaName'], '_Account'],
  [['manifest', 'tables', 0, 'displayName'], ''],
  [['manifest', 'tables', 0, 'access'], []],
  [
    ['manifest', 'tables', 0, 'access'],
    ['Read', 'Fly'],
  ],
  [['manifest', 'tables', 0, 'depth'], 'Everywhere'],
  [['steps'], {}],
  [['steps', 0, 'step'], 'unknown'],
  [['steps', 0, 'status'], 'done'],
  [['steps', 0, 'attempts'], -1],
  [['steps', 0, 'startedAt'], 'yesterday'],
  [['steps', 1, 'error', 'code'], ''],
  [['steps', 1, 'error', 'code'], 'x'.repeat(201)],
  [['steps', 1, 'error', 'message'], 'x'.repeat(2001)],
  [['steps', 1, 'error', 'requestId'], 'x'.repeat(201)],
  [['steps', 1, 'error', 'text', 'key'], ''],
  [['steps', 1, 'error', 'text', 'params'], { role: 7 }],
  [['steps', 1, 'error', 'text', 'params'], { ['k'.repeat(101)]: 'v' }],
  [['steps', 1, 'error', 'text', 'params'], ['a']],
  [['verification', 'status'], 'skipped'],
  [['verification', 'attempts'], undefined],
  [['verification', 'tables', 0, 'ok'], 'yes'],
  [['verification', 'error', 'fix'], 3],
  [['credentialKind'], 'password'],
  [['link', 'purpose'], 'rotate'],
  [['link', 'expiresAt'], undefined],
  [['credential', 'kind'], undefined],
  [['credential', 'expiringNoticeDays'], 7.5],
  [['signInNonce'], 5],
  [['appShared'], 'true'],
  [['connectedEnvironments', 0, 'connectedBy'], undefined],
  [['connectedEnvironments', 1, 'clientId'], 5],
  [['connectedEnvironments'], null],
];

describe('the first page’s answer guards', () => {
  it('accept every wizard setup the shared schema accepts, and give back the same value', () => {
    sameVerdict(WizardSetupSchema, wizardSetupGuard, goodSetup, 'full setup');
    sameVerdict(WizardSetupSchema, wizardSetupGuard, minimalSetup, 'minimal setup');
    expect(wizardSetupGuard.safeParse(goodSetup).success).toBe(true);
    // Every value of every closed list the setup holds.
    for (const state of SetupStateSchema.options)
      sameVerdict(WizardSetupSchema, wizardSetupGuard, { ...minimalSetup, state }, `state ${state}`);
    for (const step of StepIdSchema.options)
      for (const status of StepStatusSchema.options)
        sameVerdict(
          WizardSetupSchema,
          wizardSetupGuard,
          { ...minimalSetup, steps: [{ step, status, attempts: 0 }] },
          `step ${step} ${status}`,
        );
    for (const status of VerificationStatusSchema.options)
      sameVerdict(
        WizardSetupSchema,
        wizardSetupGuard,
        { ...minimalSetup, verification: { status, attempts: 0 } },
        `verification ${status}`,
      );
    for (const kind of CredentialKindSchema.options)
      sameVerdict(WizardSetupSchema, wizardSetupGuard, { ...minimalSetup, credentialKind: kind }, kind);
    for (const purpose of SetupLinkPurposeSchema.options)
      sameVerdict(
        WizardSetupSchema,
        wizardSetupGuard,
        { ...minimalSetup, link: { purpose, expiresAt: NOW } },
        `link ${purpose}`,
      );
  });

  it('refuse what the shared schema refuses, field by field', () => {
    for (const [path, value] of setupCases)
      sameVerdict(WizardSetupSchema, wizardSetupGuard, variant(goodSetup, path, value), path.join('.'));
    for (const value of [null, [], 'setup', 42, undefined])
      sameVerdict(WizardSetupSchema, wizardSetupGuard, value, String(value));
  });

  it('hold the client configuration to its schema, defaults included', () => {
    const config = {
      microsoft: {
        authorityHost: 'https://login.microsoftonline.com',
        graphBaseUrl: 'https://graph.microsoft.com',
        discoveryBaseUrl: 'https://globaldisco.crm.dynamics.com',
        wizardClientId: UUID,
      },
      staff: {
        tenantId: UUID,
        clientId: UUID,
        apiScope: 'api://kantiv-connect/Setups.Access',
        manageRoles: ['Connect.Manage', 'Admin'],
        readRoles: ['Connect.Read'],
      },
      support: { email: 'support@kantiv.example', name: 'Kantiv support' },
      console: { accessContact: { name: 'Ops', email: 'ops@kantiv.example' } },
    };
    sameVerdict(ClientConfigSchema, clientConfigGuard, config, 'full config');
    const defaults = variant(
      variant(variant(config, ['staff', 'manageRoles'], undefined), ['staff', 'readRoles'], undefined),
      ['console'],
      undefined,
    );
    sameVerdict(ClientConfigSchema, clientConfigGuard, defaults, 'defaults');
    expect(clientConfigGuard.safeParse(defaults)).toMatchObject({
      success: true,
      data: { staff: { manageRoles: ['Connect.Manage'], readRoles: ['Connect.Read'] } },
    });
    const cases: [(string | number)[], unknown][] = [
      [['microsoft', 'authorityHost'], 'login.microsoftonline.com'],
      [['microsoft', 'authorityHost'], ' https://login.microsoftonline.com '],
      [['microsoft', 'graphBaseUrl'], undefined],
      [['microsoft', 'wizardClientId'], 'app'],
      [['staff', 'apiScope'], ''],
      [['staff', 'manageRoles'], ['']],
      [['staff', 'readRoles'], 'Connect.Read'],
      [['support', 'email'], 'support'],
      [['support', 'email'], 'a.@kantiv.example'],
      [['support', 'email'], "o'brien@kantiv.example"],
      [['support', 'name'], undefined],
      [['console', 'accessContact', 'name'], ''],
      [['console', 'accessContact', 'email'], 'nobody'],
      [['console', 'accessContact'], undefined],
      [['console'], null],
    ];
    for (const [path, value] of cases)
      sameVerdict(ClientConfigSchema, clientConfigGuard, variant(config, path, value), path.join('.'));
  });

  it('read the shared error shape as the schema does', () => {
    for (const code of ErrorCodeSchema.options)
      sameVerdict(ApiErrorSchema, apiErrorGuard, { error: { code, message: 'm', details: { a: 1 } } }, code);
    for (const value of [
      { error: { code: 'teapot', message: 'm' } },
      { error: { code: 'not_found' } },
      { error: { code: 'not_found', message: 'gone' } },
      { error: 'not_found' },
      {},
      null,
    ])
      sameVerdict(ApiErrorSchema, apiErrorGuard, value, JSON.stringify(value));
  });
});
