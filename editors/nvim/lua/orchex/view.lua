-- Showing the server's answers: readable JSON, tables of agents and tasks, scratch buffers.
local M = {}

local function is_list(value)
  if vim.islist then -- 0.10+; tbl_islist is deprecated there
    return vim.islist(value)
  end
  return vim.tbl_islist(value)
end

local function is_empty_dict(value)
  return getmetatable(value) == getmetatable(vim.empty_dict())
end

-- vim.json.encode writes one line; reports are read by people, so indent them.
function M.json(value, indent)
  indent = indent or ""
  if value == nil or value == vim.NIL then
    return "null"
  end
  if type(value) ~= "table" then
    return vim.json.encode(value)
  end
  local inner = indent .. "  "
  if next(value) == nil then
    return is_empty_dict(value) and "{}" or "[]"
  end
  local parts = {}
  if is_list(value) then
    for _, item in ipairs(value) do
      table.insert(parts, inner .. M.json(item, inner))
    end
    return "[\n" .. table.concat(parts, ",\n") .. "\n" .. indent .. "]"
  end
  local keys = vim.tbl_keys(value)
  table.sort(keys, function(a, b)
    return tostring(a) < tostring(b)
  end)
  for _, key in ipairs(keys) do
    table.insert(parts, inner .. vim.json.encode(tostring(key)) .. ": " .. M.json(value[key], inner))
  end
  return "{\n" .. table.concat(parts, ",\n") .. "\n" .. indent .. "}"
end

local function text(value)
  if value == nil or value == vim.NIL then
    return "-"
  end
  if type(value) == "table" then
    return vim.json.encode(value)
  end
  return tostring(value)
end

-- Rows of cells padded into columns.
local function columns(header, rows)
  local widths = {}
  for i, cell in ipairs(header) do
    widths[i] = vim.fn.strdisplaywidth(cell)
  end
  for _, row in ipairs(rows) do
    for i, cell in ipairs(row) do
      widths[i] = math.max(widths[i] or 0, vim.fn.strdisplaywidth(cell))
    end
  end
  local function line(row)
    local cells = {}
    for i, cell in ipairs(row) do
      cells[i] = cell .. string.rep(" ", widths[i] - vim.fn.strdisplaywidth(cell))
    end
    return (table.concat(cells, "  "):gsub("%s+$", ""))
  end
  local out = { line(header) }
  for _, row in ipairs(rows) do
    table.insert(out, line(row))
  end
  return out
end

function M.agents(result)
  local rows = {}
  for _, a in ipairs(result.agents or {}) do
    local healthy = a.healthy == true and "yes" or (a.healthy == false and "no" or text(a.healthy))
    table.insert(rows, { text(a.name), text(a.model), text(a.tier), healthy, text(a.circuit) })
  end
  local lines = { "orchex agents", "" }
  if #rows == 0 then
    table.insert(lines, "(no agents configured)")
  else
    vim.list_extend(lines, columns({ "NAME", "MODEL", "TIER", "HEALTHY", "CIRCUIT" }, rows))
  end
  if result.budget ~= nil then
    table.insert(lines, "")
    table.insert(lines, "budget:")
    vim.list_extend(lines, vim.split(M.json(result.budget), "\n"))
  end
  return lines
end

function M.history(result)
  local rows = {}
  for _, t in ipairs(result) do
    local cost = type(t.cost_usd) == "number" and string.format("$%.4f", t.cost_usd) or text(t.cost_usd)
    table.insert(rows, { text(t.id), text(t.status), text(t.task_type), text(t.agent), cost, text(t.created_at) })
  end
  local lines = { "orchex task history", "" }
  if #rows == 0 then
    table.insert(lines, "(no tasks yet)")
    return lines
  end
  vim.list_extend(lines, columns({ "ID", "STATUS", "TYPE", "AGENT", "COST", "CREATED" }, rows))
  return lines
end

--- Show `lines` in a scratch buffer named `name` (reused), in a split.
function M.scratch(name, lines, filetype)
  local bufnr = -1
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_get_name(buf) == name then
      bufnr = buf
    end
  end
  if bufnr == -1 then
    bufnr = vim.api.nvim_create_buf(false, true)
    vim.api.nvim_buf_set_name(bufnr, name)
    vim.bo[bufnr].bufhidden = "hide"
    vim.bo[bufnr].swapfile = false
  end
  vim.bo[bufnr].modifiable = true
  vim.api.nvim_buf_set_lines(bufnr, 0, -1, false, lines)
  vim.bo[bufnr].modifiable = false
  vim.bo[bufnr].filetype = filetype or ""
  local win = vim.fn.bufwinid(bufnr)
  if win == -1 then
    vim.cmd("split")
    vim.api.nvim_win_set_buf(0, bufnr)
  else
    vim.api.nvim_set_current_win(win)
  end
  return bufnr
end

return M
