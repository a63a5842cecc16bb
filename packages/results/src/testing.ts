// Test helpers for every package that writes or reads rows: fixture rows, and fault injection into the
// atomic writer. Not part of the public API (@prodmatch/results/testing is imported by tests only).
export { makeRow, writeRow, REAL, SYNTHETIC } from './test-rows.ts';
export { injectWriteFault, expectFailedWrite, systemError, type WriteFault, type InjectedFault } from './faults.ts';
