import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const unitPath = path.join(root, 'docs/ops/kantiv-connect.service');
const unit = readFileSync(unitPath, 'utf8');
const hasSystemdAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;

function verify(file: string) {
  return spawnSync('systemd-analyze', ['verify', '--man=no', file], { encoding: 'utf8' });
}

describe('docs/operations.md and the systemd unit', () => {
  it('the README links the operator guide', () => {
    expect(readFileSync(path.join(root, 'README.md'), 'utf8')).toContain('](docs/operations.md');
  });

  it('the unit starts the built server with the node flags of `pnpm start`', () => {
    const start = (
      JSON.parse(readFileSync(path.join(root, 'server/package.json'), 'utf8')) as {
        scripts: { start: string };
      }
    ).scripts.start;
    const flags = start.split(/\s+/).slice(1, -1).join(' ');
    expect(unit).toMatch(new RegExp(`^ExecStart=/usr/bin/node ${flags} \\S+/server/dist/server\\.js$`, 'm'));
  });

  // scripts/test.sh installs systemd; without it this check cannot run, and that is a failure, not a skip.
  it('systemd-analyze verify accepts the unit and refuses a broken copy', () => {
    expect(hasSystemdAnalyze, 'systemd-analyze is missing: install the systemd package').toBe(true);
    const ok = verify(unitPath);
    expect(ok.stderr + ok.stdout).toBe('');
    expect(ok.status).toBe(0);
    const dir = mkdtempSync(path.join(tmpdir(), 'kc-unit-'));
    const broken = path.join(dir, 'kantiv-connect.service');
    writeFileSync(broken, unit.replace(/^ExecStart=\/usr\/bin\/node/m, 'ExecStart=node-not-absolute'));
    const bad = verify(broken);
    expect(bad.status).not.toBe(0);
  });

  it('the commands the guide shows exist (generate-key runs)', () => {
    const guide = readFileSync(path.join(root, 'docs/operations.md'), 'utf8');
    for (const cmd of ['generate-key', 'rewrap', 'migrate', 'audit-verify'])
      expect(guide).toContain(`pnpm --filter @kantiv/server ${cmd}`);
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', path.join(root, 'server/src/cli/commands.ts'), 'generate-key'],
      {
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '' },
      },
    );
    expect(out).toMatch(/[A-Za-z0-9+/]{43}=/);
  }, 90_000);
});
