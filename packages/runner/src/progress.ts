import cliProgress from 'cli-progress';

import type { Progress } from '@prodmatch/features/feature';

/** Bars on a terminal; under turbo or CI (no TTY) a line every few seconds instead of redraws. */
export function progressBars(enabled: boolean): Progress {
  return (label, total) => {
    if (!enabled || total <= 0) return { tick() {}, stop() {} };
    const bar = new cliProgress.SingleBar(
      {
        format: `${label.padEnd(18)} [{bar}] {percentage}% {value}/{total} eta {eta_formatted} {info}`,
        noTTYOutput: true,
        notTTYSchedule: 5000,
        hideCursor: true,
        stream: process.stderr,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { info: '' });
    return {
      tick(amount = 1, payload) {
        bar.increment(
          amount,
          payload
            ? {
                info: Object.entries(payload)
                  .map(([k, v]) => `${k}=${v}`)
                  .join(' '),
              }
            : undefined,
        );
      },
      stop() {
        bar.stop();
      },
    };
  };
}
