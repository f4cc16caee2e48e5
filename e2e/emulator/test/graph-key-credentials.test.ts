import { describe, expect, it } from 'vitest';
import { emulator } from './support/emulator-fixture.ts';
import { FORM, LOGIN, tid, useEntraEmulator } from './support/entra.ts';
import {
  clientAssertion,
  keyCredential,
  makeCert,
  proofOfPossession,
  type TestCert,
} from './support/certificates.ts';
import { expectGraphError } from './support/graph.ts';
import { GRAPH, call, createAppWithPrincipal, tokenFor } from './support/helpers.ts';

useEntraEmulator();

const admin = () => tokenFor(emulator, 'admin@contoso.com', 'https://graph.microsoft.com/.default');

async function patchKeys(id: string, keys: unknown[]) {
  return call(emulator, `${GRAPH}/applications/${id}`, {
    method: 'PATCH',
    token: await admin(),
    body: { keyCredentials: keys },
  });
}

/** The app's own app-only Graph token, obtained with a client assertion signed by `cert`. */
async function selfToken(appId: string, cert: TestCert): Promise<string> {
  const r = await call(emulator, `${LOGIN}/${tid}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: FORM,
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: appId,
      scope: 'https://graph.microsoft.com/.default',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: await clientAssertion(cert, appId, `${LOGIN}/${tid}/oauth2/v2.0/token`),
    }).toString(),
  });
  expect(r.status).toBe(200);
  return String(r.json.access_token);
}

describe('Graph application keyCredentials', () => {
  it('PATCH replaces the whole collection; key is returned only on $select=keyCredentials of a single object', async () => {
    const { id } = await createAppWithPrincipal(emulator, 'keys');
    const [a, b] = await Promise.all([makeCert('a'), makeCert('b')]);
    expect((await patchKeys(id, [keyCredential(a)])).status).toBe(204);
    const token = await admin();
    const plain = await call(emulator, `${GRAPH}/applications/${id}`, { token });
    expect((plain.json.keyCredentials as { key: unknown }[])[0]?.key).toBeNull();
    const listed = await call(emulator, `${GRAPH}/applications?$select=id,keyCredentials`, { token });
    const mine = (listed.json.value as { id: string; keyCredentials: { key: unknown }[] }[]).find(
      (x) => x.id === id,
    );
    expect(mine?.keyCredentials[0]?.key).toBeNull();
    const selected = await call(emulator, `${GRAPH}/applications/${id}?$select=keyCredentials`, { token });
    const read = selected.json.keyCredentials as {
      key: string;
      keyId: string;
      customKeyIdentifier: string;
    }[];
    expect(read[0]?.key).toBe(a.key);
    expect(read[0]?.customKeyIdentifier).toBe(Buffer.from(a.x5t, 'base64url').toString('base64'));

    // Sending only the new certificate drops the first one.
    expect((await patchKeys(id, [keyCredential(b)])).status).toBe(204);
    let now = await call(emulator, `${GRAPH}/applications/${id}?$select=keyCredentials`, { token });
    expect((now.json.keyCredentials as { key: string }[]).map((k) => k.key)).toEqual([b.key]);

    // Keeping a certificate means sending back the key read with $select; a keyId alone is refused.
    const kept = (now.json.keyCredentials as Record<string, unknown>[])[0] ?? {};
    expectGraphError(
      await patchKeys(id, [
        { keyId: kept.keyId, type: 'AsymmetricX509Cert', usage: 'Verify' },
        keyCredential(a),
      ]),
      400,
      'KeyCredentialsInvalidValue',
    );
    expect((await patchKeys(id, [kept, keyCredential(a)])).status).toBe(204);
    now = await call(emulator, `${GRAPH}/applications/${id}?$select=keyCredentials`, { token });
    const after = now.json.keyCredentials as { key: string; keyId: string }[];
    expect(after.map((k) => k.key)).toEqual([b.key, a.key]);
    expect(after[0]?.keyId).toBe(kept.keyId);
  });

  it('a certificate sent back keeps its keyId and dates but takes the name sent, or its subject when none is', async () => {
    const { id } = await createAppWithPrincipal(emulator, 'names');
    const cert = await makeCert('pipeline');
    expect((await patchKeys(id, [{ ...keyCredential(cert), displayName: 'Build pipeline' }])).status).toBe(
      204,
    );
    const token = await admin();
    const read = async () =>
      (await call(emulator, `${GRAPH}/applications/${id}?$select=keyCredentials`, { token })).json
        .keyCredentials as Record<string, unknown>[];
    const [first] = await read();
    expect(first?.displayName).toBe('Build pipeline');

    const { displayName: _dropped, ...unnamed } = first!;
    expect((await patchKeys(id, [unnamed])).status).toBe(204);
    const [again] = await read();
    expect(again).toEqual({ ...first, displayName: 'CN=pipeline' });

    expect((await patchKeys(id, [{ ...unnamed, displayName: 'Renamed' }])).status).toBe(204);
    expect((await read())[0]).toEqual({ ...first, displayName: 'Renamed' });
  });

  it('applies the tenant app management policy: a capped certificate lifetime, self-signed certificates refused', async () => {
    const { id } = await createAppWithPrincipal(emulator, 'policy');
    const [long, short] = await Promise.all([makeCert('long', 400), makeCert('short', 90)]);
    const cap = emulator.control.setScenario({ name: 'certificate-lifetime-capped', maxDays: 180 });
    expectGraphError(
      await patchKeys(id, [keyCredential(long)]),
      400,
      'CredentialInvalidLifetimeAsPerAppPolicy',
    );
    expect((await patchKeys(id, [keyCredential(short)])).status).toBe(204);
    emulator.control.clearScenario(cap);
    emulator.control.setScenario({ name: 'certificate-credentials-blocked', tenant: 'contoso.com' });
    expectGraphError(
      await patchKeys(id, [keyCredential(long)]),
      400,
      'CredentialTypeNotAllowedAsPerAppPolicy',
    );
  });
});

describe('Graph application addKey / removeKey', () => {
  async function appWithCert() {
    const { id, appId } = await createAppWithPrincipal(emulator, 'roller');
    const current = await makeCert('current');
    expect((await patchKeys(id, [keyCredential(current)])).status).toBe(204);
    return { id, appId, current, token: await selfToken(appId, current) };
  }
  const addKey = (id: string, token: string, body: unknown) =>
    call(emulator, `${GRAPH}/applications/${id}/addKey`, { method: 'POST', token, body });

  it('lets an application with no Graph permission roll its own certificate, proving possession of a current one', async () => {
    const { id, appId, current, token } = await appWithCert();
    const next = await makeCert('next');
    const added = await addKey(id, token, {
      keyCredential: keyCredential(next, 'CN=next'),
      passwordCredential: null,
      proof: await proofOfPossession(current, id),
    });
    expect(added.status).toBe(200);
    expect(added.json).toMatchObject({
      '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.keyCredential',
      type: 'AsymmetricX509Cert',
      usage: 'Verify',
      key: null,
      displayName: 'CN=next',
    });
    // The new certificate works at the token endpoint, and proves possession for removing the old one.
    const nextToken = await selfToken(appId, next);
    const oldKeyId = (
      (await call(emulator, `${GRAPH}/applications/${id}`, { token: await admin() })).json.keyCredentials as {
        keyId: string;
      }[]
    )[0]?.keyId;
    const removed = await call(emulator, `${GRAPH}/applications/${id}/removeKey`, {
      method: 'POST',
      token: nextToken,
      body: { keyId: oldKeyId, proof: await proofOfPossession(next, id) },
    });
    expect(removed.status).toBe(204);
    const left = await call(emulator, `${GRAPH}/applications/${id}?$select=keyCredentials`, {
      token: await admin(),
    });
    expect((left.json.keyCredentials as { key: string }[]).map((k) => k.key)).toEqual([next.key]);
  });

  it('refuses a proof with the wrong audience, the app id as issuer, a lifetime over 10 minutes, an expired one or one signed by a stranger (401 Authentication_MissingOrMalformed)', async () => {
    const { id, appId, current, token } = await appWithCert();
    const [next, stranger] = await Promise.all([makeCert('next'), makeCert('stranger')]);
    const bad = [
      await proofOfPossession(current, id, { aud: 'https://graph.microsoft.com' }),
      await proofOfPossession(current, appId),
      await proofOfPossession(current, id, { lifetimeS: 3600 }),
      await proofOfPossession(current, id, { now: Math.floor(Date.now() / 1000) - 3600 }),
      await proofOfPossession(stranger, id, { headerCert: current }),
      await proofOfPossession(stranger, id),
      '',
    ];
    for (const proof of bad) {
      expectGraphError(
        await addKey(id, token, { keyCredential: keyCredential(next), passwordCredential: null, proof }),
        401,
        'Authentication_MissingOrMalformed',
      );
    }
  });

  it('refuses addKey once every certificate has expired (the emulator clock moved past it), and applies the policy', async () => {
    const { id, current, token } = await appWithCert();
    const next = await makeCert('next', 400);
    emulator.control.setScenario({ name: 'certificate-lifetime-capped', maxDays: 180 });
    expectGraphError(
      await addKey(id, token, {
        keyCredential: keyCredential(next),
        passwordCredential: null,
        proof: await proofOfPossession(current, id),
      }),
      400,
      'CredentialInvalidLifetimeAsPerAppPolicy',
    );
    emulator.control.advanceClock(366 * 86400_000);
    expectGraphError(
      await addKey(id, token, {
        keyCredential: keyCredential(next),
        passwordCredential: null,
        proof: await proofOfPossession(current, id),
      }),
      401,
      'Authentication_MissingOrMalformed',
    );
  });

  it('requires Application.ReadWrite.All and a role from anyone but the application itself', async () => {
    const { id, current } = await appWithCert();
    const user = await tokenFor(emulator, 'user@contoso.com', 'https://graph.microsoft.com/User.Read');
    const next = await makeCert('next');
    expectGraphError(
      await addKey(id, user, {
        keyCredential: keyCredential(next),
        passwordCredential: null,
        proof: await proofOfPossession(current, id),
      }),
      403,
      'Authorization_RequestDenied',
    );
    const byAdmin = await addKey(id, await admin(), {
      keyCredential: keyCredential(next),
      passwordCredential: null,
      proof: await proofOfPossession(current, id),
    });
    expect(byAdmin.status).toBe(200);
  });
});
