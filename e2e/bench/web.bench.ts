import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import lighthouse from 'lighthouse';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';
import { chromium } from 'playwright-core';
import { CHROMIUM_PATH } from '@kantiv/emulator/browser';
import { startStack } from '@kantiv/dev/stack';
import { report } from './report.ts';

/**
 * `pnpm bench web`: the production build as a customer admin first meets it — the invite link opened in Debian's
 * Chromium. Prints the gzipped size of every script the first wizard page loads (goal ≤ 180 KB; the support console
 * and the engine are separate lazy chunks), then Lighthouse on that page: performance and accessibility with its
 * default mobile profile (simulated slow 4G and 4× CPU slowdown; `lighthousePerformance`), and performance with
 * its desktop profile (`lighthousePerformanceDesktop`).
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
  // The welcome page's own heading: an error page also has an h1 and must not be measured as the first page.
  await page
    .getByRole('heading', { level: 1, name: 'Connect Bench Ltd’s Dynamics 365 to Kantiv' })
    .waitFor({ timeout: 30_000 });
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
  // The same page with Lighthouse's desktop profile (no CPU slowdown, fast network), for comparison.
  const { inviteUrl: desktopUrl } = await stack.createSetup({ customerName: 'Bench Ltd' });
  const desktop = await lighthouse(
    desktopUrl,
    { port: DEBUG_PORT, output: 'json', logLevel: 'error', onlyCategories: ['performance'] },
    desktopConfig,
  );
  const lighthousePerformanceDesktop = Math.round((desktop?.lhr.categories.performance?.score ?? 0) * 100);

  rows.push(
    {
      script: `TOTAL (${firstPageUrl.replace(/\/setup\/[^/]+/, '/setup/:id')})`,
      'gzip KB': firstPageJsGzipKb,
    },
    { script: 'Lighthouse performance (mobile)', 'gzip KB': lighthousePerformance },
    { script: 'Lighthouse performance (desktop)', 'gzip KB': lighthousePerformanceDesktop },
    { script: 'Lighthouse accessibility', 'gzip KB': lighthouseAccessibility },
  );
  report('web', rows, {
    firstPageJsGzipKb,
    firstPageJsGoalKb: 180,
    lighthousePerformance,
    lighthouseAccessibility,
    lighthousePerformanceDesktop,
  });
} finally {
  await browser.close();
  await stack.close();
}
