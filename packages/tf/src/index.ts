export { initTf } from './backend.ts';
export type { Tf, TfRuntime, BackendName } from './backend.ts';
