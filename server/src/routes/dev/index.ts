import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { CredentialHandoffRequestSchema } from '@kantiv/shared/credentials';
import { CreateSetupRequestSchema } from '@kantiv/shared/setup';
import { actorOf } from '../../plugins/app/auth.ts';
import type { Actor } from '../../services/audit.ts';
import { AUTH_ERRORS, errorResponses } from '../schemas.ts';

/** The verification job's actor: the only one the state machine lets move a setup to `verified`. */
const VERIFIER: Actor = { kind: 'system', id: 'verification' };

const write = { staff: 'manage', apiKey: 'setups:write' } as const;
const read = { staff: 'read', apiKey: 'setups:read' } as const;
/** Hidden from the OpenAPI document: these routes are not part of the product's API. */
const schemaBase = { hide: true, tags: ['development'] };

const VerifiedSetupSchema = z
  .object({ customerName: z.string().min(1).max(200), credential: CredentialHandoffRequestSchema })
  .strict();

/**
 * Development and benchmark seams (registered only with KANTIV_DEV_MODE=true; a production server answers 404):
 * `pnpm bench fleet` runs the server in its own process, as `pnpm start` does, and drives a health-check cycle from
 * outside through these. Nothing here skips the vault: each credential is sealed by this process's credential store.
 *
 * - `POST /api/v1/dev/verified-setups`: creates setups (as `POST /api/v1/setups` does) and stores, for each, what a
 *   hand-off and a successful verification leave behind, through the setup lifecycle's transitions (no write of
 *   `state` but the lifecycle's).
 * - `POST /api/v1/dev/health-cycle`: schedules every verified setup's first check (the sweep) and makes every queued
 *   check due now, as if one whole check interval had passed.
 * - `GET /api/v1/dev/health-stats`: this instance's health-check counters (checks run, most per tenant at once).
 */
const devRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/api/v1/dev/verified-setups',
    {
      preHandler: app.requireAccess(write),
      schema: {
        ...schemaBase,
        body: z.object({ setups: z.array(VerifiedSetupSchema).min(1).max(100) }).strict(),
        response: { 201: z.object({ ids: z.array(z.uuid()) }), ...errorResponses(...AUTH_ERRORS) },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const ids: string[] = [];
      for (const s of request.body.setups)
        ids.push(
          (await app.setups.create(CreateSetupRequestSchema.parse({ customerName: s.customerName }), actor))
            .setup.id,
        );
      // Through the state machine, as a real setup gets there: signed in (wizard), handed off (wizard; the
      // credential sealed by this process's credential store in the same transaction), verified (the verifier).
      // Only the Microsoft round trips of the wizard and of the verification are skipped.
      for (const [k, s] of request.body.setups.entries()) {
        const id = ids[k]!;
        const c = s.credential;
        const wizard: Actor = { kind: 'setup_token', id };
        await app.setups.change(id, wizard, async () => ({
          move: { to: 'in_progress', on: 'sign_in' },
          set: { tenant_id: c.tenantId },
        }));
        await app.setups.change(id, wizard, async (_row, trx) => {
          await app.credentialStore.insert(trx, id, c);
          return {
            move: { to: 'awaiting_verification', on: 'hand_off' },
            set: {
              client_id: c.clientId,
              environment_url: c.environmentUrl.replace(/\/+$/, ''),
              application_user_id: c.applicationUserId ?? null,
              credential_kind: c.credentialKind ?? 'client_secret',
              secret_expires_at: c.secretExpiresAt ?? null,
            },
          };
        });
        await app.setups.change(id, VERIFIER, async () => ({ move: { to: 'verified', on: 'verified' } }));
      }
      return reply.code(201).send({ ids });
    },
  );

  app.post(
    '/api/v1/dev/health-cycle',
    {
      preHandler: app.requireAccess(write),
      schema: {
        ...schemaBase,
        response: {
          200: z.object({ scheduled: z.number().int(), due: z.number().int() }),
          ...errorResponses(...AUTH_ERRORS),
        },
      },
    },
    async () => {
      const scheduled = await app.healthChecks.sweep();
      const moved = await app.store.db
        .updateTable('jobs')
        .set({ run_at: app.clock.now().toISOString() })
        .where('kind', '=', 'health')
        .where('status', '=', 'queued')
        .executeTakeFirst();
      app.jobs.kick();
      return { scheduled, due: Number(moved.numUpdatedRows) };
    },
  );

  app.get(
    '/api/v1/dev/health-stats',
    {
      preHandler: app.requireAccess(read),
      schema: {
        ...schemaBase,
        response: {
          200: z.object({ checked: z.number().int(), maxConcurrentPerTenant: z.number().int() }).loose(),
          ...errorResponses(...AUTH_ERRORS),
        },
      },
    },
    () => app.healthChecks.stats(),
  );
};

export default devRoutes;
