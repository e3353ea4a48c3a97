/**
 * `cem analyze` writes custom-elements.json: the element's attributes, properties, events, parts and
 * custom properties, read from the class's JSDoc, plus the public modules beside it. Controllers,
 * templates, styles and views are internals: every part they render is documented on the class.
 */
export default {
  globs: ["src/components/{index,define,sandbox-workspace,sandbox-workspace.events,markdown}.ts"],
  outdir: ".",
  litelement: true,
};
