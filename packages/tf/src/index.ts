export { initTf, probeBackend, probeBackends, nativeBindingFiles, gpuDriverVisible, backendChoiceLine, BACKEND_NAMES } from './backend.ts';
export type { Tf, TfRuntime, BackendName, BackendProbe, InitOptions } from './backend.ts';
export { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from './wasm-kernels.ts';
