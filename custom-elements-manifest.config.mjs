/** `cem analyze` writes custom-elements.json: the element's attributes, properties, events, parts and custom properties. */
export default {
  globs: ["src/components/**/*.ts"],
  exclude: ["src/components/views/**"],
  outdir: ".",
  litelement: true,
};
