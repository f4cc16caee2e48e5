import type { ClientConfig } from '@kantiv/shared/client-config';
import type { ApiError } from '@kantiv/shared/errors';
import type { WizardSetup } from '@kantiv/shared/setup';
import { ERROR_CODES } from '@kantiv/shared/error-codes';
import { SETUP_STATES } from '@kantiv/shared/setup-states';
import { STEP_IDS } from '@kantiv/shared/step-ids';
import type { AnswerParser } from './api-client.ts';

/**
 * Hand-written checks of the answers the first wizard page reads (`GET /api/v1/client-config`, `GET
 * /api/v1/wizard/setup`, and the shared error shape), so that zod and the shared schemas stay out of the first
 * page's bundle: on a slow phone, building zod's schemas was a fifth of the first page's script time (decision 015,
 * tenth wave). The shared zod schemas stay the contract: `web/test/answer-guards.test.ts` checks that each guard
 * accepts exactly what its schema accepts, on good and bad answers, so the two cannot drift apart silently. Each
 * guard answers like zod's `safeParse`: unknown keys are dropped, defaults filled in, URLs trimmed.
 */

const FAIL = Symbol('fail');
type Check<T> = (value: unknown) => T | typeof FAIL;

// zod 4's formats (zod/v4/core/regexes.js): `z.uuid()`, `z.email()`, `z.iso.datetime()` (UTC `Z`, seconds required).
const UUID =
  /^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}|00000000-0000-0000-0000-000000000000|ffffffff-ffff-ffff-ffff-ffffffffffff)$/;
const EMAIL =
  /^(?:[A-Za-z0-9_'+-]+\.)*[A-Za-z0-9_'+-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9][A-Za-z0-9-]*\.)+[A-Za-z]{2,}$/;
const DATETIME =
  /^(?:(?:\d\d[2468][048]|\d\d[13579][26]|\d\d0[48]|[02468][048]00|[13579][26]00)-02-29|\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\d|30)|(?:02)-(?:0[1-9]|1\d|2[0-8])))T(?:(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?(?:Z))$/;

const string =
  (min = 0, max = Infinity): Check<string> =>
  (v) =>
    typeof v === 'string' && v.length >= min && v.length <= max ? v : FAIL;
const matching =
  (pattern: RegExp): Check<string> =>
  (v) =>
    typeof v === 'string' && pattern.test(v) ? v : FAIL;
const uuid = matching(UUID);
const email = matching(EMAIL);
const datetime = matching(DATETIME);
/** `z.url()`: whatever the URL parser takes once trimmed; the value comes back trimmed, tabs and newlines removed. */
const url: Check<string> = (v) =>
  typeof v === 'string' && URL.canParse(v.trim()) ? v.trim().replace(/[\t\n\r]/g, '') : FAIL;
const boolean: Check<boolean> = (v) => (typeof v === 'boolean' ? v : FAIL);
/** `z.number().int()`: a safe integer. */
const int =
  (min = Number.MIN_SAFE_INTEGER): Check<number> =>
  (v) =>
    typeof v === 'number' && Number.isSafeInteger(v) && v >= min ? v : FAIL;
const oneOf =
  <T extends string>(values: readonly T[]): Check<T> =>
  (v) =>
    values.includes(v as T) ? (v as T) : FAIL;
const optional =
  <T>(check: Check<T>): Check<T | undefined> =>
  (v) =>
    v === undefined ? undefined : check(v);
const nullable =
  <T>(check: Check<T>): Check<T | null> =>
  (v) =>
    v === null ? null : check(v);
const withDefault =
  <T>(check: Check<T>, fallback: () => T): Check<T> =>
  (v) =>
    v === undefined ? fallback() : check(v);
const array =
  <T>(item: Check<T>, min = 0, max = Infinity): Check<T[]> =>
  (v) => {
    if (!Array.isArray(v) || v.length < min || v.length > max) return FAIL;
    const out: T[] = [];
    for (const element of v as unknown[]) {
      const checked = item(element);
      if (checked === FAIL) return FAIL;
      out.push(checked);
    }
    return out;
  };
const isRecordLike = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
/** `z.object(shape)`: the shape's keys checked, unknown keys dropped, an absent optional key left absent. */
function object<T>(shape: { [K in keyof T]: Check<T[K]> }): Check<T> {
  return (v) => {
    if (!isRecordLike(v)) return FAIL;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(shape) as (keyof T & string)[]) {
      const checked = shape[key](v[key]);
      if (checked === FAIL) return FAIL;
      if (checked !== undefined || key in v) out[key] = checked;
    }
    return out as T;
  };
}
/** `z.record(z.string().max(keyMax), z.string().max(valueMax))` of a JSON object. */
const stringRecord =
  (keyMax: number, valueMax: number): Check<Record<string, string>> =>
  (v) => {
    if (!isRecordLike(v) || Object.getPrototypeOf(v) !== Object.prototype) return FAIL;
    for (const [key, value] of Object.entries(v))
      if (key.length > keyMax || typeof value !== 'string' || value.length > valueMax) return FAIL;
    return { ...(v as Record<string, string>) };
  };

function parser<T>(check: Check<T>): AnswerParser<T> {
  return {
    safeParse(value) {
      const checked = check(value);
      return checked === FAIL ? { success: false } : { success: true, data: checked };
    },
  };
}

// --- shared/src/errors.ts
export const apiErrorGuard = parser<ApiError>(
  object({
    error: object({ code: oneOf(ERROR_CODES), message: string(), details: (v: unknown) => v }),
  }),
);

// --- shared/src/client-config.ts
export const clientConfigGuard = parser<ClientConfig>(
  object<ClientConfig>({
    microsoft: object({ authorityHost: url, graphBaseUrl: url, discoveryBaseUrl: url, wizardClientId: uuid }),
    staff: object({
      tenantId: uuid,
      clientId: uuid,
      apiScope: string(1),
      manageRoles: withDefault(array(string(1)), () => ['Connect.Manage']),
      readRoles: withDefault(array(string(1)), () => ['Connect.Read']),
    }),
    support: object({ email, name: string() }),
    console: optional(object({ accessContact: object({ name: string(1), email: optional(email) }) })),
  }),
);

// --- shared/src/setup.ts's WizardSetupSchema and what it is made of
type Manifest = WizardSetup['manifest'];
const manifest: Check<Manifest> = (v) => {
  const checked = object<Manifest>({
    roleName: string(1, 100),
    tables: array(
      object<Manifest['tables'][number]>({
        table: matching(/^[a-z][a-z0-9_]{0,63}$/),
        entitySet: matching(/^[a-z][a-z0-9_]{0,63}$/),
        schemaName: matching(/^[A-Za-z][A-Za-z0-9_]{0,63}$/),
        displayName: string(1, 100),
        access: array(
          oneOf(['Create', 'Read', 'Write', 'Delete', 'Append', 'AppendTo', 'Assign', 'Share'] as const),
          1,
          8,
        ),
        depth: oneOf(['Basic', 'Local', 'Deep', 'Global'] as const),
      }),
      1,
      200,
    ),
  })(v);
  // "each table appears once"
  if (checked === FAIL || new Set(checked.tables.map((t) => t.table)).size !== checked.tables.length)
    return FAIL;
  return checked;
};

type Step = WizardSetup['steps'][number];
const step = object<Step>({
  step: oneOf(STEP_IDS),
  status: oneOf(['pending', 'running', 'waiting', 'succeeded', 'failed', 'skipped'] as const),
  message: optional(string()),
  attempts: int(0),
  startedAt: optional(datetime),
  finishedAt: optional(datetime),
  error: optional(
    object<NonNullable<Step['error']>>({
      code: string(1, 200),
      message: string(0, 2000),
      requestId: optional(string(0, 200)),
      fix: optional(string(0, 2000)),
      text: optional(object({ key: string(1, 100), params: optional(stringRecord(100, 1000)) })),
    }),
  ),
});

type Verification = NonNullable<WizardSetup['verification']>;
const verification = object<Verification>({
  status: oneOf(['pending', 'running', 'waiting', 'succeeded', 'failed'] as const),
  attempts: int(0),
  checkedAt: optional(datetime),
  applicationUserId: optional(uuid),
  tables: optional(
    array(
      object<NonNullable<Verification['tables']>[number]>({
        table: string(),
        ok: boolean,
        error: optional(object({ code: string(), message: string() })),
      }),
    ),
  ),
  error: optional(object({ code: string(), message: string(), fix: optional(string()) })),
});

const credentialKind = oneOf(['client_secret', 'certificate'] as const);

export const wizardSetupGuard = parser<WizardSetup>(
  object<WizardSetup>({
    id: uuid,
    customerName: string(),
    state: oneOf(SETUP_STATES),
    expectedTenantDomain: optional(string()),
    environmentHint: optional(string()),
    manifest,
    secretLifetimeMonths: int(),
    inviteExpiresAt: datetime,
    tenantId: optional(uuid),
    tenantDomain: optional(string()),
    environmentUrl: optional(url),
    clientId: optional(uuid),
    applicationUserId: optional(uuid),
    roleName: optional(string()),
    secretExpiresAt: optional(datetime),
    verification: optional(verification),
    steps: array(step),
    credentialKind: optional(credentialKind),
    link: optional(
      object({ purpose: oneOf(['renew', 'repair', 'disconnect'] as const), expiresAt: datetime }),
    ),
    credential: optional(
      object({
        kind: credentialKind,
        keyId: optional(string()),
        thumbprintSha256: optional(string()),
        expiresAt: optional(datetime),
        expiringNoticeDays: optional(int()),
      }),
    ),
    signInNonce: optional(string()),
    appShared: optional(boolean),
    connectedEnvironments: optional(
      array(
        object({
          environmentUrl: string(),
          connectedBy: nullable(string()),
          connectedAt: string(),
          clientId: nullable(string()),
        }),
      ),
    ),
  }),
);
