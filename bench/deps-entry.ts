/**
 * The drop-in size baseline: the libraries the element is made of, alone, bundled the way the
 * drop-in file is (bench/size.ts builds this with the project's Vite settings). Everything they
 * export is kept, so nothing of theirs is tree-shaken away.
 */
export * from "rivetkit/client";
export * from "lit";
export * from "lit/decorators.js";
export * from "marked";
export { default as DOMPurify } from "dompurify";
