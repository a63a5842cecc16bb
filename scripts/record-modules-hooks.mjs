// Loader hooks for record-modules.mjs (they run on node's hooks thread).
import { appendFileSync } from 'node:fs';

let log = null;
export function initialize(data) {
  log = data.log;
}
export async function load(url, context, next) {
  if (log) appendFileSync(log, `${url}\n`);
  return next(url, context);
}
