// The dashboard in a real browser (Debian's Chromium through playwright-core) against a real `suanli serve --demo`
// on each database engine: every role signs in and sees only what it may; the language switch is remembered; an
// enterprise files and submits a claim, the office approves it and sees the budget move on the overview; a what-if
// simulation runs. Screenshots of every page are written under test-results/screenshots/<engine>/ (git-ignored).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import ExcelJS from 'exceljs';
import { createDatabase, dropDatabase } from '../support/postgres.js';
import {
  browserUnavailable,
  launchChromium,
  newPage,
  screenshot_root,
  startDemoServer,
  type BrowserSession,
  type DemoLogin,
  type DemoServer,
} from './browser.js';

const unavailable = browserUnavailable();
const hashOf = (page: Page) => page.evaluate<string>('location.hash');
const nav_of: Record<DemoLogin['role'], string[]> = {
  administrator: ['overview', 'programs', 'claims', 'catalog'],
  auditor: ['overview', 'programs', 'claims', 'catalog'],
  enterprise: ['enterprise', 'claims', 'programs', 'catalog'],
  provider: ['provider', 'claims', 'programs', 'catalog'],
};
/** The demo program the demo enterprise can claim from for August 2026 (it holds no claim there yet). */
const claim_program_code = 'normalized-domestic-compute';

if (unavailable !== null && process.env.CI) {
  it('the browser suite can run under CI', () => {
    throw new Error(unavailable);
  });
}

for (const engine of ['sqlite', 'postgres'] as const) {
  const skip = unavailable !== null || (engine === 'postgres' && inject('postgresUrl') === null);
  (skip ? describe.skip : describe)(`dashboard in Chromium [${engine}]`, () => {
    let server: DemoServer;
    let chromium: BrowserSession;
    let cleanup: () => Promise<void> = async () => {};
    const shots = path.join(screenshot_root, engine);

    beforeAll(async () => {
      fs.rmSync(shots, { recursive: true, force: true });
      fs.mkdirSync(shots, { recursive: true });
      const data_dir = fs.mkdtempSync(path.join(os.tmpdir(), 'suanli-browser-'));
      const env: Record<string, string> = { SUANLI_DATA_DIR: data_dir };
      let drop: (() => Promise<void>) | null = null;
      if (engine === 'postgres') {
        const admin_url = inject('postgresUrl')!;
        const name = `b_${randomBytes(6).toString('hex')}`;
        env.DATABASE_URL = await createDatabase(admin_url, name);
        drop = () => dropDatabase(admin_url, name);
      }
      [server, chromium] = await Promise.all([startDemoServer(env), launchChromium()]);
      cleanup = async () => {
        await chromium?.close();
        await server?.stop();
        await drop?.();
        fs.rmSync(data_dir, { recursive: true, force: true });
      };
    }, 300_000);
    afterAll(async () => {
      await cleanup();
    }, 60_000);

    const apiGet = async <T>(p: string): Promise<T> => {
      const res = await fetch(`${server.url}/api/v1${p}`, { headers: { authorization: `Bearer ${server.admin_key}` } });
      expect(res.status, p).toBe(200);
      return (await res.json()) as T;
    };

    async function signIn(browser: Browser, role: DemoLogin['role'], viewport?: { width: number; height: number }, timezone_id?: string) {
      const opened = await newPage(browser, viewport, timezone_id);
      const { page } = opened;
      await page.goto(server.url);
      await page.locator('input[name=login]').fill(server.logins[role].login);
      await page.locator('input[name=password]').fill(server.logins[role].password);
      await page.locator('button[type=submit]').click();
      await page.getByTestId('role').waitFor();
      return opened;
    }

    /** Waits until nothing on the page is loading (spinners gone) and the network is quiet. */
    async function settled(page: Page): Promise<void> {
      await page.waitForLoadState('networkidle');
      await page
        .locator('.loading')
        .first()
        .waitFor({ state: 'detached', timeout: 20_000 })
        .catch(() => undefined);
      await expect.poll(() => page.locator('.loading').count(), { timeout: 20_000 }).toBe(0);
    }

    async function shot(page: Page, name: string): Promise<void> {
      await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
    }

    it('signs in each role, shows only its pages, and screenshots every page', async () => {
      for (const role of ['administrator', 'auditor', 'enterprise', 'provider'] as const) {
        const { context, page, problems } = await signIn(chromium.browser, role);
        const nav = await page.locator('nav a[data-testid^=nav-]').evaluateAll((as) => as.map((a) => a.getAttribute('data-testid')!.slice(4)));
        expect(nav, role).toEqual(nav_of[role]);
        for (const p of nav) {
          await page.getByTestId(`nav-${p}`).click();
          await expect.poll(() => hashOf(page)).toBe(`#/${p}`);
          await settled(page);
          expect(await page.locator('.error-box').count()).toBe(0);
          await shot(page, `${role}-${p}-zh`);
        }
        if (role === 'enterprise' || role === 'provider') {
          // Pages of the office are refused in the browser as by the API.
          await page.goto(`${server.url}/#/overview`);
          await expect.poll(() => page.locator('main').innerText()).toContain('无权查看此页面');
          const res = await page.evaluate<number>("fetch('/api/v1/dashboard/overview').then((r) => r.status)");
          expect(res).toBe(403);
        }
        expect(problems, role).toEqual([]);
        await context.close();
      }
    }, 240_000);

    it('is usable from the keyboard: sign in, skip to content, reach the navigation; charts carry text alternatives', async () => {
      const { context, page, problems } = await newPage(chromium.browser);
      await page.goto(server.url);
      // The login field has focus on arrival (once the page knows nobody is signed in); Tab moves to the password; Enter submits.
      await expect.poll(() => page.evaluate<string>("document.activeElement.getAttribute('name') || ''")).toBe('login');
      await page.keyboard.type(server.logins.administrator.login);
      await page.keyboard.press('Tab');
      await page.keyboard.type(server.logins.administrator.password);
      await page.keyboard.press('Enter');
      await page.getByTestId('role').waitFor();
      await settled(page);
      await page.keyboard.press('Tab');
      expect(await page.evaluate<string>('document.activeElement.className')).toBe('skip');
      const reached: string[] = [];
      for (let i = 0; i < 8; i++) {
        await page.keyboard.press('Tab');
        reached.push(await page.evaluate<string>("document.activeElement.getAttribute('data-testid') || document.activeElement.tagName"));
      }
      expect(reached).toEqual(expect.arrayContaining(['nav-overview', 'nav-programs', 'nav-claims', 'nav-catalog', 'lang-switch', 'logout']));
      // Every chart has a label and a data table to open.
      const charts = page.locator('figure.chart');
      expect(await charts.count()).toBeGreaterThanOrEqual(4);
      for (const label of await charts.locator('[role=img]').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? '')))
        expect(label.length).toBeGreaterThan(5);
      expect(await page.locator('figure.chart details.chart-table').count()).toBeGreaterThanOrEqual(4);
      expect(problems).toEqual([]);
      await context.close();
    }, 60_000);

    it('switches to English and remembers the choice across a reload', async () => {
      const { context, page, problems } = await signIn(chromium.browser, 'administrator');
      await settled(page);
      expect(await page.getByTestId('nav-overview').innerText()).toBe('总览');
      expect(await page.evaluate<string>('document.documentElement.lang')).toBe('zh-CN');
      await page.getByTestId('lang-switch').click();
      await expect.poll(() => page.getByTestId('nav-overview').innerText()).toBe('Overview');
      expect(await page.evaluate<string>('document.documentElement.lang')).toBe('en');
      await page.reload();
      await page.getByTestId('role').waitFor();
      expect(await page.getByTestId('nav-overview').innerText()).toBe('Overview');
      for (const p of nav_of.administrator) {
        await page.getByTestId(`nav-${p}`).click();
        await settled(page);
        // No Chinese left on an English page but names (organizations, programs) that exist only in Chinese.
        await shot(page, `administrator-${p}-en`);
      }
      await page.setViewportSize({ width: 820, height: 1180 });
      await page.getByTestId('nav-overview').click();
      await settled(page);
      await shot(page, 'administrator-overview-en-tablet');
      expect(problems).toEqual([]);
      await context.close();
    }, 120_000);

    it('an enterprise files and submits a claim, the office approves it, downloads its export (CSV, XLSX), and the budget moves on the overview', async () => {
      const programs = await apiGet<{ items: { id: string; code: string }[] }>('/programs');
      const program_id = programs.items.find((p) => p.code === claim_program_code)!.id;
      const money = (text: string) => BigInt(text.replace(/[^\d-]/g, '')); // the fen shown, exactly

      const office = await signIn(chromium.browser, 'administrator');
      await office.page.getByTestId('nav-overview').click();
      await settled(office.page);
      const committed_before = money(await office.page.getByTestId(`program-committed-${program_id}`).innerText());

      // The enterprise's browser is in California: the dashboard's days and months are still the office's (Beijing).
      const firm = await signIn(chromium.browser, 'enterprise', undefined, 'America/Los_Angeles');
      await firm.page.goto(`${server.url}/#/enterprise`);
      await settled(firm.page);
      await firm.page.getByTestId('file-claim-program').selectOption(program_id);
      // A month picked is the office's month (Beijing time): its first and last day fill the day fields, and the claim
      // is filed from 1 August 00:00 in Beijing (31 July 16:00 UTC) up to 1 September 00:00 in Beijing.
      await firm.page.getByTestId('file-claim-month').fill('2026-08');
      expect(await firm.page.getByTestId('file-claim-from').inputValue()).toBe('2026-08-01');
      expect(await firm.page.getByTestId('file-claim-to').inputValue()).toBe('2026-09-01');
      await shot(firm.page, 'enterprise-file-claim');
      const [filing] = await Promise.all([
        firm.page.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname === '/api/v1/claims'),
        firm.page.getByTestId('file-claim-submit').click(),
      ]);
      const sent = filing.postDataJSON() as { period_start: string; period_end: string };
      expect(sent).toMatchObject({ period_start: '2026-08-01T00:00:00+08:00', period_end: '2026-09-01T00:00:00+08:00' });
      await expect.poll(() => hashOf(firm.page), { timeout: 30_000 }).toMatch(/^#\/claims\/clm_/);
      const claim_id = (await hashOf(firm.page)).split('/')[2]!.split('?')[0]!;
      const filed = await apiGet<{ period_start: string; period_end: string }>(`/claims/${claim_id}`);
      expect(filed).toMatchObject({ period_start: '2026-07-31T16:00:00.000Z', period_end: '2026-08-31T16:00:00.000Z' });
      await settled(firm.page);
      // The claim's page names the Beijing month and shows its instants in Beijing time with the offset, never bare UTC.
      const facts = await firm.page.locator('main').innerText();
      expect(facts).toContain('2026年8月');
      expect(facts).toContain('2026-08-01 00:00 (UTC+8)');
      expect(facts).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2} \(UTC\+8\)/);
      expect(facts).not.toMatch(/\d{2}:\d{2} UTC(?![+−])/);
      await shot(firm.page, 'enterprise-claim-draft');
      await firm.page.getByTestId('claim-action-submit').click();
      await firm.page.getByTestId('confirm-button').click();
      await expect.poll(() => apiGet<{ state: string }>(`/claims/${claim_id}`).then((c) => c.state), { timeout: 20_000 }).toBe('submitted');
      await settled(firm.page);
      await shot(firm.page, 'enterprise-claim-submitted');
      // The enterprise cannot approve its own claim: no such button.
      expect(await firm.page.getByTestId('claim-action-approve').count()).toBe(0);
      expect(firm.problems).toEqual([]);
      await firm.context.close();

      await office.page.goto(`${server.url}/#/claims/${claim_id}`);
      await settled(office.page);
      await shot(office.page, 'administrator-claim-review');
      await office.page.getByTestId('claim-action-approve').click();
      // Open high-severity findings need a written override; otherwise the reason box is optional.
      const reason = office.page.locator('dialog textarea');
      if ((await reason.count()) > 0) await reason.fill('Reviewed in the browser test: findings checked.');
      await office.page.getByTestId('confirm-button').click();
      let claim = await apiGet<{ state: string; granted_fen: string }>(`/claims/${claim_id}`); // a sum of money: a decimal string
      await expect.poll(async () => (claim = await apiGet(`/claims/${claim_id}`)).state, { timeout: 20_000 }).toBe('approved');
      expect(BigInt(claim.granted_fen)).toBeGreaterThan(0n);
      await settled(office.page);
      await expect.poll(() => office.page.getByTestId('claim-state').innerText()).toMatch(/已批准|approved/i);
      await shot(office.page, 'administrator-claim-approved');

      // The claim's export, downloaded through the page's links with the session cookie: CSV and an XLSX exceljs reads.
      const exports = office.page.getByTestId('claim-export');
      const [csv_download] = await Promise.all([office.page.waitForEvent('download'), exports.locator('a[data-format=csv]').click()]);
      expect(csv_download.suggestedFilename()).toMatch(/\.csv$/);
      const csv_text = fs.readFileSync((await csv_download.path())!, 'utf8');
      expect(csv_text.startsWith('\ufeff')).toBe(true);
      expect(csv_text).toContain(claim_id);
      const [xlsx_download] = await Promise.all([office.page.waitForEvent('download'), exports.locator('a[data-format=xlsx]').click()]);
      expect(xlsx_download.suggestedFilename()).toMatch(/\.xlsx$/);
      const book = new ExcelJS.Workbook();
      await book.xlsx.readFile((await xlsx_download.path())!);
      const cells: string[] = [];
      book.eachSheet((sheet) =>
        sheet.eachRow((row) =>
          row.eachCell((cell) => {
            cells.push(String(cell.value));
          }),
        ),
      );
      expect(cells).toContain(claim_id);

      await office.page.getByTestId('nav-overview').click();
      await settled(office.page);
      const committed_after = money(await office.page.getByTestId(`program-committed-${program_id}`).innerText());
      expect(committed_after - committed_before).toBe(BigInt(claim.granted_fen));
      await shot(office.page, 'administrator-overview-after-approval');
      expect(office.problems).toEqual([]);
      await office.context.close();
    }, 180_000);

    it('a provider uploads a CSV usage file with progress; the accepted records count and the rejected ones are listed with their reasons', async () => {
      const { context, page, problems } = await signIn(chromium.browser, 'provider');
      const me = await page.evaluate<{ org_id: string }>("fetch('/api/v1/me').then((r) => r.json())");
      const clusters = await apiGet<{ items: { id: string; inventory: { accelerator: string; count: number; valid_to: string | null }[] }[] }>(
        `/providers/${me.org_id}/clusters`,
      );
      const cluster = clusters.items.find((c) => c.inventory.some((i) => i.valid_to === null))!;
      const accelerator = cluster.inventory.find((i) => i.valid_to === null)!.accelerator;
      const enterprises = await apiGet<{ items: { id: string }[] }>('/organizations?kind=enterprise');
      const enterprise_id = enterprises.items[0]!.id;
      const run = randomBytes(4).toString('hex');
      const csv =
        [
          'record_id,cluster_id,enterprise_id,accelerator,count,started_at,ended_at,amount_fen,job_ref',
          `up-${run}-1,${cluster.id},${enterprise_id},${accelerator},1,2026-11-20T00:00:00Z,2026-11-20T01:00:00Z,1500,"browser upload, 1"`,
          `up-${run}-2,${cluster.id},${enterprise_id},no-such-accelerator,1,2026-11-20T00:00:00Z,2026-11-20T01:00:00Z,1500,`,
          `up-${run}-3,${cluster.id},${enterprise_id},${accelerator},1,2026-11-20T02:00:00Z,2026-11-20T01:00:00Z,1500,`,
        ].join('\n') + '\n';
      await page.goto(`${server.url}/#/provider`);
      await settled(page);
      await page.getByTestId('usage-upload-input').setInputFiles({ name: 'usage.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
      await page.getByTestId('usage-upload-result').waitFor({ timeout: 60_000 });
      expect(await page.getByTestId('usage-upload-accepted').innerText()).toBe('1');
      expect(await page.getByTestId('usage-upload-rejected').innerText()).toBe('2');
      // The page's recent rejections (GET /usage/rejections) now name both records and why.
      const rejections = page.getByTestId('provider-rejections');
      await expect.poll(() => rejections.innerText()).toContain(`up-${run}-2`);
      const text = await rejections.innerText();
      expect(text).toContain(`up-${run}-3`);
      expect(text).toContain('accelerator');
      await settled(page);
      await shot(page, 'provider-upload-result');
      // Sending the same file again acknowledges the accepted record as a duplicate: nothing is counted twice.
      await page.getByTestId('usage-upload-input').setInputFiles({ name: 'usage-again.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
      await expect.poll(() => page.getByTestId('usage-upload-duplicates').innerText(), { timeout: 60_000 }).toBe('1');
      expect(await page.getByTestId('usage-upload-accepted').innerText()).toBe('0');
      // A file of rejected records only answers 422 all_records_rejected: the page lists each record's reason from the
      // answer's `rejected` (not from its message), by line.
      const bad_only = [csv.split('\n')[0], ...csv.split('\n').slice(2, 4)].join('\n').replaceAll(`up-${run}-`, `up-${run}-bad-`) + '\n';
      await page.getByTestId('usage-upload-input').setInputFiles({ name: 'usage-bad.csv', mimeType: 'text/csv', buffer: Buffer.from(bad_only) });
      await expect.poll(() => page.getByTestId('usage-upload-result').innerText(), { timeout: 60_000 }).toContain(`up-${run}-bad-3`);
      expect(await page.getByTestId('usage-upload-rejected').innerText()).toBe('2');
      expect(await page.getByTestId('usage-upload-accepted').innerText()).toBe('0');
      const listed = await page.getByTestId('usage-upload-result').innerText();
      expect(listed).toContain(`up-${run}-bad-2`);
      expect(listed).toContain('"no-such-accelerator" is not in the catalog');
      expect(problems).toEqual([]);
      await context.close();
    }, 120_000);

    it('the office runs a full integrity check from the overview: progress, then what it found; the auditor has no such button', async () => {
      const { context, page, problems } = await signIn(chromium.browser, 'administrator');
      await settled(page);
      await page.getByTestId('overview-checks').locator('summary').click();
      await page.getByTestId('run-checks-button').click();
      const result = page.getByTestId('run-checks-result');
      await result.waitFor({ timeout: 60_000 });
      const rows = await result.locator('tbody tr').allInnerTexts();
      expect(rows).toHaveLength(4);
      for (const r of rows) expect(r).toMatch(/\d/);
      await settled(page);
      await shot(page, 'administrator-overview-checks');
      expect(problems).toEqual([]);
      await context.close();
      const auditor = await signIn(chromium.browser, 'auditor');
      await settled(auditor.page);
      await auditor.page.getByTestId('overview-findings').waitFor();
      expect(await auditor.page.getByTestId('overview-checks').count()).toBe(0);
      await auditor.context.close();
    }, 120_000);

    it('runs a what-if simulation of a program and shows its results beside the current rules', async () => {
      const programs = await apiGet<{ items: { id: string; code: string }[] }>('/programs');
      const program_id = programs.items.find((p) => p.code === 'sh-compute-voucher-city')!.id;
      const { context, page, problems } = await signIn(chromium.browser, 'administrator');
      await page.goto(`${server.url}/#/programs/${program_id}`);
      await settled(page);
      await page.getByTestId('rule-set').waitFor({ state: 'visible' });
      // the demo's version rounds per claim line (issue 17), and the version history says so
      expect(await page.getByTestId('rule-versions').innerText()).toMatch(/按申领行取整一次|once per claim line/);
      await page.getByTestId('simulate-form').waitFor();
      // The candidate: the program's one rule at 20% instead of 30% of the bill.
      const rate = page.locator('[data-testid^=simulate-rate-]').first();
      expect(await rate.inputValue()).toBe('30');
      await rate.fill('20');
      const [simulating] = await Promise.all([
        page.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname.endsWith('/simulate')),
        page.getByTestId('simulate-run').click(),
      ]);
      // The months replayed are whole Beijing months.
      const replayed = simulating.postDataJSON() as { from: string; to: string };
      expect(replayed.from).toMatch(/^\d{4}-\d{2}-01T00:00:00\+08:00$/);
      expect(replayed.to).toMatch(/^\d{4}-\d{2}-01T00:00:00\+08:00$/);
      await page.getByTestId('simulate-result').waitFor({ timeout: 60_000 });
      // The replayed period is shown in Beijing time with the offset.
      expect(await page.getByTestId('simulate-result').innerText()).toContain(' 00:00 (UTC+8)');
      // The first line of the comparison (granted subsidy): current and candidate differ, and the candidate pays less.
      const first = await page.getByTestId('simulate-diff').locator('tbody tr').first().locator('td').allInnerTexts();
      const yuan = (s: string) => Number(s.replace(/[^0-9.-]/g, ''));
      expect(yuan(first[1]!)).toBeLessThan(yuan(first[0]!));
      expect(first[2]).toMatch(/^[-−]/);
      await settled(page);
      await page.getByTestId('simulate-result').locator('svg').first().waitFor({ state: 'visible' });
      await shot(page, 'administrator-program-simulation');
      expect(problems).toEqual([]);
      await context.close();

      // The auditor reads the same program but has no simulator (POST /simulate is the office's).
      const auditor = await signIn(chromium.browser, 'auditor');
      await auditor.page.goto(`${server.url}/#/programs/${program_id}`);
      await settled(auditor.page);
      await auditor.page.getByTestId('rule-set').waitFor({ state: 'visible' });
      expect(await auditor.page.getByTestId('simulate-form').count()).toBe(0);
      await auditor.context.close();
    }, 120_000);
  });
}
