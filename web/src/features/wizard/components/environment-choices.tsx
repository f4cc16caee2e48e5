import { useState } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import type { Blocker, DiscoverySummary, EnvironmentChoice } from '@kantiv/provisioning';
import { paths } from '../../../config/paths.ts';
import { checkEnvironmentClaim } from '../api/check-environment.ts';
import { useWizard } from '../hooks/use-wizard.ts';
import { alreadyConnectedBlocker, claimKey, sameApp } from '../lib/environment-claims.ts';
import { getEngine } from '../lib/engine-session.ts';
import {
  isUsable,
  matchesHint,
  normaliseEnvironmentUrl,
  suggestedEnvironment,
} from '../lib/environment-match.ts';
import { DATAVERSE_ROLE } from '../lib/naming.ts';
import { saveChoices } from '../lib/wizard-memory.ts';
import { BlockerList } from './blocker-list.tsx';
import { BlockerWayOut } from './blocker-way-out.tsx';
import './environment-choices.css';

const SUGGESTION_KEYS = {
  earlier: 'environment.suggestedEarlier',
  expected: 'environment.suggestedExpected',
  only: 'environment.suggestedOnly',
} as const;

/**
 * The environments as one click each: a click checks the environment and moves on to the plan. An environment
 * Microsoft's list says the admin cannot use is listed last with the reason, and a click asks the environment itself
 * (the list misses roles held through a team); another one can be typed by its address.
 */
export function EnvironmentChoices({ discovery }: { discovery: DiscoverySummary }) {
  const { t, i18n } = useTranslation();
  const { setup, config, choices } = useWizard();
  // Only connections of the tenant's Kantiv app as it is now count: an app deleted since left nothing connected.
  const claims = new Map(
    (setup.connectedEnvironments ?? [])
      .filter((c) => sameApp(c.clientId, discovery.appClientId))
      .map((c) => [c.environmentUrl, c]),
  );
  const claimOf = (url: string) => claims.get(claimKey(url));
  const navigate = useNavigate();
  const suggestion = suggestedEnvironment(
    discovery.environments,
    choices.environmentUrl,
    setup.environmentHint,
  );
  const listed = discovery.environments.some((e) => e.url === choices.environmentUrl);
  const [otherOpen, setOtherOpen] = useState(
    discovery.environments.length === 0 || (!!choices.environmentUrl && !listed),
  );
  const [typed, setTyped] = useState(choices.environmentUrl && !listed ? choices.environmentUrl : '');
  const [typedError, setTypedError] = useState<string | undefined>();
  const [blockers, setBlockers] = useState<Blocker[]>([]);
  const [checking, setChecking] = useState<EnvironmentChoice | undefined>();
  const locked = checking !== undefined || discovery.blockers.length > 0;
  const ordered = [
    ...(suggestion ? [suggestion.env] : []),
    ...discovery.environments.filter((e) => e !== suggestion?.env && isUsable(e)),
    ...discovery.environments.filter((e) => !isUsable(e)),
  ];
  const hintFound = discovery.environments.some((e) => matchesHint(e, setup.environmentHint));

  async function choose(environment: EnvironmentChoice) {
    setBlockers([]);
    setChecking(environment);
    try {
      const engine = await getEngine(config, setup);
      const check = await engine.checkEnvironment(environment.url, new AbortController().signal);
      if (check.blockers.length > 0) {
        setBlockers(check.blockers);
        return;
      }
      // Another setup connected it with this app: the server says whether that connection still works.
      if (check.appClientId && claimOf(environment.url)) {
        const answer = await checkEnvironmentClaim(environment.url, check.appClientId);
        if (answer.status === 'connected') {
          setBlockers([alreadyConnectedBlocker(i18n, environment.name, answer.claim, config.support)]);
          return;
        }
      }
      saveChoices(setup.id, {
        environmentUrl: check.environment.url,
        environmentName: check.environment.name,
        ...(check.environment.environmentId ? { environmentId: check.environment.environmentId } : {}),
      });
      await navigate(paths.setup.step(setup.id, 'plan'));
    } catch (err) {
      setBlockers([
        {
          code: 'check_failed',
          message: err instanceof Error ? err.message : t('environment.checkFailed'),
          fix: t('environment.checkFailedFix'),
        },
      ]);
    } finally {
      setChecking(undefined);
    }
  }

  function onTyped(event: React.FormEvent) {
    event.preventDefault();
    const url = normaliseEnvironmentUrl(typed);
    if (!url) {
      setTypedError(t('environment.addressError'));
      document.getElementById('env-url')?.focus();
      return;
    }
    void choose(discovery.environments.find((e) => e.url === url) ?? { url, name: url });
  }

  return (
    <section aria-labelledby="env-heading">
      <h2 id="env-heading">{t('environment.heading')}</h2>
      {setup.environmentHint && (
        <p data-testid="environment-expected">
          <Trans
            i18nKey="environment.expected"
            values={{ hint: setup.environmentHint }}
            components={{ name: <strong translate="no" /> }}
          />
          {!hintFound && ` ${t('environment.expectedMissing')}`}
        </p>
      )}
      {ordered.length > 0 && (
        <ul className="env-list" data-testid="environments">
          {ordered.map((env) => {
            const descId = `env-${env.url}-desc`;
            const claim = claimOf(env.url);
            const suggested = suggestion?.env === env ? t(SUGGESTION_KEYS[suggestion.why]) : undefined;
            const label = (
              <>
                <strong translate="no">{env.name}</strong>{' '}
                <span className="muted" translate="no">
                  {env.url}
                </span>
              </>
            );
            return (
              <li key={env.url}>
                {/* Global Discovery's "not System Administrator" misses a role held through a team (issue 15 item 7),
                    so it is said but not final: choosing the environment asks the environment itself. */}
                <button
                  type="button"
                  className={`env-choice${suggested ? ' env-choice--suggested' : ''}${isUsable(env) ? '' : ' env-choice--unusable'}`}
                  data-testid={isUsable(env) ? undefined : 'environment-unusable'}
                  disabled={locked}
                  aria-describedby={descId}
                  onClick={() => void choose(env)}
                >
                  {label}
                </button>
                <p id={descId} className={isUsable(env) ? 'muted' : 'warn'}>
                  {suggested ? `${suggested} ` : ''}
                  {env.isUserSysAdmin === false
                    ? t('environment.notSysAdmin', { sysAdmin: DATAVERSE_ROLE })
                    : env.isUserSysAdmin
                      ? t('environment.sysAdmin', { sysAdmin: DATAVERSE_ROLE })
                      : ''}
                  {env.region ? ` ${t('environment.region', { region: env.region })}` : ''}
                  {claim && (
                    <span data-testid="environment-connected">
                      {' '}
                      {t('environment.connectedNote', {
                        by: claim.connectedBy ?? '—',
                        date: new Date(claim.connectedAt),
                      })}
                    </span>
                  )}
                </p>
              </li>
            );
          })}
        </ul>
      )}
      <p role="status" className="muted">
        {checking ? t('environment.checking', { name: checking.name }) : ''}
      </p>
      <BlockerList blockers={blockers} title={t('environment.cannotUse')} />
      {(blockers.length > 0 || (ordered.length > 0 && ordered.every((e) => !isUsable(e)))) &&
        discovery.blockers.length === 0 && <BlockerWayOut />}
      <button
        type="button"
        className="button button--secondary"
        aria-expanded={otherOpen}
        aria-controls="env-other"
        onClick={() => setOtherOpen((open) => !open)}
      >
        {t('environment.other')}
      </button>
      {otherOpen && (
        <form id="env-other" onSubmit={onTyped} noValidate>
          <div className="field">
            <label htmlFor="env-url">{t('environment.address')}</label>
            <input
              id="env-url"
              type="text"
              inputMode="url"
              autoComplete="url"
              placeholder="contoso.crm.dynamics.com"
              value={typed}
              aria-invalid={typedError ? true : undefined}
              aria-describedby={typedError ? 'env-url-error env-url-hint' : 'env-url-hint'}
              onChange={(e) => {
                setTyped(e.target.value);
                setTypedError(undefined);
              }}
            />
            <p id="env-url-hint" className="muted">
              {t('environment.addressHint')}
            </p>
            {typedError && (
              <p id="env-url-error" className="field-error">
                {typedError}
              </p>
            )}
          </div>
          <button type="submit" className="button button--primary" disabled={locked}>
            {t('environment.continueWith')}
          </button>
        </form>
      )}
    </section>
  );
}
