import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { EmulatorProc } from './emulator-process.ts';
import { eventually } from './timing.ts';

export const ADMIN = 'admin@contoso.com';

async function delegated(emu: EmulatorProc, scope: string, user = ADMIN): Promise<string> {
  const r = await emu.control('POST', '/token', { user, scope });
  if (r.status !== 200) throw new Error(`emulator token: ${r.status} ${r.text}`);
  return (r.json as { access_token: string }).access_token;
}

export type Provisioned = { appId: string; secretText: string; applicationUserId: string };

/**
 * What the provisioning engine does in Steps 1–4, through the emulated Graph and Dataverse with the admin's
 * delegated tokens: app registration, secret, service principal, application user with a role.
 */
export async function provision(emu: EmulatorProc): Promise<Provisioned> {
  const GRAPH = 'https://graph.microsoft.com/v1.0';
  const graph = await delegated(emu, 'https://graph.microsoft.com/.default');
  const auth = { authorization: `Bearer ${graph}` };
  const created = await emu.request(
    `${GRAPH}/applications(uniqueName='kantiv-${randomUUID().slice(0, 12)}')`,
    {
      method: 'PATCH',
      headers: { ...auth, prefer: 'create-if-missing' },
      body: { displayName: 'Kantiv Dataverse Connector', signInAudience: 'AzureADMyOrg' },
    },
  );
  if (created.status !== 201) throw new Error(`create app: ${created.status} ${created.text}`);
  const appObj = created.json as { id: string; appId: string };
  const secret = await emu.request(`${GRAPH}/applications/${appObj.id}/addPassword`, {
    method: 'POST',
    headers: auth,
    body: { passwordCredential: { displayName: 'Kantiv secret' } },
  });
  const secretText = (secret.json as { secretText: string }).secretText;
  await eventually(
    () =>
      emu.request(`${GRAPH}/servicePrincipals`, {
        method: 'POST',
        headers: auth,
        body: { appId: appObj.appId },
      }),
    (r) => r.status === 201,
  );
  const dv = await delegated(emu, `${emu.org.url}/user_impersonation`);
  const dvAuth = { authorization: `Bearer ${dv}` };
  const base = `${emu.org.apiUrl}/api/data/v9.2`;
  const bu = await emu.request(
    `${base}/businessunits?$select=businessunitid&$filter=_parentbusinessunitid_value eq null`,
    { headers: dvAuth },
  );
  const buId = (bu.json as { value: { businessunitid: string }[] }).value[0]!.businessunitid;
  const user = await eventually(
    () =>
      emu.request(`${base}/systemusers`, {
        method: 'POST',
        headers: dvAuth,
        body: { applicationid: appObj.appId, 'businessunitid@odata.bind': `/businessunits(${buId})` },
      }),
    (r) => r.status === 204,
  );
  const loc = user.headers['odata-entityid'];
  const userId = /systemusers\((.+)\)$/.exec(String(loc))![1]!;
  const roles = await emu.request(
    `${base}/roles?$select=roleid&$filter=name eq 'System Administrator' and _businessunitid_value eq ${buId}`,
    { headers: dvAuth },
  );
  const roleId = (roles.json as { value: { roleid: string }[] }).value[0]!.roleid;
  const assigned = await emu.request(`${base}/systemusers(${userId})/systemuserroles_association/$ref`, {
    method: 'POST',
    headers: dvAuth,
    body: { '@odata.id': `${base}/roles(${roleId})` },
  });
  if (assigned.status !== 204) throw new Error(`assign role: ${assigned.status} ${assigned.text}`);
  return { appId: appObj.appId, secretText, applicationUserId: userId };
}

/**
 * The admin's Microsoft sign-in as the SPA does it (authorization code + PKCE at the emulated Entra, with the
 * `auto-sign-in` scenario standing in for the clicks): returns the ID token the wizard sends to our server.
 */
export async function signIn(emu: EmulatorProc, user = ADMIN, nonce: string = randomUUID()): Promise<string> {
  const scenario = await emu.control('POST', '/scenarios', { name: 'auto-sign-in', user });
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const redirectUri = 'http://localhost:5173/';
  const authority = 'https://login.microsoftonline.com/organizations/oauth2/v2.0';
  const q = new URLSearchParams({
    client_id: emu.wizardClientId,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope: 'openid profile offline_access',
    response_mode: 'query',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: randomUUID(),
    nonce,
  });
  try {
    const authz = await emu.request(`${authority}/authorize?${q.toString()}`);
    const location = String(authz.headers.location ?? '');
    const code = new URL(location, redirectUri).searchParams.get('code');
    if (!code) throw new Error(`authorize: ${authz.status} ${location} ${authz.text.slice(0, 300)}`);
    const token = await emu.request(`${authority}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost:5173' },
      body: new URLSearchParams({
        client_id: emu.wizardClientId,
        grant_type: 'authorization_code',
        code,
        redirect_uri: redirectUri,
        code_verifier: verifier,
        scope: 'openid profile offline_access',
      }).toString(),
    });
    const idToken = (token.json as { id_token?: string } | undefined)?.id_token;
    if (!idToken) throw new Error(`token: ${token.status} ${token.text.slice(0, 300)}`);
    return idToken;
  } finally {
    await emu.control('DELETE', '/scenarios');
    void scenario;
  }
}
