-- User commands: each one is a `workspace/executeCommand` to the server, its answer shown
-- in a notification, the quickfix list or a scratch buffer.
local view = require("orchex.view")

local M = {}

-- The server's refactoring ids (`orchex refactor --list --json`), for completion only:
-- the server checks the id and says what it knows when it does not know one.
M.refactorings = {
  "extract-function",
  "extract-variable",
  "inline-variable",
  "guard-clause",
  "merge-nested-ifs",
  "remove-redundant-else",
  "elif-chain",
  "simplify-boolean-return",
  "use-any-all",
  "loop-to-comprehension",
  "inline-returned-variable",
  "remove-unreachable-code",
  "extract-duplicate",
}

local function orchex()
  return require("orchex")
end

local function notify(message, level)
  vim.notify("orchex: " .. message, level or vim.log.levels.INFO)
end

--- Run a server command; `on_result(result)` gets its answer. Errors are shown, not raised.
function M.execute(command, arguments, on_result, bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local client = orchex().client(bufnr)
  if not client then
    notify("the server is not running (open a Python file first)", vim.log.levels.WARN)
    return false
  end
  local params = { command = command, arguments = arguments or {} }
  orchex().request(client, "workspace/executeCommand", params, function(err, result)
    if err then
      notify(command .. " failed: " .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
      return
    end
    if on_result then
      on_result(result, client)
    end
  end, bufnr)
  return true
end

local function position_encoding(client)
  return client and client.offset_encoding or "utf-16"
end

-- The LSP range a command acts on: the visual/line range it was given, else the cursor
-- (as a point, or its whole line with `whole_line`).
function M.target_range(cmd_opts, whole_line)
  local bufnr = vim.api.nvim_get_current_buf()
  local client = orchex().client(bufnr)
  local encoding = position_encoding(client)
  local function line_length(row)
    local line = vim.api.nvim_buf_get_lines(bufnr, row, row + 1, false)[1] or ""
    return vim.lsp.util.character_offset(bufnr, row, #line, encoding)
  end
  if cmd_opts and cmd_opts.range and cmd_opts.range > 0 then
    local first, last = cmd_opts.line1 - 1, cmd_opts.line2 - 1
    -- Called from visual mode (`:'<,'>`): keep the selection's columns, unless it was linewise.
    local vstart, vend = vim.api.nvim_buf_get_mark(bufnr, "<"), vim.api.nvim_buf_get_mark(bufnr, ">")
    if vstart[1] - 1 == first and vend[1] - 1 == last and vim.fn.visualmode() == "v" then
      local params = vim.lsp.util.make_given_range_params(vstart, vend, bufnr, encoding)
      return params.range
    end
    return { start = { line = first, character = 0 }, ["end"] = { line = last, character = line_length(last) } }
  end
  local row, col = unpack(vim.api.nvim_win_get_cursor(0))
  row = row - 1
  if whole_line then
    return { start = { line = row, character = 0 }, ["end"] = { line = row, character = line_length(row) } }
  end
  local character = vim.lsp.util.character_offset(bufnr, row, col, encoding)
  return { start = { line = row, character = character }, ["end"] = { line = row, character = character } }
end

local function summary_line(result)
  local parts = {}
  for code, n in pairs(result.findings or {}) do
    table.insert(parts, string.format("%s×%d", code, n))
  end
  table.sort(parts)
  local findings = #parts > 0 and table.concat(parts, ", ") or "no findings"
  return string.format("%d files, score %s (%s); %s", result.files or 0, tostring(result.score), tostring(result.grade), findings)
end

function M.analyze_workspace()
  notify("analysing the workspace…")
  return M.execute("orchex.analyzeWorkspace", {}, function(result)
    M.last_analysis = result
    notify(summary_line(result or {}))
  end)
end

function M.report(cmd_opts)
  local bufnr = vim.api.nvim_get_current_buf()
  local arguments = {}
  local is_file = vim.bo[bufnr].buftype == "" and vim.api.nvim_buf_get_name(bufnr) ~= ""
  if not (cmd_opts and cmd_opts.bang) and is_file then
    arguments = { vim.uri_from_bufnr(bufnr) }
  end
  return M.execute("orchex.report", arguments, function(result)
    view.scratch("orchex://report", vim.split(view.json(result), "\n"), "json")
  end, bufnr)
end

function M.hotspots(cmd_opts)
  local limit = tonumber(cmd_opts and cmd_opts.args or "")
  return M.execute("orchex.hotspots", limit and { limit } or {}, function(result)
    local items = {}
    for _, h in ipairs(result or {}) do
      local path = h.path
      if h.root and not path:match("^/") then
        path = h.root .. "/" .. path
      end
      table.insert(items, {
        filename = path,
        lnum = 1,
        text = string.format("score %.1f: %d commits, %d lines changed, %d authors, complexity %d",
          h.score or 0, h.commits or 0, h.lines_changed or 0, h.authors or 0, h.complexity or 0),
      })
    end
    if #items == 0 then
      notify("no hotspots (is the workspace a git repository?)")
      return
    end
    vim.fn.setqflist({}, " ", { title = "orchex hotspots", items = items })
    vim.cmd("copen")
  end)
end

function M.apply_refactoring(cmd_opts)
  local rule = vim.trim(cmd_opts.args or "")
  if rule == "" then
    notify("name a refactoring, e.g. :OrchexApplyRefactoring guard-clause", vim.log.levels.WARN)
    return false
  end
  local bufnr = vim.api.nvim_get_current_buf()
  local argument = { uri = vim.uri_from_bufnr(bufnr), range = M.target_range(cmd_opts, false), refactoring = rule }
  return M.execute("orchex.applyRefactoring", { argument }, function(result)
    M.last_refactoring = result
    if result and result.applied then
      notify(result.title or (rule .. " applied"))
    else
      notify(rule .. " not applied: " .. tostring(result and result.reason or "no reason given"), vim.log.levels.WARN)
    end
  end, bufnr)
end

function M.refactor_ai(cmd_opts)
  local bufnr = vim.api.nvim_get_current_buf()
  local range = M.target_range(cmd_opts, true)
  local uri = vim.uri_from_bufnr(bufnr)
  local function send(instruction)
    local argument = { uri = uri, range = range }
    if instruction and instruction ~= "" then
      argument.instruction = instruction
    end
    M.execute("orchex.refactorWithAI", { argument }, function(result)
      M.last_ai = result
      if result and result.applied then
        local cost = result.cost_usd and string.format(" ($%.4f)", result.cost_usd) or ""
        notify("refactored by " .. tostring(result.agent or "an agent") .. cost)
      else
        notify("AI refactoring not applied: " .. tostring(result and result.reason or "no reason given"), vim.log.levels.WARN)
      end
    end, bufnr)
  end
  local given = vim.trim(cmd_opts and cmd_opts.args or "")
  if given ~= "" then
    send(given)
    return
  end
  vim.ui.input({ prompt = "Refactor with AI (instruction, empty for the default): " }, function(input)
    if input == nil then
      return -- cancelled
    end
    send(input)
  end)
end

function M.agents()
  return M.execute("orchex.agentStatus", {}, function(result)
    view.scratch("orchex://agents", view.agents(result or {}), "orchex")
  end)
end

function M.history(cmd_opts)
  local limit = tonumber(cmd_opts and cmd_opts.args or "")
  return M.execute("orchex.history", limit and { limit } or {}, function(result)
    view.scratch("orchex://history", view.history(result or {}), "orchex")
  end)
end

local function complete_refactoring(lead)
  return vim.tbl_filter(function(id)
    return id:find(lead, 1, true) == 1
  end, M.refactorings)
end

function M.register()
  local create = vim.api.nvim_create_user_command
  create("OrchexAnalyzeWorkspace", M.analyze_workspace, { desc = "orchex: analyse the whole workspace" })
  create("OrchexReport", M.report, { bang = true, desc = "orchex: JSON report of this file (! for the workspace)" })
  create("OrchexHotspots", M.hotspots, { nargs = "?", desc = "orchex: churn × complexity hotspots into the quickfix list" })
  create("OrchexApplyRefactoring", M.apply_refactoring, {
    nargs = 1, range = true, complete = complete_refactoring,
    desc = "orchex: apply one refactoring at the cursor or on the range",
  })
  create("OrchexRefactorAI", M.refactor_ai, {
    nargs = "?", range = true, desc = "orchex: refactor the range (or cursor line) with an AI agent",
  })
  create("OrchexAgents", M.agents, { desc = "orchex: agents, health, circuits and budget" })
  create("OrchexHistory", M.history, { nargs = "?", desc = "orchex: recent agent tasks" })
end

return M
