import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { Config, Keyring } from '../../config.ts';
import { openStore, type Store } from '../../db/database.ts';
import { createAddressGuard, type Resolve, systemResolve } from '../../lib/address-policy.ts';
import { createHttpClient, type HttpClient } from '../../lib/http-client.ts';
import { systemClock, type Clock } from '../../lib/clock.ts';
import { createApiKeys, type ApiKeys } from '../../services/api-keys.ts';
import { createAudit, type Audit } from '../../services/audit.ts';
import { createAuditLog, type AuditLog } from '../../services/audit-log.ts';
import { createStaffDirectory, type StaffDirectory } from '../../services/staff-directory.ts';
import { createCredentialStore, type CredentialStore } from '../../services/credentials.ts';
import { createDisconnect, type Disconnect } from '../../services/disconnect.ts';
import { createRepair, type Repair } from '../../services/repair.ts';
import { createEnvironmentClaims, type EnvironmentClaims } from '../../services/environment-claims.ts';
import { createEventBus, type EventBus } from '../../services/event-bus.ts';
import { createHandoff, type Handoff } from '../../services/handoff.ts';
import {
  createIdTokenVerifier,
  createStaffVerifier,
  type AdminIdentity,
  type StaffCaller,
} from '../../services/identity.ts';
import { createHealthChecks, type HealthChecks } from '../../services/health/checks.ts';
import { createJobRunner, type JobRunner } from '../../services/jobs.ts';
import { createMicrosoftClient } from '../../services/microsoft.ts';
import { readEvent } from '../../services/setups/events.ts';
import { createReadinessCheck, type Readiness } from '../../services/readiness.ts';
import { createSetups, type Setups } from '../../services/setups/service.ts';
import { createTenantDirectory, type TenantDirectory } from '../../services/tenant-directory.ts';
import { createTokenVending } from '../../services/token-vending.ts';
import { createRotation, type Rotation } from '../../services/credentials/rotation.ts';
import { createRollKeys } from '../../services/credentials/rotation-graph.ts';
import { createVerifier } from '../../services/verifier.ts';
import { createMetrics, type Metrics } from '../../services/telemetry/metrics.ts';
import { tracedClient } from '../../services/telemetry/tracing.ts';
import { createWebhooks, type Webhooks } from '../../services/webhooks.ts';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    /** Business time (lib/clock.ts): real time in production, moved by hand in tests. */
    clock: Clock;
    store: Store;
    audit: Audit;
    /** The audit log as people read it (names, customers, CSV); `audit` is the chain it reads. */
    auditLog: AuditLog;
    staffDirectory: StaffDirectory;
    eventBus: EventBus;
    setups: Setups;
    credentialStore: CredentialStore;
    handoff: Handoff;
    environmentClaims: EnvironmentClaims;
    apiKeys: ApiKeys;
    webhooks: Webhooks;
    tokenVending: ReturnType<typeof createTokenVending>;
    /** Our side of a disconnect (decision 018): shred, stop, audit, notify. */
    disconnect: Disconnect;
    jobs: JobRunner;
    healthChecks: HealthChecks;
    repair: Repair;
    /** Certificate self-rotation (decision 012): the scheduler's job, support's "rotate now", the history. */
    rotation: Rotation;
    verifyStaffToken: (token: string) => Promise<StaffCaller>;
    verifyIdToken: (idToken: string) => Promise<AdminIdentity>;
    tenantDirectory: TenantDirectory;
    checkReadiness: () => Promise<Readiness>;
    /** The Prometheus registry the services record into; `/metrics` renders it. */
    telemetry: Metrics;
  }
}

/**
 * Our services, wired once and exposed as named decorators. They depend on each other (the hand-off needs the
 * setups, the vault-backed credential store and the job runner), so one place builds them in order instead of a
 * chain of plugins with `dependencies`; routes only ever see the decorators.
 */
async function services(
  app: FastifyInstance,
  opts: { config: Config; store?: Store; resolve?: Resolve; clock?: Clock },
) {
  const { config } = opts;
  const clock = opts.clock ?? systemClock;
  const store = opts.store ?? (await openStore(config.database));
  const keyring = (): Keyring => config.keyring;
  const resolve = opts.resolve ?? systemResolve;
  if (config.devMode)
    app.log.warn('KANTIV_DEV_MODE is on: development settings are allowed (never in production)');
  // Microsoft endpoints from our configuration; and, guarded, the URLs callers choose (webhook receivers).
  const httpClient = createHttpClient({
    ca: config.microsoft.ca,
    hostMap: config.microsoft.hostMap,
    resolve,
  });
  // With tracing on, every call to Microsoft is a span (tracedClient is the client itself when it is off).
  const http: HttpClient = tracedClient(httpClient, 'microsoft');
  const guard = createAddressGuard({ resolve, allowLoopback: config.webhooks.allowLoopback });
  const guardedHttp: HttpClient = createHttpClient({
    ca: config.microsoft.ca,
    hostMap: config.microsoft.hostMap,
    guard,
  });
  const audit = createAudit(store.db, store.dialect);
  const telemetry = createMetrics();
  // Built in dependency order; the services that run as jobs register with the runner once they exist.
  const eventBus = createEventBus({
    pgUrl: store.pgUrl,
    log: app.log,
    loadEvent: (id) => readEvent(store.db, id),
  });
  const setups = createSetups({
    store,
    audit,
    bus: eventBus,
    publicUrl: config.publicUrl,
    defaultManifest: config.defaultManifest,
    idleMs: config.idle.afterMs,
    clock,
  });
  const credentialStore = createCredentialStore({ store, keyring, audit, metrics: telemetry });
  const jobs = createJobRunner({
    store,
    instanceId: config.instanceId,
    leaseMs: config.jobs.leaseMs,
    pollMs: config.jobs.pollMs,
    concurrency: {
      ...config.jobs.concurrency,
      health: config.health.slots,
      rotation: config.rotation.concurrency,
    },
    maxRuntimeMs: config.jobs.maxRuntimeMs,
    log: app.log,
    clock,
  });
  const webhooks = createWebhooks({
    store,
    keyring,
    audit,
    http: tracedClient(guardedHttp, 'webhook'),
    guard,
    jobs,
    config: config.webhooks,
    clock,
    secretGraceMs: config.console.webhookSecretGraceMs,
    metrics: telemetry,
  });
  const microsoft = createMicrosoftClient({
    authorityHost: config.microsoft.authorityHost,
    http: telemetry.meter(http, 'entra'),
    dataverseHttp: telemetry.meter(tracedClient(guardedHttp, 'dataverse'), 'dataverse'),
    cloud: config.microsoft.cloud,
    log: app.log,
  });
  const verifier = createVerifier({
    setups,
    credentials: credentialStore,
    microsoft,
    webhooks,
    config: config.verification,
  });
  jobs.register('verification', verifier.run);
  jobs.register('webhook', (job) => webhooks.runJob(job));
  const healthChecks = createHealthChecks({
    db: store.db,
    setups,
    credentials: credentialStore,
    microsoft,
    webhooks,
    jobs,
    config: config.health,
    clock,
    log: app.log,
  });
  jobs.register('health', healthChecks.run);
  if (config.health.enabled) jobs.every(config.health.sweepMs, () => healthChecks.sweep());
  jobs.every(30_000, () => setups.expireOverdue());
  jobs.every(config.idle.sweepMs, () => setups.moments.sweepIdle());
  setups.moments.notifyWith(({ type, setupId, message }) => webhooks.emit(type, setupId, message));
  setups.credentialExpiry.notifyWith(({ setupId }) => webhooks.emit('credential.expiring', setupId));
  jobs.every(3_600_000, () => setups.credentialExpiry.sweep());
  // Declared before the rotation (it forgets a setup's cached token at the switch) and given its history after.
  let rotatedAway: (credentialId: string) => Promise<boolean> = async () => false;
  const tokenVending = createTokenVending({
    setups,
    credentials: credentialStore,
    microsoft,
    audit,
    rotatedAway: (id) => rotatedAway(id),
  });
  const rotation = createRotation({
    store,
    clock,
    config: config.rotation,
    graphBaseUrl: config.microsoft.graphBaseUrl,
    credentials: credentialStore,
    microsoft,
    rollKeys: createRollKeys({ http, graphBaseUrl: config.microsoft.graphBaseUrl }),
    setups,
    jobs,
    audit,
    queueCheck: (trx, setupId) => healthChecks.queueNow(trx, setupId),
    switched: (setupId, reason) => {
      tokenVending.forget(setupId);
      // A link's switch is news for support; a scheduled rotation is housekeeping (its audit entry suffices).
      if (reason === 'renewal')
        void webhooks.emit(
          'credential.renewed',
          setupId,
          'Credential renewed: tokens are now made with the new certificate',
        );
    },
  });
  rotatedAway = rotation.rotatedAway;
  jobs.register('rotation', rotation.run);
  jobs.every(config.rotation.sweepMs, () => rotation.sweep());
  const environmentClaims = createEnvironmentClaims({
    db: store.db,
    checkNow: (id) => healthChecks.checkNow(id),
  });
  const apiKeys = createApiKeys({ store, audit });
  if (config.bootstrapApiKey) await apiKeys.ensureBootstrap(config.bootstrapApiKey);

  app.decorate('config', config);
  app.decorate('clock', clock);
  app.decorate('telemetry', telemetry);
  app.decorate('store', store);
  app.decorate('audit', audit);
  const staffDirectory = createStaffDirectory(store.db, clock);
  app.decorate('staffDirectory', staffDirectory);
  app.decorate('auditLog', createAuditLog({ db: store.db, audit, staff: staffDirectory }));
  app.decorate('eventBus', eventBus);
  app.decorate('setups', setups);
  app.decorate('credentialStore', credentialStore);
  app.decorate(
    'handoff',
    createHandoff({
      setups,
      credentials: credentialStore,
      jobs,
      audit,
      clock,
      beginRenewal: rotation.beginRenewal,
      assertEnvironmentFree: (setup, req) => environmentClaims.assertFree(setup, req),
    }),
  );
  app.decorate('environmentClaims', environmentClaims);
  app.decorate('apiKeys', apiKeys);
  app.decorate('webhooks', webhooks);
  app.decorate('tokenVending', tokenVending);
  app.decorate(
    'disconnect',
    createDisconnect({ db: store.db, setups, webhooks, forgetToken: (id) => tokenVending.forget(id) }),
  );
  app.decorate('rotation', rotation);
  app.decorate('jobs', jobs);
  app.decorate('healthChecks', healthChecks);
  app.decorate(
    'repair',
    createRepair({
      setups,
      clock,
      queueCheck: (trx, setupId) => healthChecks.queueNow(trx, setupId),
      kick: () => jobs.kick(),
    }),
  );
  app.decorate('verifyStaffToken', createStaffVerifier(config.staff, http));
  app.decorate('verifyIdToken', createIdTokenVerifier(config.microsoft, http));
  app.decorate(
    'tenantDirectory',
    createTenantDirectory({ authorityHost: config.microsoft.authorityHost, http }),
  );
  app.decorate('checkReadiness', createReadinessCheck({ store, keyring }));

  await eventBus.start();
  app.addHook('onReady', async () => {
    if (config.jobs.enabled) jobs.start();
  });
  app.addHook('onClose', async () => {
    await jobs.stop();
    await eventBus.close();
    http.close();
    guardedHttp.close();
    if (!opts.store) await store.close();
  });
}

export default fp(services, { name: 'services' });
