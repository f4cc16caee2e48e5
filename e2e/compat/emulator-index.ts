// Temporary: web/ still imports the emulator as `@kantiv/e2e/emulator/index`. Delete this file and the `exports`
// entry in package.json once web imports `@kantiv/emulator` (issue 13, merged by the lead).
export * from '@kantiv/emulator';
