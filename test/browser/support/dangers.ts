/**
 * One detector for hostile content, for every suite that renders it: anything in a DOM tree that
 * could run script, load something, navigate, or restyle the page. It names each finding, so a
 * failure says what got through and where.
 */

const URL_ATTRIBUTES = ["href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "cite", "longdesc", "ping", "srcset", "lowsrc", "dynsrc", "codebase", "manifest", "icon", "usemap"];
/** Elements that load, run or restyle something. None may come from content. */
const FORBIDDEN = new Set(["script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "meta", "link", "style", "img", "image", "svg", "math", "video", "audio", "source", "track", "picture", "portal", "template", "noscript", "form", "input", "textarea", "select", "button", "isindex", "keygen", "marquee", "bgsound"]);
/** What marked produces from markdown: all a `markdown` part may hold. */
const MARKDOWN_TAGS = new Set(["p", "a", "em", "strong", "del", "code", "pre", "ul", "ol", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "br", "table", "thead", "tbody", "tr", "th", "td"]);
const SAFE_PROTOCOLS = new Set(["http:", "https:", "mailto:"]);

/** Every element under `root`, in every shadow root below it. */
function* walk(root: ParentNode): Generator<Element> {
  for (const element of root.querySelectorAll("*")) {
    yield element;
    if (element.shadowRoot) yield* walk(element.shadowRoot);
  }
}

/**
 * The element's own controls, each where the element renders it and nowhere in content: a form
 * element (or an icon) found anywhere else, or inside a markdown part, came from content.
 */
const OWN_CONTROLS: Record<string, string[]> = {
  button: [".summary", ".tool", ".command", '[part~="entry-link"]'],
  svg: ['[part~="entry-link"] > svg.link-icon', '[part~="comment-count"] > svg'],
  form: ['[part~="composer"]', '[part~="question-form"]', "form.comment-form"],
  textarea: [".composer-input", '[part~="comment-input"]'],
  select: ['[part~="mode-picker"]', '[part~="config-picker"] select', '[part~="question-form"] select'],
  input: [
    '[part~="config-picker"] input[type="checkbox"]',
    '[part~="filters-menu"] input[type="checkbox"]',
    '[part~="question-form"] input',
    "input[readonly][data-link-field]",
    '[part~="find-input"]',
  ],
};

function isOwnControl(element: Element): boolean {
  const selectors = OWN_CONTROLS[element.localName];
  return !!selectors && !element.closest('[part~="markdown"]') && selectors.some((selector) => element.matches(selector));
}

/** Anything in the DOM under `root` that could run, load, navigate or restyle. */
export function dangers(root: ParentNode): string[] {
  const found: string[] = [];
  for (const element of walk(root)) {
    const tag = element.localName;
    const name = `<${tag}>`;
    if (FORBIDDEN.has(tag) && !isOwnControl(element)) found.push(name);
    if (element.closest('[part~="markdown"]') && !MARKDOWN_TAGS.has(tag) && !element.matches('[part~="markdown"]')) found.push(`${name} in markdown`);
    for (const { name: attr, value } of element.attributes) {
      if (attr.startsWith("on")) found.push(`${name} ${attr}`);
      if (attr === "style" || attr === "srcdoc") found.push(`${name} ${attr}="${value}"`);
      if (!URL_ATTRIBUTES.includes(attr)) continue;
      if (!(tag === "a" && attr === "href")) {
        found.push(`${name} ${attr}="${value}"`);
        continue;
      }
      let protocol: string;
      try {
        protocol = new URL(value, document.baseURI).protocol;
      } catch {
        continue; // A URL that does not parse goes nowhere.
      }
      if (!SAFE_PROTOCOLS.has(protocol)) found.push(`${name} href="${value}"`);
      if (!/\bnoopener\b/.test(element.getAttribute("rel") ?? "")) found.push(`${name} href="${value}" without rel=noopener`);
    }
  }
  return found;
}
