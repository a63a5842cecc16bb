export { initTf, probeBackend, probeBackends, nativeBindingFiles, gpuDriverVisible, backendChoiceLine, BACKEND_NAMES } from './backend.ts';
export type { Tf, TfRuntime, BackendName, BackendProbe, InitOptions } from './backend.ts';
export {
  registerWasmTrainingKernels,
  WASM_TRAINING_KERNELS,
  WASM_TRAINING_KERNEL_NAMES,
  WASM_TRAINING_GRADIENTS,
  WASM_TRAINING_GRADIENT_NAMES,
} from './kernels/index.ts';
