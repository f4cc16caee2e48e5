/**
 * The privileges Dataverse puts in every new security role. Microsoft's Web API functions-and-actions sample
 * (section 8) creates a role and prints "Number of privileges in new role: 9" with these names; it does not show their
 * depth, so the emulator takes the broader one (Global), the harder case for a least-privilege report.
 */
import { stableGuid } from '../ids.ts';
import type { Privilege, PrivilegeDepth } from '../state.ts';

const DEFAULTS: { name: string; table: string; accessright: number }[] = [
  { name: 'prvReadSharePointData', table: 'sharepointdata', accessright: 1 },
  { name: 'prvReadSdkMessage', table: 'sdkmessage', accessright: 1 },
  { name: 'prvWriteSharePointData', table: 'sharepointdata', accessright: 2 },
  { name: 'prvReadSdkMessageProcessingStepImage', table: 'sdkmessageprocessingstepimage', accessright: 1 },
  { name: 'prvReadSdkMessageProcessingStep', table: 'sdkmessageprocessingstep', accessright: 1 },
  { name: 'prvReadPluginAssembly', table: 'pluginassembly', accessright: 1 },
  { name: 'prvCreateSharePointData', table: 'sharepointdata', accessright: 32 },
  { name: 'prvReadPluginType', table: 'plugintype', accessright: 1 },
  { name: 'prvReadSharePointDocument', table: 'sharepointdocument', accessright: 1 },
];

/** The default privileges as rows of the `privileges` table (stable ids, like the seeded ones). */
export function defaultRolePrivilegeRows(): Privilege[] {
  return DEFAULTS.map((d) => ({ privilegeid: stableGuid(`privilege:${d.name}`), ...d }));
}

/** What a role starts with. `ReplacePrivilegesRole` does not take these away (issue 15 item 4: stricter reading). */
export function defaultRolePrivileges(): Record<string, PrivilegeDepth> {
  return Object.fromEntries(DEFAULTS.map((d) => [stableGuid(`privilege:${d.name}`), 'Global' as const]));
}

/** Names of the default privileges, for tests that check a role's whole privilege set. */
export const DEFAULT_ROLE_PRIVILEGE_NAMES: readonly string[] = DEFAULTS.map((d) => d.name);
