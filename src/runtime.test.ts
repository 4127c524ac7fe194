import { describe, expect, it } from 'vitest';
import { endOfLifeWarning } from './runtime.js';

describe('the Node end-of-life warning', () => {
  it('names the date and the LTS lines to move to once a line is past its end of life', () => {
    expect(endOfLifeWarning('20.20.2', '2026-12-03')).toBe(
      "Node 20.20.2 reached its end of life on 2026-04-30 and gets no more security fixes: run the service on a supported LTS line (Node 26, 24 or 22); the README's Which Node paragraph says which lines CI tests.",
    );
    expect(endOfLifeWarning('25.1.0', '2026-06-01')).toContain('end of life on 2026-06-01');
    expect(endOfLifeWarning('16.20.2', '2026-12-03')).toMatch(/^Node 16\.20\.2 is past its end of life and gets no more security fixes/);
  });

  it('stays quiet on a supported line, before the end-of-life day and on a line newer than its table', () => {
    expect(endOfLifeWarning('24.11.1', '2026-12-03')).toBeUndefined();
    expect(endOfLifeWarning('22.21.0', '2026-12-03')).toBeUndefined();
    expect(endOfLifeWarning('20.20.2', '2026-04-29')).toBeUndefined();
    expect(endOfLifeWarning('30.0.0', '2031-01-01')).toBeUndefined();
  });

  it('names only lines that are LTS on the day: a new even line counts once its LTS has begun', () => {
    expect(endOfLifeWarning('20.20.2', '2026-05-15')).toContain('(Node 24 or 22)');
    expect(endOfLifeWarning('22.21.0', '2027-05-01')).toContain('(Node 26 or 24)');
  });
});
