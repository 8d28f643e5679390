// eslint for static/js (bin/test): the recommended rules, in the browser,
// for ES modules. The globals below come from scripts the pages load first:
// Django's JavaScript catalog (gettext...), SortableJS and Dropzone (npm).
import js from "@eslint/js";
import globals from "globals";

export default [
  js.configs.recommended,
  {
    files: ["static/js/**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: {
        ...globals.browser,
        gettext: "readonly",
        ngettext: "readonly",
        interpolate: "readonly",
        Sortable: "readonly",
        Dropzone: "readonly",
      },
    },
  },
];
