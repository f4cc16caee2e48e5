import type { SetupEvent, StepEventInput } from '@kantiv/shared/events';
import type { SetupState } from '@kantiv/shared/setup';
import type { StepStatus } from '@kantiv/shared/steps';
import type { Db } from '../../db/database.ts';
import { HttpError } from '../../lib/http-error.ts';
import type { Actor, Audit } from '../audit.ts';
import { stateEvent, type EventLog } from './events.ts';
import type { Lifecycle } from './lifecycle.ts';
import { activity, momentEvent } from './moments.ts';
import { opt, type SetupRow } from './repository.ts';
import { setStep } from './steps.ts';
import { assertWizardMayWrite, EVENT_DATA_STATES } from './wizard-gate.ts';

/**
 * Wizard step events one setup may hold. An engine run reports well under 200; the cap stops an invite holder from
 * filling the event store (100 events a request, many requests a minute) while leaving room for many retried runs.
 */
export const MAX_WIZARD_EVENTS = 2_000;

/** Step statuses that show the admin getting on. */
const PROGRESS: readonly StepStatus[] = ['running', 'waiting', 'succeeded'];

/** What the customer's wizard reports: who signed in (binding the setup to a tenant) and its step events. */
export function createWizardInput(deps: { db: Db; audit: Audit; events: EventLog; lifecycle: Lifecycle }) {
  const { audit, events, lifecycle } = deps;

  return {
    async bindIdentity(
      setup: SetupRow,
      identity: {
        tenantId: string;
        username: string;
        name?: string | undefined;
        domain?: string | undefined;
      },
      actor: Actor,
    ): Promise<void> {
      await lifecycle.change(setup.id, actor, async (current, trx) => {
        assertWizardMayWrite(current, setup, 'identity');
        // The binding is a compare-and-set in the database, not a check on the row read at sign-in: of two
        // concurrent sign-ins to different tenants exactly one binds; the other finds the row bound and is refused.
        const bound = await trx
          .updateTable('setups')
          .set({ tenant_id: identity.tenantId })
          .where('id', '=', setup.id)
          .where((eb) => eb.or([eb('tenant_id', 'is', null), eb('tenant_id', '=', identity.tenantId)]))
          .executeTakeFirst();
        if (Number(bound.numUpdatedRows) !== 1) {
          throw new HttpError(
            403,
            'tenant_mismatch',
            'You signed in to a different Microsoft tenant than the one this setup started with.',
          );
        }
        const state = (current.state === 'invited' ? 'in_progress' : current.state) as SetupState;
        const active = activity(current, true);
        return {
          set: {
            tenant_id: identity.tenantId,
            tenant_domain: current.tenant_domain ?? identity.domain ?? null,
            admin_username: identity.username,
            ...active.set,
          },
          move: { to: state, on: 'sign_in' },
          events: [
            ...active.events,
            momentEvent('wizard', 'signed_in', `Signed in as ${identity.username}`, {
              tenantId: identity.tenantId,
              state,
            }),
          ],
          audit: current.tenant_id ? 'setup.identity_confirmed' : 'setup.identity_bound',
          details: { tenantId: identity.tenantId, username: identity.username },
        };
      });
    },

    /**
     * Stores new step events (a retried `seq` once) and merges them into the steps and, before the first hand-off,
     * the row's reported fields. At most MAX_WIZARD_EVENTS per setup; none once the hand-off ended the wizard's run.
     */
    async postStepEvents(setup: SetupRow, input: StepEventInput[], actor: Actor) {
      for (const e of input) {
        // Verification is the server's own step: a wizard claiming it succeeded would mislead support.
        if (e.step === 'verification')
          throw new HttpError(
            403,
            'forbidden',
            'The verification step is reported by Kantiv, not the wizard.',
          );
        if (setup.tenant_id && e.data?.tenantId && e.data.tenantId !== setup.tenant_id) {
          throw new HttpError(
            403,
            'tenant_mismatch',
            'An event reports a tenant other than the one this setup is bound to.',
          );
        }
      }
      const sorted = [...input].sort((a, b) => a.seq - b.seq);
      let accepted = 0;
      await lifecycle.change(setup.id, actor, async (current, trx) => {
        assertWizardMayWrite(current, setup, 'events');
        if ((await events.countWizardEvents(trx, setup.id)) + input.length > MAX_WIZARD_EVENTS)
          throw new HttpError(
            409,
            'conflict',
            `This setup already holds the most wizard events it takes (${MAX_WIZARD_EVENTS}); contact Kantiv support.`,
          );
        const writesFields = EVENT_DATA_STATES.includes(current.state as SetupState);
        accepted = 0;
        const stored: SetupEvent[] = [];
        const fields: Partial<SetupRow> = {};
        for (const e of sorted) {
          const [ev] = await events.append(trx, setup.id, [
            {
              seq: e.seq,
              type: 'step',
              source: 'wizard',
              step: e.step,
              status: e.status,
              message: e.message,
              at: e.at,
              ...opt('attempt', e.attempt),
              ...opt('retryAt', e.retryAt),
              ...opt('error', e.error),
              ...opt('data', e.data),
            },
          ]);
          if (!ev) continue;
          accepted += 1;
          stored.push(ev);
          await setStep(trx, setup.id, e.step, e.status, {
            message: e.message,
            seq: e.seq,
            ...opt('attempt', e.attempt),
            ...opt('error', e.error),
          });
          const d = writesFields ? e.data : undefined;
          if (d?.environmentUrl) fields.environment_url = d.environmentUrl;
          if (d?.clientId) fields.client_id = d.clientId;
          if (d?.applicationUserId) fields.application_user_id = d.applicationUserId;
          if (d?.roleName) fields.role_name = d.roleName;
          if (d?.secretExpiresAt) fields.secret_expires_at = d.secretExpiresAt;
        }
        if (accepted === 0) return {};
        const moves = current.state === 'invited';
        // Cancel puts steps back to pending and a failure is no progress: neither ends a "needs attention".
        const active = activity(
          current,
          sorted.some((e) => PROGRESS.includes(e.status)),
        );
        // Reported fields rewrite setup columns: audit what changed (ids and URLs only, never a secret).
        const changed = Object.entries(fields).filter(([k, v]) => current[k as keyof SetupRow] !== v);
        return {
          set: { ...fields, ...active.set },
          stored,
          ...(changed.length > 0
            ? {
                audit: 'setup.fields_reported',
                details: {
                  changes: Object.fromEntries(
                    changed.map(([k, v]) => [k, { from: current[k as keyof SetupRow] ?? null, to: v }]),
                  ),
                },
              }
            : {}),
          events: [
            ...active.events,
            ...(moves ? [stateEvent('wizard', 'Setup in progress', 'in_progress')] : []),
          ],
          ...(moves ? { move: { to: 'in_progress', on: 'report_steps' } } : {}),
        };
      });
      await audit.record(actor, {
        action: 'setup.events_posted',
        setupId: setup.id,
        details: { accepted, total: input.length },
      });
      return { accepted, duplicates: input.length - accepted, lastSeq: await events.lastSeq(setup.id) };
    },
  };
}
