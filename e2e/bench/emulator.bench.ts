import autocannon from 'autocannon';
import { startEmulator } from '@kantiv/emulator';
import { report } from './report.ts';

/**
 * How fast the emulator issues tokens and serves Graph/Dataverse reads, so it is never what limits the product's own
 * benchmarks. Token issuance is client credentials with a secret (RS256 signing per request); Graph reads list
 * applications with a delegated token (signature verification per request).
 */
const DURATION_S = Number(process.argv[2] ?? 5);
const CONNECTIONS = 10;

const emulator = await startEmulator({ replicationDelayMs: 0 });
const graphToken = await emulator.control.issueToken({
  user: 'admin@contoso.com',
  scope: 'https://graph.microsoft.com/.default',
});
const dvToken = await emulator.control.issueToken({
  user: 'admin@contoso.com',
  scope: 'https://contoso.crm.dynamics.com/user_impersonation',
});
const graph = `${emulator.urls.graph}/v1.0`;
const json = async (r: Response) => (await r.json()) as Record<string, unknown>;
const headers = { authorization: `Bearer ${graphToken}`, 'content-type': 'application/json' };
const app = await json(
  await emulator.fetch(`${graph}/applications`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ displayName: 'bench', signInAudience: 'AzureADMyOrg' }),
  }),
);
await emulator.fetch(`${graph}/servicePrincipals`, {
  method: 'POST',
  headers,
  body: JSON.stringify({ appId: app.appId }),
});
const secret = await json(
  await emulator.fetch(`${graph}/applications/${String(app.id)}/addPassword`, {
    method: 'POST',
    headers,
    body: '{}',
  }),
);

async function measure(opts: autocannon.Options) {
  const r = await autocannon({ connections: CONNECTIONS, duration: DURATION_S, ...opts });
  return { rps: r.requests.average, p99: r.latency.p99, errors: r.errors + r.non2xx };
}

const tokens = await measure({
  url: `${emulator.urls.authorityHost}/${emulator.tenants.contoso}/oauth2/v2.0/token`,
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: String(app.appId),
    client_secret: String(secret.secretText),
    scope: 'https://contoso.crm.dynamics.com/.default',
  }).toString(),
});
const graphReads = await measure({
  url: `${graph}/applications?$top=10&$select=id,appId,displayName`,
  headers: { authorization: `Bearer ${graphToken}` },
});
const whoami = await measure({
  url: `${emulator.urls.environments[0]?.baseUrl ?? ''}/api/data/v9.2/WhoAmI`,
  headers: { authorization: `Bearer ${dvToken}` },
});
await emulator.close();

report(
  'emulator',
  [
    {
      target: 'POST token (client_credentials)',
      'req/s': tokens.rps,
      'p99 ms': tokens.p99,
      errors: tokens.errors,
    },
    {
      target: 'GET Graph /applications',
      'req/s': graphReads.rps,
      'p99 ms': graphReads.p99,
      errors: graphReads.errors,
    },
    { target: 'GET Dataverse WhoAmI', 'req/s': whoami.rps, 'p99 ms': whoami.p99, errors: whoami.errors },
  ],
  {
    tokensPerSec: Math.round(tokens.rps),
    graphReadsPerSec: Math.round(graphReads.rps),
    dataverseReadsPerSec: Math.round(whoami.rps),
    tokenP99Ms: tokens.p99,
    graphP99Ms: graphReads.p99,
    errors: tokens.errors + graphReads.errors + whoami.errors,
  },
);
