import { css } from "lit";

/**
 * Tokens and the host's box. Public tokens are `--sandbox-workspace-*` custom properties; each has a
 * light and a dark fallback. Internally everything reads the `--_*` private copies.
 */
const light = css`
  --_bg: var(--sandbox-workspace-bg, #ffffff);
  --_fg: var(--sandbox-workspace-fg, #1b1f24);
  --_muted: var(--sandbox-workspace-muted, #5b6470);
  --_border: var(--sandbox-workspace-border, #d7dce2);
  --_entry-bg: var(--sandbox-workspace-entry-bg, #f7f8fa);
  --_entry-hover: var(--sandbox-workspace-entry-hover, #eef1f5);
  --_accent: var(--sandbox-workspace-accent, #3b5bdb);
  --_success: var(--sandbox-workspace-success, #1e7a3c);
  --_warning: var(--sandbox-workspace-warning, #8a5a00);
  --_danger: var(--sandbox-workspace-danger, #b42318);
  --_code-bg: var(--sandbox-workspace-code-bg, #eef1f5);
  --_add-bg: var(--sandbox-workspace-diff-add-bg, #e6f4ea);
  --_del-bg: var(--sandbox-workspace-diff-del-bg, #fdecea);
  --_user-bg: var(--sandbox-workspace-user-bg, #eef2ff);
`;

const dark = css`
  --_bg: var(--sandbox-workspace-bg, #111418);
  --_fg: var(--sandbox-workspace-fg, #e6e8eb);
  --_muted: var(--sandbox-workspace-muted, #9aa4b0);
  --_border: var(--sandbox-workspace-border, #2d333b);
  --_entry-bg: var(--sandbox-workspace-entry-bg, #181c22);
  --_entry-hover: var(--sandbox-workspace-entry-hover, #20252d);
  --_accent: var(--sandbox-workspace-accent, #8ca2ff);
  --_success: var(--sandbox-workspace-success, #5cc47f);
  --_warning: var(--sandbox-workspace-warning, #e3b341);
  --_danger: var(--sandbox-workspace-danger, #ff7b72);
  --_code-bg: var(--sandbox-workspace-code-bg, #0b0e12);
  --_add-bg: var(--sandbox-workspace-diff-add-bg, #12301c);
  --_del-bg: var(--sandbox-workspace-diff-del-bg, #3a1614);
  --_user-bg: var(--sandbox-workspace-user-bg, #1b2140);
`;

export const tokens = css`
  :host {
    ${light}
    --_font: var(--sandbox-workspace-font, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif);
    --_mono: var(--sandbox-workspace-mono-font, ui-monospace, "SF Mono", Menlo, Consolas, monospace);
    --_size: var(--sandbox-workspace-font-size, 14px);
    --_radius: var(--sandbox-workspace-radius, 8px);
    --_space: var(--sandbox-workspace-space, 8px);
    display: flex;
    flex-direction: column;
    min-height: 0;
    box-sizing: border-box;
    font: var(--_size) / 1.5 var(--_font);
    color: var(--_fg);
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    color-scheme: light;
    /* Long words, paths and URLs wrap rather than widen the element (code keeps its lines and scrolls). */
    overflow-wrap: anywhere;
  }
  @media (prefers-color-scheme: dark) {
    :host(:not([theme="light"])) {
      ${dark}
      color-scheme: dark;
    }
  }
  :host([theme="dark"]) {
    ${dark}
    color-scheme: dark;
  }
  :host([hidden]) {
    display: none;
  }
  *,
  *::before,
  *::after {
    box-sizing: border-box;
  }
`;
