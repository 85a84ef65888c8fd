-- The infrac language server for Neovim.
--
--   require("infrac").setup({ cmd = { "/path/to/infrac", "lsp" } })
--
-- Works on Neovim 0.7 (vim.lsp.start_client + buf_attach_client), 0.8-0.10
-- (vim.lsp.start) and 0.11+ (vim.lsp.config / vim.lsp.enable).
local M = {}

local defaults = {
  -- The command that starts the server.
  cmd = { "infrac", "lsp" },
  filetypes = { "infra" },
  -- A folder holding one of these is the workspace root; otherwise the
  -- folder of the file.
  root_markers = { ".git", "infrac.toml" },
  -- Passed to the client as is (capabilities, on_attach, settings, ...).
  capabilities = nil,
  on_attach = nil,
  settings = nil,
}

local function merge(base, overrides)
  local out = {}
  for k, v in pairs(base) do
    out[k] = v
  end
  for k, v in pairs(overrides or {}) do
    out[k] = v
  end
  return out
end

-- The first ancestor of `path` (a file) holding one of `markers`.
local function find_root(path, markers)
  local dir = vim.fn.fnamemodify(path, ":p:h")
  for _, marker in ipairs(markers) do
    local found = vim.fn.finddir(marker, dir .. ";")
    if found == "" then
      found = vim.fn.findfile(marker, dir .. ";")
    end
    if found ~= "" then
      return vim.fn.fnamemodify(found, ":p:h:h")
    end
  end
  return dir
end

local function binary_missing(cmd)
  if vim.fn.executable(cmd[1]) == 1 then
    return false
  end
  vim.notify(
    ("infrac: the language server binary %q was not found; install infrac or pass "
      .. "require('infrac').setup({ cmd = { '/path/to/infrac', 'lsp' } })"):format(cmd[1]),
    vim.log.levels.ERROR
  )
  return true
end

local function client_config(opts, root_dir)
  return {
    name = "infrac",
    cmd = opts.cmd,
    root_dir = root_dir,
    capabilities = opts.capabilities,
    on_attach = opts.on_attach,
    settings = opts.settings,
  }
end

-- Neovim 0.7: one client per root folder, attached to each buffer by hand.
local clients_by_root = {}
local function attach_legacy(opts, bufnr)
  local root = find_root(vim.api.nvim_buf_get_name(bufnr), opts.root_markers)
  local id = clients_by_root[root]
  if id == nil or vim.lsp.get_client_by_id(id) == nil then
    id = vim.lsp.start_client(client_config(opts, root))
    if id == nil then
      return
    end
    clients_by_root[root] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
end

local function attach_start(opts, bufnr)
  local root = find_root(vim.api.nvim_buf_get_name(bufnr), opts.root_markers)
  vim.lsp.start(client_config(opts, root), { bufnr = bufnr })
end

function M.setup(user_opts)
  local opts = merge(defaults, user_opts)
  if vim.filetype and vim.filetype.add then
    vim.filetype.add({ extension = { infra = "infra" } })
  end
  if binary_missing(opts.cmd) then
    return
  end

  if vim.lsp.config and vim.lsp.enable then
    local cfg = client_config(opts, nil)
    cfg.root_dir = nil
    cfg.filetypes = opts.filetypes
    cfg.root_markers = opts.root_markers
    vim.lsp.config("infrac", cfg)
    vim.lsp.enable("infrac")
    return
  end

  local attach = vim.lsp.start and attach_start or attach_legacy
  local group = vim.api.nvim_create_augroup("infrac_lsp", { clear = true })
  vim.api.nvim_create_autocmd("FileType", {
    group = group,
    pattern = opts.filetypes,
    callback = function(args)
      attach(opts, args.buf)
    end,
  })
  -- Buffers opened before setup() ran.
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.tbl_contains(opts.filetypes, vim.bo[bufnr].filetype) then
      attach(opts, bufnr)
    end
  end
end

return M
