import { expect, test } from '../fixtures.ts';
import { chooseEnvironment, expectAccessible, signInToEnvironments } from './helpers.ts';

/**
 * Issue 20, "words that are true": Kantiv's own role stays the recommended choice; an existing role is shown with
 * what it lacks and what it grants beyond the manifest, in the admin center's words (table, privilege, access level),
 * and System Administrator is said to be far broader than needed.
 */
test('role choice › an existing role shows what it lacks and what it grants beyond, in the admin center’s words', async ({
  page,
  stack,
}) => {
  await signInToEnvironments(page, stack);
  await chooseEnvironment(page, /Contoso Production/);
  await expect(page.getByTestId('plan-items')).toBeVisible({ timeout: 60_000 });

  // The recommended choice is ours, preselected.
  const own = page.getByRole('radio', { name: /Kantiv’s own role .* \(recommended\)/ });
  await expect(own).toBeChecked();
  await expect(page.getByText(/least[- ]privilege/i)).toHaveCount(0);

  // The plan is read again from the environment for each choice: the radio follows once it is.
  const existing = page.getByRole('radio', { name: /An existing role of this environment/ });
  await existing.click();
  await expect(existing).toBeChecked({ timeout: 60_000 });
  const select = page.getByLabel('Existing role', { exact: true });
  // Offered first: a role that is not System Administrator, which is marked in the list.
  await expect(select.locator('option:checked')).toHaveText('Basic User');
  await expect(
    select.getByRole('option', { name: 'System Administrator (far broader than needed)' }),
  ).toHaveCount(1);

  // What Basic User lacks: by table, privilege and access level, never `prvCreateAccount`.
  const missing = page.getByTestId('missing-privileges');
  await expect(missing).toBeVisible({ timeout: 60_000 });
  await expect(missing.getByRole('row', { name: 'Accounts Create Organization' })).toHaveCount(1);
  await expect(page.locator('body')).not.toContainText(/prv[A-Z]/);

  // What it grants beyond Kantiv's needs: business units and roles, read across the organization.
  const beyond = page.getByTestId('privileges-beyond');
  await expect(beyond).toContainText('Privileges Kantiv does not need: 2, on 2 tables.');
  await beyond.getByText('Show each privilege').click();
  await expect(beyond.getByRole('row', { name: 'BusinessUnit Read Organization' })).toHaveCount(1);
  await expect(beyond.getByRole('row', { name: 'Role Read Organization' })).toHaveCount(1);
  await expectAccessible(page, 'plan with an existing role');

  // System Administrator: holds everything Kantiv needs, and far more, said in so many words.
  await select.selectOption({ label: 'System Administrator (far broader than needed)' });
  await expect(
    page.getByText('“System Administrator” holds every privilege Kantiv needs, and far more.'),
  ).toBeVisible({ timeout: 60_000 });
  await expect(page.locator('#existing-role-note')).toContainText('far more than Kantiv needs');
  await expect(beyond).toContainText(/Privileges Kantiv does not need: \d{2,}, on \d+ tables\./);
  await expect(page.getByTestId('missing-privileges')).toHaveCount(0);

  // Back to ours: the plan lists exactly the manifest, nothing "beyond".
  await own.click();
  await expect(own).toBeChecked({ timeout: 60_000 });
  await expect(page.getByTestId('privileges-beyond')).toHaveCount(0);
});
