import { expect, it } from 'vitest';
import { ApiErrorSchema } from '@kantiv/shared/errors';
import { AuditActionListSchema, AuditListSchema } from '@kantiv/shared/audit';
import { describeDialects } from './helpers/databases.ts';
import { bearer, type TestContext, useTestApp } from './helpers/app.ts';

async function staffCreates(ctx: TestContext, customerName: string): Promise<string> {
  const res = await ctx.call({
    method: 'POST',
    url: '/api/v1/setups',
    headers: bearer(ctx.staffManage),
    payload: { customerName },
  });
  expect(res.statusCode).toBe(201);
  return res.json<{ setup: { id: string } }>().setup.id;
}

describeDialects('the audit log people read (%s)', (dialect) => {
  const ctx = useTestApp(dialect);
  const get = (url: string, token = ctx.staffRead) =>
    ctx.call({ method: 'GET', url, headers: bearer(token) });

  it('names staff by name and e-mail (object id kept), API keys by name, setups by customer', async () => {
    const id = await staffCreates(ctx, 'Fabrikam GmbH');
    const page = AuditListSchema.parse((await get(`/api/v1/audit?setupId=${id}`)).json());
    const created = page.items.find((e) => e.action === 'setup.created');
    expect(created).toMatchObject({
      actor: { kind: 'staff', name: 'Support Person', email: 'support.person@kantiv.example' },
      customerName: 'Fabrikam GmbH',
    });
    expect(created?.actor.id).toMatch(/^[0-9a-f-]{36}$/);
    await ctx.call({
      method: 'POST',
      url: '/api/v1/setups',
      headers: bearer(ctx.apiKey),
      payload: { customerName: 'Keyed Co' },
    });
    const byKey = AuditListSchema.parse(
      (await get('/api/v1/audit?actorKind=api_key&action=setup.created')).json(),
    );
    expect(byKey.items[0]).toMatchObject({ customerName: 'Keyed Co', actor: { kind: 'api_key' } });
    expect(byKey.items[0]?.actor.name).toBeTruthy();
    // Names are looked up, not written into the entries: the chain still verifies.
    expect(await ctx.app.audit.verify()).toMatchObject({ ok: true });
  });

  it('offers every action in the log for the filter', async () => {
    await staffCreates(ctx, 'Actions Ltd');
    const { items } = AuditActionListSchema.parse((await get('/api/v1/audit/actions')).json());
    expect(items).toContain('setup.created');
    expect(items).toEqual([...items].sort());
    expect(new Set(items).size).toBe(items.length);
  });

  it('filters by a date range; a range that ends before it starts is a 400 in the shared shape', async () => {
    const before = new Date(Date.now() - 1000).toISOString();
    const id = await staffCreates(ctx, 'Range Ltd');
    const after = new Date(Date.now() + 1000).toISOString();
    const inside = AuditListSchema.parse(
      (await get(`/api/v1/audit?setupId=${id}&from=${before}&to=${after}`)).json(),
    );
    expect(inside.items.length).toBeGreaterThan(0);
    const later = AuditListSchema.parse((await get(`/api/v1/audit?setupId=${id}&from=${after}`)).json());
    expect(later.items).toHaveLength(0);
    const earlier = AuditListSchema.parse((await get(`/api/v1/audit?setupId=${id}&to=${before}`)).json());
    expect(earlier.items).toHaveLength(0);
    // An offset is moved to UTC before comparing (text order of ISO strings is only time order in one zone).
    const plusTwo = new Date(Date.parse(before) + 2 * 3_600_000).toISOString().replace('Z', '+02:00');
    const withOffset = AuditListSchema.parse(
      (await get(`/api/v1/audit?setupId=${id}&from=${encodeURIComponent(plusTwo)}`)).json(),
    );
    expect(withOffset.items.length).toBe(inside.items.length);
    for (const bad of [`from=${after}&to=${before}`, 'from=yesterday', 'actorKind=robot', 'limit=0']) {
      const res = await get(`/api/v1/audit?${bad}`);
      expect(res.statusCode, bad).toBe(400);
      expect(ApiErrorSchema.safeParse(res.json()).success).toBe(true);
      const csv = await get(`/api/v1/audit/export?${bad}`);
      if (!bad.startsWith('limit')) expect(csv.statusCode, bad).toBe(400);
    }
  });

  it('exports the filtered entries as CSV, names included, formulas defused', async () => {
    const id = await staffCreates(ctx, '=HYPERLINK("https://evil.example","x")');
    const res = await get(`/api/v1/audit/export?setupId=${id}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toContain('audit-log.csv');
    const lines = res.body.trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'id,at,actor_kind,actor_id,actor_name,actor_email,action,setup_id,customer,target,details',
    );
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines.slice(1)) expect(line).toContain(id);
    expect(res.body).toContain('Support Person,support.person@kantiv.example,setup.created');
    expect(res.body).toContain(`"'=HYPERLINK(""https://evil.example"",""x"")"`);
    expect((await get('/api/v1/audit/export', ctx.apiKey)).statusCode).toBe(403);
  });
});
