import type { Manifest } from '@kantiv/shared/manifest';
import type { Store } from '../../db/database.ts';
import { systemClock, type Clock } from '../../lib/clock.ts';
import type { Audit } from '../audit.ts';
import type { EventBus } from '../event-bus.ts';
import { createCredentialExpiry } from './credential-expiry.ts';
import { createEventLog } from './events.ts';
import { createExpirySweep } from './expiry.ts';
import { createInvites } from './invites.ts';
import { createLifecycle } from './lifecycle.ts';
import { createMoments } from './moments.ts';
import { createSetupFinder } from './finder.ts';
import { createSetupRepository } from './repository.ts';
import { createSetupStatus } from './status.ts';
import { setStep } from './steps.ts';
import { createWizardInput } from './wizard-input.ts';

const DEFAULT_IDLE_MS = 15 * 60_000;

/**
 * The setups service as routes and other services see it, wired from its rooms: reads (repository), the one writer
 * of state (lifecycle), the event log, the status hot path, invites, the wizard's reports and the expiry sweep.
 */
export function createSetups(deps: {
  store: Store;
  audit: Audit;
  bus: EventBus;
  publicUrl: string;
  defaultManifest: Manifest;
  /** An admin this long without a wizard write is idle (see moments.ts). */
  idleMs?: number;
  /** Business time (lib/clock.ts) for the credential expiry notices. */
  clock?: Clock;
}) {
  const { audit, bus } = deps;
  const db = deps.store.db;
  const repo = createSetupRepository(db);
  const events = createEventLog({ db, bus });
  const status = createSetupStatus({ db, bus, repo });
  const lifecycle = createLifecycle({ db, audit, repo, events, committed: status.forget });
  const invites = createInvites({
    db,
    repo,
    lifecycle,
    publicUrl: deps.publicUrl,
    defaultManifest: deps.defaultManifest,
    ...(deps.clock ? { clock: deps.clock } : {}),
  });
  const wizard = createWizardInput({ db, audit, events, lifecycle });

  return {
    ...repo,
    ...createSetupFinder(db, repo),
    ...invites,
    ...wizard,
    lifecycle,
    status,
    change: lifecycle.change,
    setStep,
    eventsSince: events.since,
    eventById: events.byId,
    expireOverdue: createExpirySweep({ db, lifecycle }),
    credentialExpiry: createCredentialExpiry({ db, lifecycle, clock: deps.clock ?? systemClock }),
    moments: createMoments({ db, lifecycle, idleMs: deps.idleMs ?? DEFAULT_IDLE_MS }),
  };
}
export type Setups = ReturnType<typeof createSetups>;
