import { describe, expect, it } from 'vitest';
import type { SetupState } from '@kantiv/shared/setup';
import { SETUP_STATES } from '@kantiv/shared/setup-states';
import type { Actor } from '../src/services/audit.ts';
import { findTransition, roleOf, type Role, type Trigger } from '../src/services/setups/lifecycle.ts';

/*
 * The setup state machine as the product promises it (DESIGN.md "Setup states", decision 018 for disconnect), written
 * out by hand, move by move, instead of read from `TRANSITIONS`: the other table tests iterate the table itself, so an
 * entry that lost a role or a from-state only shrank what they checked. Here every (from, trigger, role, to) of the
 * whole grid is decided by `findTransition` and compared with this list, so a move the product needs that the table
 * drops, and a move the table lets through that nobody promised, both fail.
 */
const TRIGGERS: readonly Trigger[] = [
  'sign_in',
  'report_steps',
  'hand_off',
  'reverify',
  'verified',
  'verification_failed',
  'expire',
  'extend',
  'revoke',
  'disconnect',
];
const ROLES: readonly Role[] = ['staff', 'api', 'wizard', 'verifier', 'system'];

type Allowed = readonly [
  trigger: Trigger,
  roles: readonly Role[],
  from: readonly SetupState[],
  to: SetupState,
];
const KANTIV: readonly Role[] = ['staff', 'api'];
const SPEC: readonly Allowed[] = [
  // The admin signs in, or the wizard reports its first steps: the run has started.
  ['sign_in', ['wizard'], ['invited'], 'in_progress'],
  ['report_steps', ['wizard'], ['invited'], 'in_progress'],
  // The wizard hands off the credential: a first run, or again after a failed verification.
  ['hand_off', ['wizard'], ['in_progress', 'failed'], 'awaiting_verification'],
  // Kantiv asks for a new verification of any live setup not already waiting for one.
  ['reverify', KANTIV, ['invited', 'in_progress', 'verified', 'failed', 'expired'], 'awaiting_verification'],
  // Only the verification job decides a verification.
  ['verified', ['verifier'], ['awaiting_verification'], 'verified'],
  ['verification_failed', ['verifier'], ['awaiting_verification'], 'failed'],
  // The sweep expires an invite that was not finished in time; Kantiv extends it, back to where it stopped.
  ['expire', ['system'], ['invited', 'in_progress'], 'expired'],
  ['extend', KANTIV, ['expired'], 'invited'],
  ['extend', KANTIV, ['expired'], 'in_progress'],
  // Kantiv revokes any live setup.
  [
    'revoke',
    KANTIV,
    ['invited', 'in_progress', 'awaiting_verification', 'verified', 'failed', 'expired'],
    'revoked',
  ],
  // Decision 018: Kantiv disconnects anything past the invite, a revoked setup included (it may hold a credential
  // handed off before the revoke); the customer's admin, through a disconnect link, anything live past the invite.
  [
    'disconnect',
    KANTIV,
    ['in_progress', 'awaiting_verification', 'verified', 'failed', 'expired', 'revoked'],
    'disconnected',
  ],
  [
    'disconnect',
    ['wizard'],
    ['in_progress', 'awaiting_verification', 'verified', 'failed', 'expired'],
    'disconnected',
  ],
];

const key = (from: SetupState, on: Trigger, by: Role, to: SetupState) => `${on}: ${from} → ${to} by ${by}`;

describe('the state machine, move by move', () => {
  it('allows exactly the moves the product promises, by exactly the roles it names', () => {
    const promised = new Set(
      SPEC.flatMap(([on, roles, froms, to]) =>
        froms.flatMap((from) => roles.map((by) => key(from, on, by, to))),
      ),
    );
    const allowed: string[] = [];
    for (const from of SETUP_STATES)
      for (const on of TRIGGERS)
        for (const by of ROLES)
          for (const to of SETUP_STATES) {
            const t = findTransition(from, to, on, by);
            if (t) {
              // The transition found is the one asked for, not merely some transition.
              expect({ on: t.on, to: t.to }).toEqual({ on, to });
              expect(t.from).toContain(from);
              expect(t.by).toContain(by);
              allowed.push(key(from, on, by, to));
            }
          }
    expect(allowed.sort()).toEqual([...promised].sort());
    // 51 moves: a count to read when the list above changes.
    expect(allowed).toHaveLength(51);
  });

  it('knows who pulls a trigger from who is asking', () => {
    const role = (actor: Actor) => roleOf(actor);
    expect(role({ kind: 'staff', id: 'staff-1' })).toBe('staff');
    expect(role({ kind: 'api_key', id: 'key-1' })).toBe('api');
    expect(role({ kind: 'setup_token', id: 'setup-1' })).toBe('wizard');
    // The verification job is the one system actor that may decide a verification; any other is a sweep.
    expect(role({ kind: 'system', id: 'verification' })).toBe('verifier');
    expect(role({ kind: 'system', id: 'expiry' })).toBe('system');
    expect(role({ kind: 'system', id: 'server' })).toBe('system');
  });
});
