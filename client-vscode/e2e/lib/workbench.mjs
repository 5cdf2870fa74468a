// Headless Chromium on the workbench, and what the steps read or do in it (Playwright helpers).
import fs from 'node:fs';
import path from 'node:path';
import { baseEnv } from './processes.mjs';
import { waitQuickInput } from './quickinput.mjs';
import { say, until } from './util.mjs';

export const CHROMIUM = process.env.LAMINA_E2E_CHROMIUM || '/usr/bin/chromium';
const STATUS_ITEMS = '.part.statusbar .statusbar-item';
const EDITOR = '.part.editor .editor-instance .monaco-editor';

/** A persistent context on a fresh profile dir. */
export async function startBrowser(ctx) {
  const profile = path.join(ctx.tmp, 'chromium-profile');
  fs.mkdirSync(profile, { recursive: true });
  const { chromium } = await import('playwright-core'); // here, so that run.mjs can say what is missing first
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    env: baseEnv(),
    viewport: { width: 1600, height: 1000 },
    timeout: 60000,
  });
  say(`browser: Chromium ${browser.browser()?.version() ?? ''} (playwright-core)`);
  return browser;
}

/** Opens the code-server's workspace in a new page, logging the page's errors to browser-<label>.log. */
export async function openWorkbench(ctx, cs) {
  const page = await ctx.browser.newPage();
  ctx.live.page = page;
  page.setDefaultTimeout(30000);
  const log = path.join(ctx.out, `browser-${cs.label}.log`);
  page.on('pageerror', (e) => fs.appendFileSync(log, `pageerror: ${e.message}\n`));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') fs.appendFileSync(log, `${m.type()}: ${m.text()}\n`);
  });
  await page.goto(`${cs.url}/?folder=${encodeURIComponent(cs.workspace)}`, { waitUntil: 'domcontentloaded' });
  await page.locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout: 60000 });
  return page;
}

/** Notifications, quick input, active editor and Lamina's status item: what a failure message shows. */
export async function uiState(page) {
  if (!page || page.isClosed()) return {};
  return page
    .evaluate(() => {
      const t = (el) => (el?.textContent ?? '').replace(/\u00a0/g, ' ').replace(/\s+/g, ' ').trim();
      const visible = (el) => !!el && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
      const qi = document.querySelector('.quick-input-widget');
      return {
        notifications: [...document.querySelectorAll('.notification-list-item')].map((n) => t(n.querySelector('.notification-list-item-message'))).filter(Boolean),
        quickInput: visible(qi)
          ? { placeholder: qi.querySelector('input')?.getAttribute('placeholder'), value: qi.querySelector('input')?.value, rows: [...qi.querySelectorAll('.monaco-list-row')].slice(0, 8).map((r) => r.getAttribute('aria-label')) }
          : null,
        activeTab: document.querySelector('.tabs-container .tab.active')?.getAttribute('aria-label') ?? null,
        laminaStatus: [...document.querySelectorAll('.part.statusbar .statusbar-item')].map(t).find((s) => s.includes('Lamina')) ?? null,
        panel: t(document.querySelector('.part.panel .composite.title .action-item.checked')) || null,
      };
    })
    .catch((e) => ({ error: String(e) }));
}

export { quickPick, waitQuickInput } from './quickinput.mjs';

/** Keyboard focus into the active editor (Ctrl+1: View: Focus First Editor Group). */
export async function focusEditor(page, fileName) {
  await page.keyboard.press('Control+1');
  await until(`keyboard focus in the ${fileName} editor`, async () => {
    const r = await page.evaluate(() => {
      const ed = document.activeElement?.closest('.monaco-editor');
      return { uri: ed?.getAttribute('data-uri') ?? null, active: document.activeElement?.className ?? null };
    });
    return { ok: (r.uri ?? '').endsWith(`/${fileName}`), seen: r };
  }, { timeout: 5000 });
}

const cursorText = (page) => page.$$eval(STATUS_ITEMS, (els) => els.map((e) => e.textContent ?? '').find((s) => /Ln \d+, Col \d+/.test(s)) ?? '');

export async function goToLine(page, line) {
  await page.keyboard.press('Control+g');
  await waitQuickInput(page, 'the Go to Line input', (s) => s.value.startsWith(':'));
  await page.keyboard.type(String(line));
  await page.keyboard.press('Enter');
  await until(`the cursor on line ${line}`, async () => {
    const text = await cursorText(page);
    return { ok: new RegExp(`Ln ${line},`).test(text), seen: text };
  }, { timeout: 10000 });
}

/** The lens titles right above the active editor's first line starting with `lineStart`. */
export async function lensesAbove(page, lineStart) {
  const r = await page.evaluate(({ sel, lineStart }) => {
    const t = (el) => (el?.textContent ?? '').replace(/\u00a0/g, ' ').replace(/\s+/g, ' ').trim();
    const editor = document.querySelector(sel);
    const line = [...(editor?.querySelectorAll('.view-line') ?? [])].find((l) => t(l).startsWith(lineStart));
    const lenses = [...(editor?.querySelectorAll('.codelens-decoration') ?? [])].map((d) => ({ titles: [...d.querySelectorAll('a')].map(t), bottom: d.getBoundingClientRect().bottom }));
    const box = line?.getBoundingClientRect();
    return { lineTop: box ? box.top : null, lineHeight: box ? box.height : null, lenses };
  }, { sel: EDITOR, lineStart });
  const over = r.lineTop === null ? undefined : r.lenses.find((l) => l.bottom <= r.lineTop + 2 && l.bottom >= r.lineTop - 2 * r.lineHeight);
  return { titles: over?.titles ?? [], lineVisible: r.lineTop !== null, all: r.lenses.map((l) => l.titles) };
}

/** Clicks the active editor's first lens titled `title` (e.g. "▶ Run"). */
export async function clickLens(page, title) {
  const escaped = title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '\\s*');
  await page.locator(`${EDITOR} .codelens-decoration a`).filter({ hasText: new RegExp(`^\\s*${escaped}\\s*$`) }).first().click();
}

/** The active editor's visible line that reads exactly `text`, and the glyphs/highlights at its height. */
export async function lineMarks(page, text) {
  return page.evaluate(({ sel, text }) => {
    const t = (el) => (el?.textContent ?? '').replace(/\u00a0/g, ' ').replace(/\s+/g, ' ').trim();
    const editor = document.querySelector(sel);
    const top = [...(editor?.querySelectorAll('.view-line') ?? [])].find((l) => t(l) === text)?.getBoundingClientRect().top;
    const tops = (q) => [...(editor?.querySelectorAll(q) ?? [])].map((g) => g.getBoundingClientRect().top);
    const at = (q) => top !== undefined && tops(q).some((g) => Math.abs(g - top) < 3);
    return {
      lineTop: top ?? null,
      breakpoint: at('.glyph-margin-widgets [class*="codicon-debug-breakpoint"], .margin-view-overlays [class*="codicon-debug-breakpoint"]'),
      topStackFrame: at('.debug-top-stack-frame-line'),
      editorUri: editor?.getAttribute('data-uri') ?? null,
    };
  }, { sel: EDITOR, text });
}

export const debugToolbarVisible = (page) =>
  page.evaluate(() => {
    const el = document.querySelector('.debug-toolbar');
    return !!el && el.getClientRects().length > 0 && getComputedStyle(el).display !== 'none' && getComputedStyle(el).visibility !== 'hidden';
  });

/** The editor tabs, and the URI of the active editor. */
export async function editorTabs(page) {
  return page.evaluate((sel) => ({
    tabs: [...document.querySelectorAll('.tabs-container .tab')].map((tab) => ({ label: tab.getAttribute('aria-label') ?? '', active: tab.classList.contains('active'), dirty: tab.classList.contains('dirty') })),
    editorUri: document.querySelector(sel)?.getAttribute('data-uri') ?? null,
  }), EDITOR);
}

/** Rows of the Results tree (view lamina.results, in the panel), in display order. */
export async function resultRows(page) {
  return page.evaluate(() => {
    const t = (el) => (el?.textContent ?? '').replace(/\u00a0/g, ' ').replace(/\s+/g, ' ').trim();
    const panel = document.querySelector('.part.panel');
    if (!panel || panel.getClientRects().length === 0) return { panelVisible: false, rows: [] };
    const rows = [...panel.querySelectorAll('.customview-tree .monaco-list-row')].map((r) => ({
      level: Number(r.getAttribute('aria-level')),
      expanded: r.getAttribute('aria-expanded'),
      ariaLabel: r.getAttribute('aria-label') ?? '',
      label: t(r.querySelector('.label-name')),
      description: t(r.querySelector('.label-description')),
      index: Number(r.getAttribute('data-index')),
    }));
    rows.sort((a, b) => a.index - b.index);
    const container = t(panel.querySelector('.composite.title .action-item.checked')) || t(panel.querySelector('.composite.title .title-label'));
    return { panelVisible: true, container, rows };
  });
}

/** The newest run row (the first top-level row), its children if shown, and the run count. */
export function newestRun(state) {
  const top = state.rows.filter((r) => r.level === 1);
  if (top.length === 0) return null;
  const children = [];
  for (const r of state.rows.slice(state.rows.indexOf(top[0]) + 1)) {
    if (r.level === 1) break;
    if (r.level === 2) children.push(r);
  }
  return { row: top[0], children, count: top.length };
}

/** The Problems view's markers as {file, text}, or null when the view is not showing. */
export async function problems(page) {
  return page.evaluate(() => {
    const view = document.querySelector('.markers-panel');
    if (!view || view.getClientRects().length === 0) return null;
    const out = [];
    let file = null;
    for (const r of view.querySelectorAll('.monaco-list-row')) {
      const label = r.getAttribute('aria-label') ?? '';
      const m = /^\d+ problems? in file (.+?) of folder /.exec(label);
      if (m) file = m[1];
      else out.push({ file, text: label });
    }
    return out;
  });
}
