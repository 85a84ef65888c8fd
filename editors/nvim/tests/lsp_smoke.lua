-- Headless Neovim against `infrac lsp`, through this plugin's setup():
-- diagnostics on open, completion, hover, and diagnostics after an edit.
-- Works on Neovim 0.7 (Debian 12) and later. Run:
--   INFRAC_BIN=... INFRA_FILE=... OUT=... nvim --headless --clean \
--     --cmd "set rtp^=editors/nvim" -c "luafile editors/nvim/tests/lsp_smoke.lua"
-- Writes one result per line to $OUT and exits 0 on success, 1 on failure.
local bin, file, out = os.getenv("INFRAC_BIN"), os.getenv("INFRA_FILE"), os.getenv("OUT")
local lines, ok = {}, true
local function say(s)
  table.insert(lines, s)
end
local function check(cond, what)
  if not cond then
    ok = false
    say("FAIL " .. what)
  end
end

require("infrac").setup({ cmd = { bin, "lsp" } })
vim.cmd("edit " .. file)
local buf = vim.api.nvim_get_current_buf()
say("filetype " .. vim.bo[buf].filetype)

local function errors()
  local n = 0
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    if d.severity == vim.diagnostic.severity.ERROR then
      n = n + 1
    end
  end
  return n
end

check(vim.wait(20000, function() return errors() > 0 end, 50), "diagnostics on open")
local diags = vim.diagnostic.get(buf)
table.sort(diags, function(a, b) return a.lnum < b.lnum or (a.lnum == b.lnum and a.col < b.col) end)
for _, d in ipairs(diags) do
  say(("diagnostic %d:%d %s"):format(d.lnum, d.col, (d.message:gsub("\n", " | "))))
end

local uri = vim.uri_from_bufnr(buf)
local function request(method, line, character)
  local params = { textDocument = { uri = uri }, position = { line = line, character = character } }
  local responses = vim.lsp.buf_request_sync(buf, method, params, 10000) or {}
  for _, r in pairs(responses) do
    if r.error then
      check(false, method .. " error " .. vim.inspect(r.error))
    end
    if r.result then
      return r.result
    end
  end
  return nil
end

-- `  let f = facts.file(...)`: complete after `facts.`.
local completion = request("textDocument/completion", 5, 16) or {}
local items = completion.items or completion
local labels = {}
for _, item in ipairs(items) do
  labels[item.label] = true
end
check(labels["file"] and labels["os"], "completion after facts.")
say("completion has file, os: " .. tostring(labels["file"] ~= nil and labels["os"] ~= nil))

local hover = request("textDocument/hover", 5, 6)
local hover_text = hover and hover.contents and (hover.contents.value or hover.contents) or ""
check(type(hover_text) == "string" and hover_text:find("let f: File?", 1, true) ~= nil, "hover on f")
say("hover " .. (type(hover_text) == "string" and hover_text:gsub("\n", " | ") or vim.inspect(hover_text)))

-- Fix the typo (line 6): didChange, then the error goes away.
vim.api.nvim_buf_set_lines(buf, 6, 7, false, { '  files.directory("/tmp/x")' })
check(vim.wait(20000, function() return errors() == 0 end, 50), "no errors after the fix")
say("errors after the fix: " .. errors())

say(ok and "PASS" or "FAIL")
vim.fn.writefile(lines, out)
vim.cmd(ok and "qa!" or "cq!")
