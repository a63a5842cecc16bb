// `node --import ./scripts/record-modules.mjs ...`: appends the URL of every module the process loads
// (ESM and CommonJS) to $PRODMATCH_MODULES_LOG, one per line. The start-up test and bench:startup read it.
import { register } from 'node:module';
import { appendFileSync } from 'node:fs';
import Module from 'node:module';

const log = process.env.PRODMATCH_MODULES_LOG;
if (log) {
  register(new URL('./record-modules-hooks.mjs', import.meta.url), { data: { log } });
  // require() of CommonJS packages (sharp, tfjs-node) bypasses ESM hooks in part: record those too.
  const load = Module._load;
  Module._load = function (request, parent, isMain, ...rest) {
    try {
      appendFileSync(log, `${Module._resolveFilename(request, parent, isMain)}\n`);
    } catch {
      // an unresolvable request fails in the real load just below, with node's own message
    }
    return load.call(this, request, parent, isMain, ...rest);
  };
}
