import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import lighthouse, { navigation, type RunnerResult } from 'lighthouse';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';
import { chromium, type Page } from 'playwright-core';
import puppeteer from 'puppeteer-core';
import { CHROMIUM_PATH } from '@kantiv/emulator/browser';
import { startStack } from '@kantiv/dev/stack';
import { report } from './report.ts';

/**
 * `pnpm bench web`: the production build as a customer admin first meets it — the invite link opened in Debian's
 * Chromium. Prints the gzipped size of every script the first wizard page loads (goal ≤ 180 KB; the support console
 * and the engine are separate lazy chunks) and of what the sign-in page adds (with MSAL, which it loads as the admin
 * heads for its button), then Lighthouse on both
 * pages: performance and accessibility with its default mobile profile (simulated slow 4G and 4× CPU slowdown;
 * `lighthousePerformance`), and performance with its desktop profile (`lighthousePerformanceDesktop`). The bench
 * fails rather than report a figure it did not measure: a script whose body could not be read, a page other than the
 * one asked for (an error page, a redirect), or a Lighthouse run that ended in a runtime error.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
if (!existsSync(path.join(root, 'web/dist/index.html'))) {
  const build = spawnSync('pnpm', ['build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const PORT = Number(process.env.BENCH_WEB_PORT ?? 4330);
const DEBUG_PORT = Number(process.env.BENCH_WEB_DEBUG_PORT ?? 9333);
/** Where to keep each Lighthouse report (JSON), to read what it found: render-blocking, unused JS, the LCP element. */
const LHR_DIR = process.env.BENCH_WEB_LIGHTHOUSE_DIR;
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

/** Gzipped size of every script the page loads; `total()` fails if any script's body could not be read. */
function scriptSizes(page: Page) {
  const sizes = new Map<string, number>();
  const pending: Promise<void>[] = [];
  const failures: string[] = [];
  page.on('requestfailed', (req) => {
    if (req.resourceType() === 'script')
      failures.push(`${req.url()}: ${req.failure()?.errorText ?? 'failed'}`);
  });
  page.on('response', (res) => {
    if (res.request().resourceType() !== 'script') return;
    const file = new URL(res.url()).pathname;
    pending.push(
      res.body().then(
        (body) => void sizes.set(file, gzipSync(body, { level: 9 }).length),
        (err: unknown) => void failures.push(`${file}: body unreadable (${String(err)})`),
      ),
    );
  });
  return {
    async settle(): Promise<Map<string, number>> {
      await Promise.all(pending);
      if (failures.length > 0) throw new Error(`bench web: scripts not counted:\n${failures.join('\n')}`);
      if (sizes.size === 0) throw new Error('bench web: the page loaded no script at all');
      return new Map(sizes);
    },
  };
}

const kb = (bytes: number) => Number((bytes / 1024).toFixed(1));
const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
/** What the wizard's welcome button records in the tab before it opens Microsoft's window. */
const welcomed = (id: string) =>
  sessionStorage.setItem(`kantiv-connect.choices.${id}`, JSON.stringify({ welcomed: true }));
const setupIdOf = (inviteUrl: string) => /\/setup\/([^/?#]+)/.exec(new URL(inviteUrl).pathname)?.[1] ?? '';

/** A Lighthouse result, or a failure when Lighthouse met a runtime error or ended on another page than asked. */
function checked(result: RunnerResult | undefined, expectedPath: string, label: string) {
  if (!result) throw new Error(`bench web: Lighthouse returned nothing for ${label}`);
  const { lhr } = result;
  if (LHR_DIR) {
    mkdirSync(LHR_DIR, { recursive: true });
    writeFileSync(path.join(LHR_DIR, `${label.replace(/\W+/g, '-')}.json`), JSON.stringify(lhr));
  }
  if (lhr.runtimeError) {
    throw new Error(
      `bench web: Lighthouse runtime error on ${label}: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`,
    );
  }
  const finalPath = new URL(lhr.finalDisplayedUrl).pathname;
  if (finalPath !== expectedPath) {
    throw new Error(`bench web: Lighthouse measured ${finalPath} instead of ${expectedPath} (${label})`);
  }
  const score = (id: string) => Math.round((lhr.categories[id]?.score ?? 0) * 100);
  return { performance: score('performance'), accessibility: score('accessibility') };
}

try {
  const welcomeHeading = { level: 1, name: 'Connect Bench Ltd’s Dynamics 365 to Kantiv' } as const;
  const signInHeading = { level: 1, name: 'Sign in with Microsoft' } as const;
  const { inviteUrl } = await stack.createSetup({ customerName: 'Bench Ltd' });
  const setupId = setupIdOf(inviteUrl);
  const welcomePath = `/setup/${setupId}/welcome`;
  const signInPath = `/setup/${setupId}/sign-in`;

  // 1. JavaScript of the first wizard page (invite link → welcome), then what the sign-in page adds (MSAL).
  const context = await browser.newContext();
  const page = await context.newPage();
  const welcomeScripts = scriptSizes(page);
  await page.goto(inviteUrl, { waitUntil: 'networkidle' });
  // The welcome page's own heading: an error page also has an h1 and must not be measured as the first page.
  await page.getByRole('heading', welcomeHeading).waitFor({ timeout: 30_000 });
  await page.waitForLoadState('networkidle');
  if (new URL(page.url()).pathname !== welcomePath)
    throw new Error(`bench web: welcome ended on ${page.url()}`);
  const welcome = await welcomeScripts.settle();
  await context.close();

  const signInContext = await browser.newContext();
  const signInPage = await signInContext.newPage();
  const throughSignIn = scriptSizes(signInPage);
  await signInPage.goto(inviteUrl, { waitUntil: 'networkidle' });
  await signInPage.getByRole('heading', welcomeHeading).waitFor({ timeout: 30_000 });
  // The welcome page's button opens Microsoft's window at once; the sign-in page itself is where a tab goes once
  // the admin has been welcomed (the wizard keeps that in the tab's sessionStorage).
  await signInPage.evaluate(welcomed, setupId);
  await signInPage.goto(new URL(signInPath, inviteUrl).href, { waitUntil: 'networkidle' });
  await signInPage.getByRole('heading', signInHeading).waitFor({ timeout: 30_000 });
  await signInPage.waitForLoadState('networkidle');
  if (new URL(signInPage.url()).pathname !== signInPath) {
    throw new Error(`bench web: sign-in ended on ${signInPage.url()}`);
  }
  // Nobody has signed in in this tab yet, so the page itself does not load MSAL: it comes as the admin heads for the
  // button (focus or pointer), before the click that opens Microsoft's window.
  const msalLoaded = signInPage.waitForResponse((res) => /PublicClientApplication/.test(res.url()), {
    timeout: 30_000,
  });
  await signInPage.getByRole('button', { name: 'Sign in with Microsoft' }).focus();
  await msalLoaded;
  await signInPage.waitForLoadState('networkidle');
  const signIn = await throughSignIn.settle();
  await signInContext.close();
  const added = new Map([...signIn].filter(([file]) => !welcome.has(file)));
  if (![...added.keys()].some((file) => /msal|PublicClientApplication/i.test(file))) {
    throw new Error(
      `bench web: the sign-in page loaded no MSAL chunk (added: ${[...added.keys()].join(', ')})`,
    );
  }

  const firstPageJsGzipKb = kb(sum(welcome));
  const signInPageJsGzipKb = kb(sum(signIn));
  const rows = [
    ...[...welcome]
      .sort((a, b) => b[1] - a[1])
      .map(([file, bytes]) => ({ script: file, 'gzip KB': kb(bytes) })),
    { script: `TOTAL welcome (/setup/:id/welcome, ${welcome.size} scripts)`, 'gzip KB': firstPageJsGzipKb },
    ...[...added]
      .sort((a, b) => b[1] - a[1])
      .map(([file, bytes]) => ({ script: `+ ${file}`, 'gzip KB': kb(bytes) })),
    {
      script: `TOTAL through sign-in (/setup/:id/sign-in and MSAL, ${signIn.size} scripts)`,
      'gzip KB': signInPageJsGzipKb,
    },
  ];

  // 2. Lighthouse on the welcome page, in the same Chromium, through its DevTools port.
  const flags = { port: DEBUG_PORT, output: 'json', logLevel: 'error' } as const;
  const mobileUrl = (await stack.createSetup({ customerName: 'Bench Ltd' })).inviteUrl;
  const mobile = checked(
    await lighthouse(mobileUrl, { ...flags, onlyCategories: ['performance', 'accessibility'] }),
    `/setup/${setupIdOf(mobileUrl)}/welcome`,
    'welcome, mobile',
  );
  // The same page with Lighthouse's desktop profile (no CPU slowdown, fast network), for comparison.
  const desktopUrl = (await stack.createSetup({ customerName: 'Bench Ltd' })).inviteUrl;
  const desktop = checked(
    await lighthouse(desktopUrl, { ...flags, onlyCategories: ['performance'] }, desktopConfig),
    `/setup/${setupIdOf(desktopUrl)}/welcome`,
    'welcome, desktop',
  );

  // 3. Lighthouse on the sign-in page. The wizard keeps the invite token and "welcomed" in the tab's sessionStorage,
  // so the tab is prepared by hand (invite, then "welcomed" as the welcome button records it) and Lighthouse navigates that same tab to the
  // sign-in URL without resetting its storage.
  const signInUrl = (await stack.createSetup({ customerName: 'Bench Ltd' })).inviteUrl;
  const signInLighthousePath = `/setup/${setupIdOf(signInUrl)}/sign-in`;
  const cdp = await puppeteer.connect({ browserURL: `http://127.0.0.1:${DEBUG_PORT}` });
  let signInScores;
  try {
    const tab = await cdp.newPage();
    await tab.goto(signInUrl, { waitUntil: 'networkidle0' });
    await tab.evaluate(welcomed, setupIdOf(signInUrl));
    await tab.goto(new URL(signInLighthousePath, signInUrl).href, { waitUntil: 'networkidle0' });
    signInScores = checked(
      await navigation(tab, new URL(signInLighthousePath, signInUrl).href, {
        flags: {
          onlyCategories: ['performance', 'accessibility'],
          disableStorageReset: true,
          logLevel: 'error',
        },
      }),
      signInLighthousePath,
      'sign-in, mobile',
    );
    await tab.close();
  } finally {
    await cdp.disconnect();
  }

  rows.push(
    { script: 'Lighthouse performance (mobile)', 'gzip KB': mobile.performance },
    { script: 'Lighthouse performance (desktop)', 'gzip KB': desktop.performance },
    { script: 'Lighthouse accessibility', 'gzip KB': mobile.accessibility },
    { script: 'Lighthouse performance, sign-in (mobile)', 'gzip KB': signInScores.performance },
    { script: 'Lighthouse accessibility, sign-in', 'gzip KB': signInScores.accessibility },
  );
  report('web', rows, {
    firstPageJsGzipKb,
    firstPageJsGoalKb: 180,
    firstPageScripts: welcome.size,
    signInPageJsGzipKb,
    signInPageScripts: signIn.size,
    lighthousePerformance: mobile.performance,
    lighthouseAccessibility: mobile.accessibility,
    lighthousePerformanceDesktop: desktop.performance,
    lighthouseSignInPerformance: signInScores.performance,
    lighthouseSignInAccessibility: signInScores.accessibility,
  });
} finally {
  await browser.close();
  await stack.close();
}
