/**
 * The Node release lines this service may meet, from the Node.js Release Working Group's schedule
 * (github.com/nodejs/Release): when each became LTS (odd lines before 27 never did) and when it
 * stops getting fixes. A line newer than this table gets no warning, so the table wants a new row
 * each year when a line is released; a line older than it (below 18) is past its end of life.
 */
const LINES: Readonly<Record<number, { lts?: string; eol: string }>> = {
  18: { lts: '2022-10-25', eol: '2025-04-30' },
  19: { eol: '2023-06-01' },
  20: { lts: '2023-10-24', eol: '2026-04-30' },
  21: { eol: '2024-06-01' },
  22: { lts: '2024-10-29', eol: '2027-04-30' },
  23: { eol: '2025-06-01' },
  24: { lts: '2025-10-28', eol: '2028-04-30' },
  25: { eol: '2026-06-01' },
  26: { lts: '2026-10-28', eol: '2029-04-30' },
  27: { lts: '2027-10-20', eol: '2030-04-30' },
};

/** The LTS lines supported on `today`, newest first. */
function supportedLts(today: string): number[] {
  return Object.entries(LINES)
    .filter(([, l]) => l.lts !== undefined && l.lts <= today && today < l.eol)
    .map(([major]) => Number(major))
    .sort((a, b) => b - a);
}

const orList = (items: string[]) => (items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`);

/**
 * A warning for the operator when the service runs on a Node release line past its end of life
 * (no more security fixes), naming the LTS lines to move to; undefined otherwise. `version` as in
 * process.versions.node, `today` as YYYY-MM-DD (UTC).
 */
export function endOfLifeWarning(version: string, today: string): string | undefined {
  const major = Number(version.split('.')[0]);
  const oldest = Math.min(...Object.keys(LINES).map(Number));
  const line = LINES[major];
  const ended = major < oldest ? 'is past its end of life' : line !== undefined && today >= line.eol ? `reached its end of life on ${line.eol}` : undefined;
  if (ended === undefined) return undefined;
  const lts = supportedLts(today);
  const move = lts.length > 0 ? `a supported LTS line (Node ${orList(lts.map(String))})` : 'a supported Node release';
  return `Node ${version} ${ended} and gets no more security fixes: run the service on ${move}; the README's Which Node paragraph says which lines CI tests.`;
}
