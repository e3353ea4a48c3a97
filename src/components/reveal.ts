/**
 * Unicode's explicit direction controls (embeddings, overrides, isolates) are invisible and reorder
 * the text after them: "/repo/\u202Egnp.exe" reads as "/repo/exe.png" ("Trojan Source"). In what
 * an agent or another user wrote, they are shown by name instead, so what the reader sees is what
 * the text says.
 */
const CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;
const NAMES: Record<string, string> = {
  "\u202A": "LRE",
  "\u202B": "RLE",
  "\u202C": "PDF",
  "\u202D": "LRO",
  "\u202E": "RLO",
  "\u2066": "LRI",
  "\u2067": "RLI",
  "\u2068": "FSI",
  "\u2069": "PDI",
};

/** `text` with each direction control replaced by its name in angle brackets, e.g. ⟨RLO⟩. */
export function reveal(text: string): string {
  return text.replace(CONTROLS, (control) => `\u27E8${NAMES[control]}\u27E9`);
}

/** `text` with each direction control as a JSON escape (`\u202e`): still the same JSON, now visible. */
export function escapeControls(json: string): string {
  return json.replace(CONTROLS, (control) => `\\u${control.charCodeAt(0).toString(16)}`);
}
