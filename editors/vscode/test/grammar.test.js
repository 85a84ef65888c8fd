// Tokenizes a sample with the TextMate grammar (vscode-textmate, the
// engine VS Code uses) and checks the scopes of chosen tokens.
// Run: npm test (after npm ci).
const fs = require("fs");
const path = require("path");
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const wasm = fs.readFileSync(path.join(path.dirname(require.resolve("vscode-oniguruma")), "onig.wasm"));
const onigLib = oniguruma.loadWASM(wasm.buffer).then(() => ({
  createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
  createOnigString: (s) => new oniguruma.OnigString(s),
}));
const registry = new vsctm.Registry({
  onigLib,
  loadGrammar: async () =>
    vsctm.parseRawGrammar(fs.readFileSync(path.join(__dirname, "..", "syntaxes", "infra.tmLanguage.json"), "utf8"), "infra.json"),
});

const sample = [
  "/// Ensure `path` is a directory.",
  "pub op directory(path: str, mode: int? = none) changes facts.file(path) {",
  '  let f = facts.file(path) // read live',
  '  if f == none { run(sh"mkdir -p -- {path}") }',
  '  run(sh"chmod {mode:o} -- {path}", check: false)',
  '  fail "bad {f?.kind} \\n"',
  "  let n = 0o755 + 0x1f + 1_000 + 2.5e3",
  "}",
  "/* a /* nested */ comment */",
];

// [line, token text, a scope the token must carry]
const expectations = [
  [0, " Ensure `path` is a directory.", "comment.line.documentation.infra"],
  [1, "op", "keyword.declaration.function.infra"],
  [1, "directory", "entity.name.function.infra"],
  [1, "int", "support.type.primitive.infra"],
  [1, "none", "constant.language.infra"],
  [1, "changes", "keyword.control.infra"],
  [1, "facts", "variable.language.facts.infra"],
  [1, "file", "support.function.fact.infra"],
  [2, " read live", "comment.line.double-slash.infra"],
  [3, "sh", "storage.type.string.command.infra"],
  [3, "path", "meta.interpolation.infra"],
  [4, "o", "storage.modifier.format.infra"],
  [4, "check", "variable.parameter.infra"],
  [5, "fail", "keyword.control.infra"],
  [5, "\\n", "constant.character.escape.infra"],
  [6, "0o755", "constant.numeric.octal.infra"],
  [6, "0x1f", "constant.numeric.hex.infra"],
  [6, "1_000", "constant.numeric.integer.infra"],
  [6, "2.5e3", "constant.numeric.float.infra"],
  [8, " comment ", "comment.block.infra"],
];

(async () => {
  const grammar = await registry.loadGrammar("source.infra");
  let state = vsctm.INITIAL;
  const lines = sample.map((text) => {
    const result = grammar.tokenizeLine(text, state);
    state = result.ruleStack;
    return result.tokens.map((t) => ({ text: text.slice(t.startIndex, t.endIndex), scopes: t.scopes }));
  });
  let failed = 0;
  for (const [line, text, scope] of expectations) {
    const token = lines[line].find((t) => t.text === text && t.scopes.includes(scope));
    if (!token) {
      failed++;
      const seen = lines[line].filter((t) => t.text === text).map((t) => t.scopes.join(" "));
      console.log(`FAIL line ${line}: ${JSON.stringify(text)} lacks ${scope}; has: ${seen.join(" | ") || "no such token"}`);
    }
  }
  console.log(failed ? `${failed} of ${expectations.length} failed` : `all ${expectations.length} scopes ok`);
  process.exit(failed ? 1 : 0);
})();
