import { X509Certificate } from 'node:crypto';
import { decodeProtectedHeader, importX509, jwtVerify } from 'jose';
import type { Runtime } from '../core.ts';
import { json, noContent, type Ctx, type Reply } from '../http.ts';
import type { Application, KeyCredential } from '../state.ts';
import { canWriteApplications, type GraphCaller } from './auth.ts';
import { readBody, type Body } from './crud.ts';
import { badRequest, graphError, insufficientPrivileges, notFound } from './errors.ts';
import { isCurrent, keyCredentialJson, parseNewKey, policyProblem, thumbprints } from './key-credentials.ts';

/**
 * `addKey` / `removeKey`: an application rolls its own certificates, proving possession of a current one with a
 * self-signed JWT (`aud` 00000002-0000-0000-c000-000000000000, `iss` the application's object id, `nbf`, `exp`
 * at most 10 minutes later). An application needs no permission to roll its own keys; anyone else needs the
 * ordinary application write permission.
 */

const PROOF_AUDIENCE = '00000002-0000-0000-c000-000000000000';
const PROOF_MAX_LIFETIME_S = 600;

// Graph answers a proof it cannot accept like a missing token (microsoft-graph-docs-contrib#2862).
const badProof = (ctx: Ctx) =>
  graphError(ctx, 401, 'Authentication_MissingOrMalformed', 'Access Token missing or malformed.');

/** The current certificate whose private key signed `proof`, or null when the proof does not hold. */
async function proofSigner(rt: Runtime, app: Application, proof: string): Promise<KeyCredential | null> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(proof);
  } catch {
    return null;
  }
  // Graph's own documentation warns that '=' padding makes the proof malformed.
  if (proof.includes('=')) return null;
  const kid = typeof header.kid === 'string' ? header.kid.toUpperCase() : undefined;
  const named = (k: KeyCredential) => {
    const t = thumbprints(k);
    return header.x5t === t.x5t || header['x5t#S256'] === t.x5tS256 || kid === t.hex;
  };
  const current = app.keyCredentials.filter((k) => isCurrent(rt, k));
  const hinted = current.filter(named);
  const candidates = header.x5t || header['x5t#S256'] || kid ? hinted : current;
  for (const k of candidates) {
    try {
      const pem = new X509Certificate(Buffer.from(k.key, 'base64')).toString();
      const key = await importX509(pem, header.alg ?? 'RS256');
      const { payload } = await jwtVerify(proof, key, {
        audience: PROOF_AUDIENCE,
        issuer: app.id,
        // Real time for the JWT's own times, as for client assertions (client-assertion.ts).
        requiredClaims: ['nbf', 'exp'],
        clockTolerance: 300,
      });
      if ((payload.exp ?? 0) - (payload.nbf ?? 0) > PROOF_MAX_LIFETIME_S) return null;
      return k;
    } catch {
      continue;
    }
  }
  return null;
}

/** Permission first (self or writer), then the object, the body and the proof — in Graph's order. */
async function withProof(
  rt: Runtime,
  ctx: Ctx,
  caller: GraphCaller,
  app: Application | undefined,
  key: string,
  then: (target: Application, body: Body) => Reply,
): Promise<Reply> {
  const self = app !== undefined && !caller.user && caller.appId === app.appId;
  if (!self && !canWriteApplications(rt, caller)) return insufficientPrivileges(ctx);
  if (!app) return notFound(ctx, key);
  const parsed = readBody(ctx);
  if (!('value' in parsed)) return parsed;
  const proof = parsed.value.proof;
  if (typeof proof !== 'string' || proof === '') return badProof(ctx);
  if (!(await proofSigner(rt, app, proof))) return badProof(ctx);
  return then(app, parsed.value);
}

/** An action on one application that needs a proof: the same arguments as any Graph target handler. */
type ProofAction = (
  rt: Runtime,
  ctx: Ctx,
  caller: GraphCaller,
  app: Application | undefined,
  key: string,
) => Promise<Reply>;

export const addKey: ProofAction = (rt, ctx, caller, app, key) =>
  withProof(rt, ctx, caller, app, key, (target, body) => {
    if (body.passwordCredential !== undefined && body.passwordCredential !== null) {
      return badRequest(ctx, 'passwordCredential is only supported with keys of type X509CertAndPassword.');
    }
    const raw = body.keyCredential;
    if (typeof raw !== 'object' || raw === null)
      return badRequest(ctx, "Invalid value specified for property 'keyCredential'.");
    const parsed = parseNewKey(rt, ctx, raw as Body, caller.tenant.id);
    if ('status' in parsed) return parsed;
    const problem = policyProblem(rt, ctx, caller, parsed);
    if (problem) return problem;
    target.keyCredentials.push(parsed);
    return json(200, {
      '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.keyCredential',
      ...keyCredentialJson(parsed, false),
    });
  });

export const removeKey: ProofAction = (rt, ctx, caller, app, key) =>
  withProof(rt, ctx, caller, app, key, (target, body) => {
    const keyId = body.keyId;
    if (typeof keyId !== 'string')
      return badRequest(ctx, "Invalid value specified for property 'keyId' of resource 'Application'.");
    if (!target.keyCredentials.some((k) => k.keyId === keyId)) {
      return graphError(
        ctx,
        404,
        'Request_ResourceNotFound',
        `No key credential found with keyId '${keyId}'.`,
      );
    }
    target.keyCredentials = target.keyCredentials.filter((k) => k.keyId !== keyId);
    return noContent();
  });
