import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import axe from 'axe-core';
import { describe, expect, it } from 'vitest';
import { renderPage } from './app-page-testing.tsx';

describe('app page: accessibility', () => {
  it('has no serious axe violations with the tree, a panel, the history and a dialog open', async () => {
    renderPage({ role: 'admin', search: '?object=apps/Deployment/web/web&tab=diff&diff=split' });
    await screen.findByRole('table', { name: /cluster \(live\) on the left/ });
    await screen.findByRole('table', { name: /History of web/ });
    await userEvent.click(screen.getByRole('button', { name: 'Delete web…' }));
    await screen.findByRole('dialog');
    // happy-dom does not lay out or paint: contrast is checked by the e2e harness in a browser.
    const results = await axe.run(document.body, { rules: { 'color-contrast': { enabled: false } } });
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
  });
});
