import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';

/** Kantiv's staff identity provider for the suite: signs staff access tokens; JWKS over local HTTP. */
export async function startStaffIssuer() {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const forger = await generateKeyPair('RS256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'staff-1', alg: 'RS256', use: 'sig' };
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const tenant = randomUUID();
  const issuer = `${url}/${tenant}/v2.0`;
  const audience = 'api://kantiv-connect-reliability';
  return {
    env: {
      // Its keys are served over http://127.0.0.1: a development setting.
      KANTIV_DEV_MODE: 'true',
      STAFF_TENANT_ID: tenant,
      STAFF_API_AUDIENCE: audience,
      STAFF_JWT_ISSUERS: issuer,
      STAFF_JWKS_URL: `${url}/${tenant}/discovery/v2.0/keys`,
    },
    token(roles: string[], opts: { expired?: boolean; forged?: boolean } = {}) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ roles, oid: randomUUID(), name: 'Support Person', tid: tenant })
        .setProtectedHeader({ alg: 'RS256', kid: 'staff-1', typ: 'JWT' })
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt(opts.expired ? now - 7200 : now)
        .setExpirationTime(opts.expired ? now - 3600 : now + 3600)
        .sign(opts.forged ? forger.privateKey : privateKey);
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
export type StaffIssuer = Awaited<ReturnType<typeof startStaffIssuer>>;
