import cliProgress from 'cli-progress';

/**
 * A progress bar on stderr: redrawn in place on a terminal, a plain line every few seconds when
 * stderr is a file or a pipe (CI logs, cron mail), so long work always shows it is moving.
 */
export function progressBar(format: string): cliProgress.SingleBar {
  return new cliProgress.SingleBar(
    {
      format,
      stream: process.stderr,
      noTTYOutput: !process.stderr.isTTY,
      notTTYSchedule: 3000,
      hideCursor: true,
      clearOnComplete: false,
      barsize: 30,
      etaBuffer: 20,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
}
