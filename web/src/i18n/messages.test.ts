// Every string of the dashboard exists in both languages, no key is defined by two page modules (a later spread would
// silently replace the earlier), and placeholders match between the two languages.
import { describe, expect, it } from 'vitest';
import { message_modules, messages } from './messages.js';
import { translate } from './i18n.js';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('dashboard strings', () => {
  it('have a non-empty zh-CN and en text with the same placeholders', () => {
    const bad: string[] = [];
    for (const [key, pair] of Object.entries(messages) as [string, readonly string[]][]) {
      if (pair.length !== 2 || pair.some((s) => typeof s !== 'string' || s.trim() === '')) bad.push(`${key}: missing text`);
      else if (placeholders(pair[0]!).join() !== placeholders(pair[1]!).join()) bad.push(`${key}: placeholders differ`);
    }
    expect(bad).toEqual([]);
    expect(Object.keys(messages).length).toBeGreaterThan(40);
  });

  it('are defined once, each under its own module prefix', () => {
    const seen = new Map<string, string>();
    const bad: string[] = [];
    for (const [module, entries] of Object.entries(message_modules)) {
      for (const key of Object.keys(entries)) {
        if (seen.has(key)) bad.push(`${key} in ${seen.get(key)} and ${module}`);
        seen.set(key, module);
      }
    }
    expect(bad).toEqual([]);
  });

  it('Chinese text is Chinese: the zh-CN side of page strings holds CJK characters unless it is a unit or name', () => {
    const latin_only = Object.entries(messages).filter(([, pair]) => !/[\u4e00-\u9fff]/.test(pair[0]) && /[a-z]{4,}/i.test(pair[0]) && pair[0] === pair[1]);
    // Units and proper names (PFLOP·h, TFLOPS) may read the same in both languages; sentences may not.
    expect(latin_only.filter(([, pair]) => pair[0].includes(' ')).map(([k]) => k)).toEqual([]);
  });

  it('fills placeholders and leaves unknown ones visible', () => {
    expect(translate('en', 'progress.elapsed', { s: '1.5' })).toBe('1.5 s elapsed');
    expect(translate('zh-CN', 'progress.elapsed', { s: 2 })).toBe('已用时 2 秒');
    expect(translate('en', 'progress.elapsed')).toBe('{s} s elapsed');
  });
});
