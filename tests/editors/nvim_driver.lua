-- Drives a real headless Neovim through the orchex plugin, step by step, and writes what
-- happened to $ORCHEX_RESULT (JSON) for test_neovim.py to judge. Runs on Neovim 0.7+:
-- started with `-c 'luafile nvim_driver.lua'` (0.7 has no `-l` for Lua).
local result_path = assert(os.getenv("ORCHEX_RESULT"), "ORCHEX_RESULT not set")
local plugin = assert(os.getenv("ORCHEX_PLUGIN"), "ORCHEX_PLUGIN not set")
local python = assert(os.getenv("ORCHEX_PYTHON"), "ORCHEX_PYTHON not set")
local file = assert(os.getenv("ORCHEX_FILE"), "ORCHEX_FILE not set")
local log_file = os.getenv("ORCHEX_LOG")
local WAIT_MS = tonumber(os.getenv("ORCHEX_WAIT_MS") or "15000")

local out = { version = tostring(vim.version().major .. "." .. vim.version().minor .. "." .. vim.version().patch),
  steps = {}, notifications = {}, failed = nil }

local function write_result()
  local fh = assert(io.open(result_path, "w"))
  fh:write(vim.json.encode(out))
  fh:close()
end

-- Every message the plugin or Neovim shows goes here as well.
local real_notify = vim.notify
vim.notify = function(msg, level, opts)
  table.insert(out.notifications, tostring(msg))
  return real_notify(msg, level, opts)
end

local function step(name, fn)
  if out.failed then
    return
  end
  local ok, detail = pcall(fn)
  out.steps[name] = { ok = ok and detail ~= false, detail = ok and detail or tostring(detail) }
  if not out.steps[name].ok then
    out.failed = name
  end
end

local function wait(what, cond)
  if not vim.wait(WAIT_MS, cond, 50) then
    error("timed out waiting for " .. what)
  end
end

local function buffer_text(bufnr)
  return table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), "\n")
end

local function find_line(bufnr, pattern)
  for i, line in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)) do
    if line:match(pattern) then
      return i
    end
  end
  error("no line matches " .. pattern)
end

local function orchex_codes(bufnr)
  local codes = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if d.source == "orchex" and type(d.code) == "string" then
      codes[d.code] = true
    end
  end
  local list = vim.tbl_keys(codes)
  table.sort(list)
  return list
end

-- window/showMessageRequest (the server's escalation prompt) would wait for a person:
-- record it and dismiss.
out.message_requests = {}
vim.lsp.handlers["window/showMessageRequest"] = function(_, params)
  table.insert(out.message_requests, params.message)
  return vim.NIL
end

local bufnr
local orchex

step("setup", function()
  vim.opt.runtimepath:prepend(plugin)
  vim.opt.swapfile = false
  vim.cmd("filetype on")
  orchex = require("orchex")
  local server_args = log_file and { "--log-file", log_file, "--log-level", "INFO" } or {}
  orchex.setup({
    interpreter = python,
    server_args = server_args,
    -- Forwarded settings: parameters=10 silences OCX105 (7 parameters) if they arrive.
    settings = { thresholds = { parameters = 10 }, ["debounce-ms"] = 50 },
    use_lsp_config = os.getenv("ORCHEX_USE_LSP_CONFIG") ~= "0" and "auto" or false,
  })
  local path = orchex.modern and "vim.lsp.config" or (vim.lsp.start and "vim.lsp.start" or "vim.lsp.start_client")
  return { path = path, cmd = orchex.command() }
end)

step("server_started", function()
  vim.cmd("edit " .. vim.fn.fnameescape(file))
  bufnr = vim.api.nvim_get_current_buf()
  wait("the orchex client to attach", function()
    return #orchex.clients(bufnr) > 0
  end)
  local client = orchex.clients(bufnr)[1]
  wait("the server to initialize", function()
    return client.initialized ~= false and (client.server_capabilities or client.resolved_capabilities) ~= nil
  end)
  return { client = client.name, root = client.config.root_dir, encoding = client.offset_encoding }
end)

step("diagnostics", function()
  wait("OCX diagnostics", function()
    return #orchex_codes(bufnr) > 0
  end)
  -- A settled set: the settings may land after the first analysis.
  vim.wait(500, function() return false end)
  wait("OCX105 to go once the editor settings apply", function()
    return not vim.tbl_contains(orchex_codes(bufnr), "OCX105")
  end)
  return orchex_codes(bufnr)
end)

step("code_action_list", function()
  local line = find_line(bufnr, "^%s+if x:")
  vim.api.nvim_win_set_cursor(0, { line, 8 })
  local params = vim.lsp.util.make_range_params(0, orchex.clients(bufnr)[1].offset_encoding)
  params.context = { diagnostics = {} }
  local responses = vim.lsp.buf_request_sync(bufnr, "textDocument/codeAction", params, WAIT_MS)
  local titles = {}
  for _, response in pairs(responses or {}) do
    if response.err then
      error("codeAction failed: " .. vim.inspect(response.err))
    end
    for _, action in ipairs(response.result or {}) do
      table.insert(titles, action.title)
    end
  end
  return titles
end)

step("code_action_apply", function()
  local before = buffer_text(bufnr)
  local chosen
  -- What a person does: :lua vim.lsp.buf.code_action() and pick the guard clause.
  vim.ui.select = function(items, opts, on_choice)
    for _, item in ipairs(items) do
      local title = opts.format_item and opts.format_item(item) or tostring(item)
      if title:match("guard clause") then
        chosen = title
        return on_choice(item)
      end
    end
    on_choice(nil)
  end
  vim.lsp.buf.code_action()
  wait("the guard-clause edit", function()
    return buffer_text(bufnr) ~= before
  end)
  return { title = chosen, text = buffer_text(bufnr) }
end)

step("apply_refactoring_command", function()
  local before = buffer_text(bufnr)
  -- The `else:` holding only an `if`, in classify().
  local line = find_line(bufnr, "^    else:$")
  vim.api.nvim_win_set_cursor(0, { line, 4 })
  vim.cmd("OrchexApplyRefactoring elif-chain")
  local commands = require("orchex.commands")
  wait("orchex.applyRefactoring's answer", function()
    return commands.last_refactoring ~= nil
  end)
  wait("the elif-chain edit", function()
    return buffer_text(bufnr) ~= before
  end)
  return { answer = commands.last_refactoring, text = buffer_text(bufnr) }
end)

step("ranges", function()
  -- The ranges the commands send: cursor point, cursor line, line range, charwise visual.
  local commands = require("orchex.commands")
  vim.api.nvim_set_current_buf(bufnr)
  local line = find_line(bufnr, "^def classify")
  vim.api.nvim_win_set_cursor(0, { line, 4 })
  local point = commands.target_range({ range = 0 }, false)
  local whole = commands.target_range({ range = 0 }, true)
  local lines = commands.target_range({ range = 2, line1 = line, line2 = line + 1 }, false)
  -- `v` from column 4 of `def classify(n):` to column 11 of the next line.
  vim.cmd("normal! 0" .. "4lvj07l\27")
  local visual = commands.target_range({ range = 2, line1 = line, line2 = line + 1 }, false)
  return { line = line - 1, point = point, whole = whole, lines = lines, visual = visual }
end)

step("analyze_workspace", function()
  vim.cmd("OrchexAnalyzeWorkspace")
  local commands = require("orchex.commands")
  wait("orchex.analyzeWorkspace's answer", function()
    return commands.last_analysis ~= nil
  end)
  return commands.last_analysis
end)

local function scratch_text(name)
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_get_name(buf) == name then
      return buffer_text(buf)
    end
  end
end

step("report", function()
  vim.api.nvim_set_current_buf(bufnr)
  vim.cmd("OrchexReport")
  wait("the report buffer", function()
    return scratch_text("orchex://report") ~= nil
  end)
  return vim.json.decode(scratch_text("orchex://report"))
end)

step("hotspots", function()
  vim.api.nvim_set_current_buf(bufnr)
  vim.fn.setqflist({}, "r", { title = "none", items = {} })
  vim.cmd("OrchexHotspots 5")
  wait("the hotspots in the quickfix list", function()
    return #vim.fn.getqflist() > 0
  end)
  local items = {}
  for _, item in ipairs(vim.fn.getqflist()) do
    table.insert(items, { file = vim.api.nvim_buf_get_name(item.bufnr), text = item.text })
  end
  return items
end)

-- Commands the server may not have yet (issue 6): each must reach the server and come back
-- as either its answer or its error, shown to the user.
local function round_trip(command, view_name)
  local before = #out.notifications
  vim.api.nvim_set_current_buf(bufnr)
  vim.cmd(command)
  wait(command .. "'s answer or error", function()
    if view_name and scratch_text(view_name) then
      return true
    end
    for i = before + 1, #out.notifications do
      if out.notifications[i]:match("^orchex:") then
        return true
      end
    end
    return false
  end)
  return { view = view_name and scratch_text(view_name) or vim.NIL,
    messages = vim.list_slice(out.notifications, before + 1) }
end

step("agents", function()
  return round_trip("OrchexAgents", "orchex://agents")
end)

step("history", function()
  return round_trip("OrchexHistory 5", "orchex://history")
end)

step("refactor_ai", function()
  local asked
  vim.ui.input = function(opts, on_confirm)
    asked = opts.prompt
    on_confirm("reduce the nesting")
  end
  local line = find_line(bufnr, "^def tangled")
  vim.api.nvim_win_set_cursor(0, { line, 0 })
  local trip = round_trip("OrchexRefactorAI", nil)
  trip.prompt = asked
  return trip
end)

step("settings_change", function()
  -- Settings changed at run time: didChangeConfiguration, then the server asks
  -- workspace/configuration; a nesting threshold of 10 must silence OCX103.
  if not vim.tbl_contains(orchex_codes(bufnr), "OCX103") then
    error("OCX103 missing before the change: " .. vim.inspect(orchex_codes(bufnr)))
  end
  orchex.set_settings({ thresholds = { parameters = 10, nesting = 10 }, ["debounce-ms"] = 50 })
  wait("OCX103 to go after set_settings()", function()
    return not vim.tbl_contains(orchex_codes(bufnr), "OCX103")
  end)
  return orchex_codes(bufnr)
end)

step("status", function()
  -- What the server sent by itself (issue 6 adds it), then the handler fed as the server
  -- would feed it, through the client's own handler table.
  local from_server = orchex.status_data()
  local client = orchex.clients(bufnr)[1]
  local handlers = client.handlers or client.config.handlers
  local handler = handlers["orchex/status"]
  if not handler then
    error("no orchex/status handler on the client")
  end
  handler(nil, { agents = { healthy = 2, total = 3 }, tasks = { running = 1 }, cost = { today_usd = 0.5 } },
    { method = "orchex/status", client_id = client.id })
  return { from_server = from_server or vim.NIL, text = orchex.status() }
end)

write_result()
vim.cmd("qa!")
