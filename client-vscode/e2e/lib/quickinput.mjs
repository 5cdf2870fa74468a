// The quick input (Quick Open, the command palette, quick picks, input boxes).
import { until } from './util.mjs';

const ROWS = '.quick-input-widget .quick-input-list .monaco-list-row';

/** Types `text` into the open quick input and picks the first row that `rowMatches`. The list
 * may still change after typing (Quick Open shows recently opened files, then the file search's
 * results), so Enter comes only when the focused row matches and the rows held still for a poll. */
export async function quickPick(page, what, text, rowMatches, { timeout = 20000 } = {}) {
  await page.keyboard.type(text);
  let previous = null;
  const row = await until(`a "${what}" row in the quick input, focused`, async () => {
    const rows = await page.$$eval(ROWS, (els) =>
      els
        .map((e) => ({ label: e.getAttribute('aria-label') ?? '', index: Number(e.getAttribute('data-index')), focused: e.classList.contains('focused') }))
        .sort((a, b) => a.index - b.index),
    );
    const key = JSON.stringify(rows);
    const stable = key === previous;
    previous = key;
    const want = rows.find((r) => rowMatches(r.label));
    const focused = rows.find((r) => r.focused);
    const seen = { typed: text, rows: rows.map((r) => `${r.focused ? '> ' : ''}${r.label}`) };
    if (!want) return { seen };
    if (focused?.index === want.index) return { ok: stable, label: want.label, seen };
    // Move the focus one row towards the match (none focused yet: the first row gets it).
    await page.keyboard.press(!focused || want.index > focused.index ? 'ArrowDown' : 'ArrowUp');
    previous = null;
    return { seen };
  }, { timeout, interval: 60 });
  await page.keyboard.press('Enter');
  return row.label;
}

export async function waitQuickInput(page, what, test, timeout = 15000) {
  return until(what, async () => {
    const s = await page.evaluate(() => {
      const qi = document.querySelector('.quick-input-widget');
      if (!qi || qi.getClientRects().length === 0 || getComputedStyle(qi).display === 'none') return { visible: false };
      const input = qi.querySelector('.quick-input-box input');
      return {
        visible: true,
        placeholder: input?.getAttribute('placeholder') ?? '',
        ariaLabel: input?.getAttribute('aria-label') ?? '',
        message: (qi.querySelector('.quick-input-message')?.textContent ?? '').trim(),
        value: input?.value ?? '',
      };
    });
    return { ok: s.visible && test(s), seen: s };
  }, { timeout });
}
