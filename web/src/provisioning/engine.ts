// Transitional, delete at merge: `e2e/tests/wizard/manual.spec.ts` and `e2e/bench/provisioning.bench.ts` still import
// the engine by this old relative path; they are to import `@kantiv/provisioning` instead.
export * from '@kantiv/provisioning';
