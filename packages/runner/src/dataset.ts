/** --data, else $PRODMATCH_DATA, else the embedded synthetic default (generated on first use). */
export async function resolveDataDir(data: string | undefined, log: (message: string) => void): Promise<string> {
  const chosen = data ?? process.env.PRODMATCH_DATA;
  if (chosen) return chosen;
  const { ensureSyntheticDataset } = await import('@prodmatch/data');
  log('no --data given: using the embedded synthetic dataset');
  return ensureSyntheticDataset();
}
