-- orchex.nvim: a thin client for the orchex language server (code health, verified
-- refactorings, AI agents). All logic lives in the server; this starts it for Python
-- buffers, forwards settings, offers the commands and keeps the `orchex/status` it sends.
--
-- Neovim 0.11+ goes through vim.lsp.config/vim.lsp.enable; 0.7-0.10 through a FileType
-- autocmd and vim.lsp.start (0.8+) or vim.lsp.start_client (0.7).
local M = {}

M.name = "orchex"

local defaults = {
  cmd = nil, -- full command (list); overrides interpreter and server_args
  interpreter = nil, -- Python with orchex-ls installed; default $VIRTUAL_ENV's, else python3
  server_args = {}, -- extra arguments after `-m orchex_ls`, e.g. { "--log-file", "/tmp/ox.log" }
  settings = {}, -- the `orchex` section: debounce-ms, thresholds, select, ignore, ...
  root_markers = { "pyproject.toml", ".orchex.toml", "setup.py", ".git" },
  filetypes = { "python" },
  on_attach = nil, -- function(client, bufnr)
  capabilities = nil, -- merged over Neovim's own client capabilities
  status_format = nil, -- function(status) -> string, for require("orchex").status()
  -- nil: vim.lsp.config/enable where Neovim has them (0.11+); false: the FileType autocmd
  -- and vim.lsp.start, as on older versions (e.g. to manage the client yourself).
  use_lsp_config = nil,
}

M.options = vim.deepcopy(defaults)

local state = {
  status = nil, -- the last `orchex/status` params
}

local function has(version)
  return vim.fn.has("nvim-" .. version) == 1
end

M.has_lsp_config = has("0.11") and vim.lsp.config ~= nil and type(vim.lsp.enable) == "function"
M.modern = M.has_lsp_config

-- An empty Lua table encodes as a JSON array; the server wants an object.
local function as_object(tbl)
  if type(tbl) ~= "table" or next(tbl) == nil then
    return vim.empty_dict()
  end
  return tbl
end

local function sep()
  return package.config:sub(1, 1)
end

local function default_interpreter()
  local venv = vim.env.VIRTUAL_ENV
  if venv and venv ~= "" then
    local unix = venv .. "/bin/python"
    local windows = venv .. "\\Scripts\\python.exe"
    if vim.fn.executable(unix) == 1 then
      return unix
    elseif vim.fn.executable(windows) == 1 then
      return windows
    end
  end
  return vim.fn.executable("python3") == 1 and "python3" or "python"
end

function M.command()
  local o = M.options
  if o.cmd then
    return vim.deepcopy(o.cmd)
  end
  local cmd = { o.interpreter or default_interpreter(), "-m", "orchex_ls" }
  vim.list_extend(cmd, o.server_args or {})
  return cmd
end

-- ---------------------------------------------------------------------------------
-- Status (`orchex/status`, sent by the server when it changes)
-- ---------------------------------------------------------------------------------

local function on_status(_, params)
  if type(params) ~= "table" then
    return
  end
  state.status = params
  -- Let statuslines and user code react; redraw so a visible statusline updates now.
  vim.schedule(function()
    vim.cmd("silent! doautocmd <nomodeline> User OrchexStatus")
    vim.cmd("redrawstatus!")
  end)
end

local function number(v)
  return type(v) == "number" and v or 0
end

--- The last status the server sent, as it sent it (nil before the first).
function M.status_data()
  return state.status
end

--- A short text for a statusline; "" until the server has sent a status.
function M.status()
  local s = state.status
  if not s then
    return ""
  end
  if M.options.status_format then
    return M.options.status_format(s)
  end
  local agents, tasks, cost = s.agents or {}, s.tasks or {}, s.cost or {}
  local text = string.format("orchex %d/%d agents", number(agents.healthy), number(agents.total))
  if number(tasks.running) > 0 then
    text = text .. string.format(", %d running", tasks.running)
  end
  return text .. string.format(", $%.2f today", number(cost.today_usd))
end

-- Neovim 0.10+ pulls diagnostics but (up to 0.12) cannot be asked to pull again, so after a
-- settings change the new findings would wait for the next edit. We answer the server's
-- `workspace/diagnostic/refresh` by pulling for each attached buffer.
local function on_diagnostic_refresh(_, _, ctx)
  local client = vim.lsp.get_client_by_id(ctx.client_id)
  for bufnr in pairs(client and client.attached_buffers or {}) do
    if vim.api.nvim_buf_is_loaded(bufnr) then
      local params = { textDocument = vim.lsp.util.make_text_document_params(bufnr) }
      M.request(client, "textDocument/diagnostic", params, nil, bufnr)
    end
  end
  return vim.NIL
end

local own_refresh = vim.lsp.handlers["workspace/diagnostic/refresh"] == nil
  and vim.lsp.handlers["textDocument/diagnostic"] ~= nil

M.handlers = {
  ["orchex/status"] = on_status,
}
if own_refresh then
  M.handlers["workspace/diagnostic/refresh"] = on_diagnostic_refresh
end

-- ---------------------------------------------------------------------------------
-- Clients
-- ---------------------------------------------------------------------------------

--- The orchex clients, those attached to `bufnr` if given.
function M.clients(bufnr)
  if vim.lsp.get_clients then -- 0.10+
    return vim.lsp.get_clients({ name = M.name, bufnr = bufnr })
  end
  local found = {}
  local all = bufnr and vim.lsp.buf_get_clients(bufnr) or vim.lsp.get_active_clients()
  for _, client in pairs(all) do
    if client.name == M.name then
      table.insert(found, client)
    end
  end
  return found
end

--- The client for the current buffer, else any running orchex client.
function M.client(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  return M.clients(bufnr)[1] or M.clients()[1]
end

--- A request that works on both sides of 0.11's switch to method calls.
function M.request(client, method, params, handler, bufnr)
  if has("0.11") then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

function M.notify(client, method, params)
  if has("0.11") then
    return client:notify(method, params)
  end
  return client.notify(method, params)
end

local function client_settings()
  return { orchex = as_object(M.options.settings) }
end

--- Replace the `orchex` settings of running clients; the server re-reads them at once.
function M.set_settings(settings)
  M.options.settings = settings or {}
  local wrapped = client_settings()
  for _, client in ipairs(M.clients()) do
    if client.settings then
      client.settings = wrapped
    end
    client.config.settings = wrapped
    M.notify(client, "workspace/didChangeConfiguration", { settings = wrapped })
  end
end

local function capabilities()
  local caps = vim.lsp.protocol.make_client_capabilities()
  -- 0.7 answers workspace/configuration without announcing it; without this the server
  -- would only see initializationOptions.
  caps.workspace = caps.workspace or {}
  caps.workspace.configuration = true
  if own_refresh then
    caps.workspace.diagnostics = vim.tbl_extend("force", caps.workspace.diagnostics or {}, { refreshSupport = true })
  end
  if M.options.capabilities then
    caps = vim.tbl_deep_extend("force", caps, M.options.capabilities)
  end
  return caps
end

local function on_exit()
  -- A status from a server that is gone would mislead.
  if #M.clients() <= 1 then
    state.status = nil
    vim.schedule(function()
      vim.cmd("redrawstatus!")
    end)
  end
end

local function client_config()
  return {
    name = M.name,
    cmd = M.command(),
    filetypes = M.options.filetypes,
    root_markers = M.options.root_markers,
    init_options = { settings = as_object(M.options.settings) },
    settings = client_settings(),
    handlers = M.handlers,
    capabilities = capabilities(),
    on_attach = M.options.on_attach,
    on_exit = on_exit,
  }
end

-- Root: the nearest folder upward holding a marker, else the file's own folder.
local function find_root(bufnr)
  local name = vim.api.nvim_buf_get_name(bufnr)
  local dir = name ~= "" and vim.fn.fnamemodify(name, ":p:h") or vim.fn.getcwd()
  local current = dir
  while current and current ~= "" do
    for _, marker in ipairs(M.options.root_markers) do
      local candidate = current .. sep() .. marker
      if vim.fn.filereadable(candidate) == 1 or vim.fn.isdirectory(candidate) == 1 then
        return current
      end
    end
    local parent = vim.fn.fnamemodify(current, ":h")
    if parent == current then
      break
    end
    current = parent
  end
  return dir
end

-- 0.7 has no vim.lsp.start: one client per root, attached to each buffer under it.
local started = {} -- root -> client id

local function start_client(config, bufnr)
  local id = started[config.root_dir]
  if not (id and vim.lsp.get_client_by_id(id)) then
    id = vim.lsp.start_client(config)
    if not id then
      vim.notify("orchex: could not start " .. table.concat(config.cmd, " "), vim.log.levels.ERROR)
      return
    end
    started[config.root_dir] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
end

local function start_legacy(bufnr)
  if vim.bo[bufnr].buftype ~= "" then
    return
  end
  local config = client_config()
  config.root_markers, config.filetypes = nil, nil
  config.root_dir = find_root(bufnr)
  config.workspace_folders = {
    { uri = vim.uri_from_fname(config.root_dir), name = config.root_dir },
  }
  if vim.lsp.start then -- 0.8-0.10
    vim.lsp.start(config, { bufnr = bufnr })
  else
    start_client(config, bufnr)
  end
end

--- Start the server for Python buffers. Call once, from your init file.
function M.setup(opts)
  M.options = vim.tbl_deep_extend("force", vim.deepcopy(defaults), opts or {})
  if opts and opts.settings then
    M.options.settings = opts.settings -- taken whole: lists must not merge with defaults
  end
  if opts and opts.root_markers then
    M.options.root_markers = opts.root_markers
  end

  require("orchex.commands").register()

  M.modern = M.has_lsp_config and M.options.use_lsp_config ~= false
  if M.modern then
    vim.lsp.config(M.name, client_config())
    vim.lsp.enable(M.name)
    return
  end

  local group = vim.api.nvim_create_augroup("orchex", { clear = true })
  vim.api.nvim_create_autocmd("FileType", {
    group = group,
    pattern = M.options.filetypes,
    callback = function(args)
      start_legacy(args.buf)
    end,
  })
  -- Buffers already open when setup() runs (e.g. `nvim file.py -c 'lua ...'`).
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(buf) and vim.tbl_contains(M.options.filetypes, vim.bo[buf].filetype) then
      start_legacy(buf)
    end
  end
end

return M
