import { SetupStatusSchema, type SetupState, type SetupStatus } from '@kantiv/shared/setup';
import type { Verification } from '@kantiv/shared/credentials';
import type { Db } from '../../db/database.ts';
import { HttpError } from '../../lib/http-error.ts';
import type { EventBus } from '../event-bus.ts';
import { credentialSummary } from './credential-summary.ts';
import { healthOf, opt, parseJson, toSteps, type SetupRepository } from './repository.ts';

/** How stale a status may be on an instance that missed the change (see `versions` below). */
export const STATUS_VERSION_TTL_MS = 1_000;

/** What the status route sends: the ETag's version, and the body unless the caller's ETag is current (304). */
export type StatusAnswer = { version: number; json?: string };

/**
 * The compact status and its hot path: the row version is the ETag, a body is serialized once per version, and a
 * long-poll waits on the event bus. Polling an unchanged setup costs no database read and no serialization.
 */
export function createSetupStatus(deps: { db: Db; bus: EventBus; repo: SetupRepository }) {
  const { db, bus, repo } = deps;
  const bodies = new Map<string, { json: string; version: number }>();
  /**
   * The status version (ETag) per setup, kept briefly so that polling a setup costs no database read. A write on this
   * instance forgets it as soon as it commits; a write on another instance (PostgreSQL) forgets it when its event
   * arrives through LISTEN/NOTIFY. STATUS_VERSION_TTL_MS bounds what neither path sees (a write without an event, a
   * dropped LISTEN connection, another process writing the SQLite file): the status is never staler than that.
   */
  const versions = new Map<string, { version: number; until: number }>();
  // Bumped by every forget: a read that started before a write committed must not cache what it read.
  let forgets = 0;
  const forget = (id: string) => {
    forgets += 1;
    versions.delete(id);
  };
  bus.observe((event) => forget(event.setupId));

  /** At most STATUS_VERSION_TTL_MS old (see `versions`); `fresh` reads the database (a long-poll woken by an event). */
  async function version(id: string, options: { fresh?: boolean } = {}): Promise<number> {
    const now = Date.now();
    const hit = options.fresh ? undefined : versions.get(id);
    if (hit && hit.until > now) return hit.version;
    const before = forgets;
    const row = await db.selectFrom('setups').select('version').where('id', '=', id).executeTakeFirst();
    if (!row) throw new HttpError(404, 'not_found', 'No setup with this id.');
    if (forgets === before) {
      if (versions.size >= 10_000) versions.clear();
      versions.set(id, { version: row.version, until: now + STATUS_VERSION_TTL_MS });
    }
    return row.version;
  }

  /** The status body from the caches alone (no I/O), when both the version and its body are cached; else undefined. */
  function cachedJson(id: string): { json: string; version: number } | undefined {
    const v = versions.get(id);
    if (!v || v.until <= Date.now()) return undefined;
    const hit = bodies.get(id);
    return hit && hit.version === v.version ? hit : undefined;
  }

  async function read(id: string): Promise<{ status: SetupStatus; version: number }> {
    const row = await repo.getRow(id);
    const steps = toSteps((await repo.stepsOf([id])).get(id) ?? []);
    const verification = parseJson<Verification>(row.verification);
    const lastError = parseJson<{ code: string; message: string }>(row.last_error);
    const credential = credentialSummary(row);
    return {
      version: row.version,
      status: {
        id,
        state: row.state as SetupState,
        updatedAt: row.updated_at,
        steps: steps.map((s) => ({ step: s.step, status: s.status })),
        ...(verification
          ? { verification: { status: verification.status, ...opt('checkedAt', verification.checkedAt) } }
          : {}),
        ...opt('error', lastError),
        ...(credential ? { credential } : {}),
        ...opt('health', healthOf(row)),
      },
    };
  }

  /** The body as JSON, cached per setup and row version: the version changes with every write. */
  async function json(id: string, knownVersion?: number): Promise<{ json: string; version: number }> {
    const v = knownVersion ?? (await version(id));
    const hit = bodies.get(id);
    if (hit && hit.version === v) return hit;
    const { status, version: current } = await read(id);
    const entry = { json: JSON.stringify(SetupStatusSchema.parse(status)), version: current };
    if (bodies.size > 10_000) bodies.clear();
    bodies.set(id, entry);
    return entry;
  }

  /** Resolves on the next event for this setup, the timeout, or the client going away. */
  function waitForChange(setupId: string, ms: number, gone: NodeJS.EventEmitter): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        unsubscribe();
        gone.off('close', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      const unsubscribe = bus.subscribe(setupId, done);
      gone.once('close', done);
    });
  }

  const answerFor = (etag: string | undefined, hit: { json: string; version: number }): StatusAnswer =>
    etag === `"${hit.version}"` ? { version: hit.version } : hit;

  return {
    forget,
    version,
    cachedJson,
    json,
    read,

    /** A plain poll answered from the caches alone (no promise, no I/O), or undefined when they cannot answer. */
    answerNow(id: string, etag: string | undefined): StatusAnswer | undefined {
      const hit = cachedJson(id);
      return hit ? answerFor(etag, hit) : undefined;
    },

    /** The answer to a poll (`waitMs` 0) or a long-poll that ends on a change, the timeout or `gone` closing. */
    async answer(
      id: string,
      etag: string | undefined,
      waitMs: number,
      gone: NodeJS.EventEmitter,
    ): Promise<StatusAnswer> {
      // A plain poll may use the briefly cached version; a long-poll is about to wait, so it reads the database.
      let v = await version(id, { fresh: waitMs > 0 });
      if (etag === `"${v}"` && waitMs > 0) {
        await waitForChange(id, waitMs, gone);
        v = await version(id, { fresh: true });
      }
      if (etag === `"${v}"`) return { version: v };
      // The body may be newer than `v` when the setup changed meanwhile; the answer names the body's version.
      return json(id, v);
    },
  };
}
