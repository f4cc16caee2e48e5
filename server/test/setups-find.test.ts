import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { SetupListSchema, type SetupList } from '@kantiv/shared/setup';
import { describeDialects } from './helpers/databases.ts';
import { bearer, createSetup, useTestApp, type TestContext } from './helpers/app.ts';

async function list(ctx: TestContext, query: string): Promise<SetupList> {
  const res = await ctx.call({
    method: 'GET',
    url: `/api/v1/setups?${query}`,
    headers: bearer(ctx.staffRead),
  });
  expect(res.statusCode, res.body).toBe(200);
  return SetupListSchema.parse(res.json());
}

/** A setup as the wizard leaves it once bound and handed off (the columns search reads). */
async function boundSetup(ctx: TestContext, customerName: string) {
  const { id } = await createSetup(ctx, { customerName, environmentHint: `${customerName} Sales` });
  const tenantId = randomUUID();
  const slug = customerName.toLowerCase().replaceAll(' ', '');
  await ctx.app.store.db
    .updateTable('setups')
    .set({
      tenant_id: tenantId,
      tenant_domain: `${slug}.onmicrosoft.com`,
      environment_url: `https://${slug}-prod.crm4.dynamics.com/`,
      state: 'in_progress',
    })
    .where('id', '=', id)
    .execute();
  return { id, tenantId, slug };
}

describeDialects('finding setups (%s)', (dialect) => {
  const ctx = useTestApp(dialect);

  it('GET /api/v1/setups › finds a setup by tenant id, domain, setup id, environment URL and name, with counts and a total within the search', async () => {
    const target = await boundSetup(ctx, 'Findable Traders');
    await boundSetup(ctx, 'Someone Else');
    for (const q of [
      target.tenantId,
      target.tenantId.toUpperCase(),
      `${target.slug}.onmicrosoft`,
      target.id,
      `${target.slug}-prod.crm4`,
      'Findable Traders Sales',
    ]) {
      const found = await list(ctx, `q=${encodeURIComponent(q)}`);
      expect(
        found.items.map((s) => s.id),
        q,
      ).toEqual([target.id]);
      expect(found.total, q).toBe(1);
      expect(found.counts.in_progress, q).toBe(1);
    }
    const none = await list(ctx, `q=${encodeURIComponent(target.id)}&state=verified`);
    expect(none.total).toBe(0);
    expect(none.counts.in_progress).toBe(1);
  });

  it('GET /api/v1/setups › sorts by any column both ways, and pages through it without a gap or a repeat', async () => {
    const names = ['Sort Delta', 'sort alpha', 'Sort Charlie', 'Sort Bravo', 'Sort Echo'];
    for (const customerName of names) await createSetup(ctx, { customerName });
    const expected = [...names].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));

    for (const order of ['asc', 'desc'] as const) {
      const seen: string[] = [];
      let cursor = '';
      let pages = 0;
      do {
        const page = await list(
          ctx,
          `q=sort&sort=customer&order=${order}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        );
        expect(page.total).toBe(5);
        seen.push(...page.items.map((s) => s.customerName));
        cursor = page.nextCursor ?? '';
        pages += 1;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual(order === 'asc' ? expected : [...expected].reverse());
    }
    const created = await list(ctx, 'q=sort&sort=created&order=asc');
    expect(created.items.map((s) => s.customerName)).toEqual(names);
    expect(created.items[0]?.createdBy).toMatchObject({ kind: 'api_key' });

    // A cursor made for one order would skip or repeat rows in another: refused.
    const first = await list(ctx, 'q=sort&sort=customer&order=asc&limit=2');
    const misuse = await ctx.call({
      method: 'GET',
      url: `/api/v1/setups?q=sort&sort=created&order=asc&limit=2&cursor=${first.nextCursor ?? ''}`,
      headers: bearer(ctx.staffRead),
    });
    expect(misuse.statusCode).toBe(400);
    const unknown = await ctx.call({
      method: 'GET',
      url: '/api/v1/setups?sort=password',
      headers: bearer(ctx.staffRead),
    });
    expect(unknown.statusCode).toBe(400);
  });

  it('GET /api/v1/setups/export › downloads the filtered rows as CSV, in the list order, with no formula cells', async () => {
    const target = await boundSetup(ctx, 'Export Target');
    await createSetup(ctx, { customerName: '=HYPERLINK("https://evil.example","Export, click")' });
    await createSetup(ctx, { customerName: 'Left Out' });
    const res = await ctx.call({
      method: 'GET',
      url: '/api/v1/setups/export?q=export&sort=customer&order=desc',
      headers: bearer(ctx.staffRead),
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="setups.csv"');
    const lines = res.body.split('\r\n');
    expect(lines.at(-1)).toBe('');
    expect(lines[0]).toBe(
      'setup_id,customer,state,needs_attention,tenant_id,tenant_domain,environment,created_at,created_by,last_activity_at,invite_expires_at,secret_expires_at',
    );
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(
      new RegExp(
        `^${target.id},Export Target,in_progress,,${target.tenantId},exporttarget\\.onmicrosoft\\.com,https://exporttarget-prod\\.crm4\\.dynamics\\.com/,`,
      ),
    );
    // Quoted (it holds a comma and quotes) and defused (a leading = would be run by a spreadsheet).
    expect(lines[2]).toContain(`,"'=HYPERLINK(""https://evil.example"",""Export, click"")",invited,`);

    const filtered = await ctx.call({
      method: 'GET',
      url: '/api/v1/setups/export?q=export&state=invited',
      headers: bearer(ctx.apiKey),
    });
    expect(filtered.body.split('\r\n')).toHaveLength(3);
  });
});
