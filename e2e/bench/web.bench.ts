import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import lighthouse from 'lighthouse';
import { chromium } from 'playwright-core';
import { CHROMIUM_PATH } from '../src/browser.ts';
import { startStack } from '../src/stack.ts';
import { report } from './report.ts';

/**
 * `pnpm bench web`: the production build as a customer admin first meets it — the invite link opened in Debian's
 * Chromium. Prints the gzipped size of every script the first wizard page loads (goal ≤ 180 KB; the support console
 * and the engine are separate lazy chunks), then a Lighthouse run (default mobile profile) on that page.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
if (!existsSync(path.join(root, 'web/dist/index.html'))) {
  const build = spawnSync('pnpm', ['build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const PORT = Number(process.env.BENCH_WEB_PORT ?? 4330);
const DEBUG_PORT = Number(process.env.BENCH_WEB_DEBUG_PORT ?? 9333);
const stack = await startStack({ port: PORT });
const browser = await chromium.launch({
  executablePath: CHROMIUM_PATH,
  args: [
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    `--remote-debugging-port=${DEBUG_PORT}`,
    ...stack.chromiumArgs,
  ],
});

try {
  const { inviteUrl } = await stack.createSetup({ customerName: 'Bench Ltd' });

  // 1. JavaScript of the first wizard page (invite link → welcome).
  const context = await browser.newContext();
  const page = await context.newPage();
  const scripts = new Map<string, number>();
  page.on('response', (res) => {
    if (res.request().resourceType() !== 'script') return;
    void res
      .body()
      .then((body) => scripts.set(new URL(res.url()).pathname, gzipSync(body, { level: 9 }).length))
      .catch(() => undefined);
  });
  await page.goto(inviteUrl, { waitUntil: 'networkidle' });
  await page.getByRole('heading', { level: 1 }).waitFor();
  await page.waitForLoadState('networkidle');
  const firstPageUrl = page.url();
  await context.close();
  const rows = [...scripts.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([file, bytes]) => ({ script: file, 'gzip KB': Number((bytes / 1024).toFixed(1)) }));
  const firstPageJsGzipKb = Number(([...scripts.values()].reduce((a, b) => a + b, 0) / 1024).toFixed(1));

  // 2. Lighthouse on the same page, in the same Chromium, through its DevTools port.
  const { inviteUrl: lighthouseUrl } = await stack.createSetup({ customerName: 'Bench Ltd' });
  const result = await lighthouse(lighthouseUrl, {
    port: DEBUG_PORT,
    output: 'json',
    logLevel: 'error',
    onlyCategories: ['performance', 'accessibility'],
  });
  const categories = result?.lhr.categories;
  const lighthousePerformance = Math.round((categories?.performance?.score ?? 0) * 100);
  const lighthouseAccessibility = Math.round((categories?.accessibility?.score ?? 0) * 100);

  rows.push(
    {
      script: `TOTAL (${firstPageUrl.replace(/\/setup\/[^/]+/, '/setup/:id')})`,
      'gzip KB': firstPageJsGzipKb,
    },
    { script: 'Lighthouse performance (mobile)', 'gzip KB': lighthousePerformance },
    { script: 'Lighthouse accessibility', 'gzip KB': lighthouseAccessibility },
  );
  report('web', rows, {
    firstPageJsGzipKb,
    firstPageJsGoalKb: 180,
    lighthousePerformance,
    lighthouseAccessibility,
  });
} finally {
  await browser.close();
  await stack.close();
}
