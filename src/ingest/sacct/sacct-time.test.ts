import { describe, expect, it } from 'vitest';
import { isUnsetTime, parseSacctTime, parseTimeZone, utcInstant } from './sacct-time.js';

describe('sacct times', () => {
  it('reads --tz: UTC or a fixed offset within ±14:00', () => {
    expect(parseTimeZone('UTC')).toBe(0);
    expect(parseTimeZone('utc')).toBe(0);
    expect(parseTimeZone('Z')).toBe(0);
    expect(parseTimeZone('+08:00')).toBe(480);
    expect(parseTimeZone('+0800')).toBe(480);
    expect(parseTimeZone('-05:30')).toBe(-330);
    expect(parseTimeZone('+14:00')).toBe(840);
    for (const bad of ['+14:01', '+8', '08:00', 'Asia/Shanghai', '+08:60', '']) expect(parseTimeZone(bad), bad).toBeNull();
  });

  it('reads a zone-less timestamp in UTC or in the given offset', () => {
    expect(parseSacctTime('2026-03-01T09:00:02', 0)).toBe(Date.parse('2026-03-01T09:00:02Z'));
    expect(parseSacctTime('2026-03-01T09:00:02', 480)).toBe(Date.parse('2026-03-01T01:00:02Z'));
    expect(parseSacctTime('2026-03-01T02:00:00', 480)).toBe(Date.parse('2026-02-28T18:00:00Z'));
    expect(parseSacctTime('2026-03-01T09:00:02', -330)).toBe(Date.parse('2026-03-01T14:30:02Z'));
  });

  it('reads a timestamp that carries its own offset in that one', () => {
    expect(parseSacctTime('2026-03-01T09:00:02+0800', 0)).toBe(Date.parse('2026-03-01T01:00:02Z'));
    expect(parseSacctTime('2026-03-01T09:00:02Z', 480)).toBe(Date.parse('2026-03-01T09:00:02Z'));
  });

  it('refuses what is not a timestamp', () => {
    expect(parseSacctTime('2028-02-29T00:00:00', 0)).toBe(Date.parse('2028-02-29T00:00:00Z'));
    expect(parseSacctTime('2026-04-30T23:59:59', 0)).toBe(Date.parse('2026-04-30T23:59:59Z'));
    for (const bad of [
      '2026-02-30T00:00:00',
      '2026-02-29T00:00:00',
      '2100-02-29T00:00:00',
      '2026-04-31T00:00:00',
      '2026-03-00T00:00:00',
      '2026-13-01T00:00:00',
      '2026-03-01T24:00:00',
      '2026-03-01 09:00:02',
      '03/01-09:00:02',
      'Unknown',
      '2026-03-01T09:00:02+15:00',
      '2026-03-01T09:00:02 +08:00',
      '2026-03-01T09:00:02UTC',
      '2026-03-01T09:00:0x',
      '2026-03-01T09:00:02.5',
      '２026-03-01T09:00:02',
    ]) {
      expect(parseSacctTime(bad, 0), bad).toBeNull();
    }
  });

  it('knows the unset values and writes RFC 3339 UTC', () => {
    expect(['Unknown', 'None', ''].map(isUnsetTime)).toEqual([true, true, true]);
    expect(isUnsetTime('2026-03-01T09:00:02')).toBe(false);
    expect(utcInstant(Date.parse('2026-03-01T09:00:02Z'))).toBe('2026-03-01T09:00:02Z');
  });
});
