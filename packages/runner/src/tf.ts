import type { BackendName, TfRuntime } from '@prodmatch/tf';

export interface TfLoader {
  /** The tfjs runtime, initialised on first use so text-only experiments never load tfjs. */
  load(): Promise<TfRuntime>;
  /** What the row records: the tfjs backend when one was loaded, else plain JavaScript. */
  identity(): { name: string; version: string };
}

export function tfRuntime(backend: BackendName | undefined): TfLoader {
  let runtime: TfRuntime | null = null;
  let loading: Promise<TfRuntime> | null = null;
  return {
    load: () => (loading ??= import('@prodmatch/tf').then(async ({ initTf }) => (runtime = await initTf(backend ? { backend } : {})))),
    identity: () => (runtime ? { name: runtime.backend.name, version: runtime.backend.version } : { name: 'js', version: process.version }),
  };
}
