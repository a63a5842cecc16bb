import { loadDataset, type Dataset } from '@prodmatch/data';

/** --data, else $PRODMATCH_DATA, else the embedded synthetic default (generated on first use). */
export async function resolveDataDir(data: string | undefined, log: (message: string) => void): Promise<string> {
  const chosen = data ?? process.env.PRODMATCH_DATA;
  if (chosen) return chosen;
  const { ensureSyntheticDataset } = await import('@prodmatch/data');
  log('no --data given: using the embedded synthetic dataset');
  return ensureSyntheticDataset();
}

export async function loadExperimentDataset(data: string | undefined, log: (message: string) => void): Promise<Dataset> {
  return loadDataset(await resolveDataDir(data, log));
}
