-- Headless Neovim (0.7+) against `lamina lsp`: open a sample's handler, render the code lenses,
-- run the Run lens's command, and write what happened to $LAMINA_E2E_RESULT as JSON.
-- Exits with :qall! when every check passed, :cquit! otherwise.

local root = assert(os.getenv("LAMINA_E2E_ROOT"))
local python = assert(os.getenv("LAMINA_E2E_PYTHON"))
local result_file = assert(os.getenv("LAMINA_E2E_RESULT"))
local report = { checks = {} }

local function finish(ok, message)
  report.ok = ok
  report.message = message
  local file = assert(io.open(result_file, "w"))
  file:write(vim.fn.json_encode(report))
  file:close()
  if ok then vim.cmd("qall!") else vim.cmd("cquit!") end
end

local function check(name, condition, detail)
  table.insert(report.checks, { name = name, ok = condition and true or false, detail = detail })
  if not condition then finish(false, name .. ": " .. vim.inspect(detail)) end
end

local ok, err = pcall(function()
  vim.cmd("edit " .. vim.fn.fnameescape(root .. "/src/items_api.py"))
  local bufnr = vim.api.nvim_get_current_buf()
  local initialized = false
  local notifications = {}
  local config = {
    name = "lamina",
    cmd = { python, "-m", "lamina", "lsp" },
    root_dir = root,
    init_options = { lamina = { defaultEvent = "get-item" } },
    handlers = {
      ["lamina/invocationResult"] = function(_, result) table.insert(notifications, result) end,
      ["window/showMessage"] = function(_, result)
        report.messages = report.messages or {}
        table.insert(report.messages, result.message)
      end,
    },
    on_init = function() initialized = true end,
  }
  local client_id
  if vim.lsp.start ~= nil then -- 0.8+
    client_id = vim.lsp.start(config, { bufnr = bufnr })
  else
    client_id = vim.lsp.start_client(config)
    vim.lsp.buf_attach_client(bufnr, client_id)
  end
  check("initialized", vim.wait(20000, function() return initialized end, 20))
  report.nvim = vim.version()

  -- The lenses, as the editor asks for them.
  local uri = vim.uri_from_bufnr(bufnr)
  local responses = vim.lsp.buf_request_sync(bufnr, "textDocument/codeLens",
    { textDocument = { uri = uri } }, 20000)
  local lenses = {}
  for _, response in pairs(responses or {}) do
    for _, lens in ipairs(response.result or {}) do table.insert(lenses, lens) end
  end
  report.lenses = lenses
  -- Run, Debug, Sync and Event over the handler; its HTTP API route's lenses (lamina api) too.
  local function_lenses, route_lenses = {}, {}
  local own = { ["lamina.run"] = true, ["lamina.debug"] = true, ["lamina.sync"] = true,
                ["lamina.selectEvent"] = true }
  for _, lens in ipairs(lenses) do
    if own[lens.command.command] then
      table.insert(function_lenses, lens)
    else
      table.insert(route_lenses, lens)
    end
  end
  check("four function lenses", #function_lenses == 4, lenses)
  check("a route lens", #route_lenses >= 1, lenses)

  -- Rendered: virtual text with the LspCodeLens highlight, on the handler's line.
  vim.lsp.codelens.refresh()
  local ns = vim.api.nvim_create_namespace("vim_lsp_codelens:" .. client_id)
  local marks = {}
  vim.wait(10000, function()
    marks = vim.api.nvim_buf_get_extmarks(bufnr, ns, 0, -1, { details = true })
    return #marks > 0
  end, 50)
  local rendered = {}
  for _, mark in ipairs(marks) do
    for _, chunk in ipairs(mark[4].virt_text or {}) do
      if chunk[2] == "LspCodeLens" then table.insert(rendered, { line = mark[2], text = chunk[1] }) end
    end
  end
  report.rendered = rendered
  check("lenses rendered", #rendered == #lenses, rendered)
  local handler_line = vim.fn.search("^def handler(", "n") - 1
  check("on the handler", rendered[1].line == handler_line, { rendered[1].line, handler_line })

  -- Run: the Run lens's own command and arguments.
  local run_lens = function_lenses[1]
  check("run lens", run_lens.command.command == "lamina.run", run_lens.command)
  local client = vim.lsp.get_client_by_id(client_id)
  local response = client.request_sync("workspace/executeCommand",
    { command = run_lens.command.command, arguments = run_lens.command.arguments }, 30000, bufnr)
  check("run answered", response ~= nil and response.err == nil, response)
  local result = response.result
  report.run = result
  check("run ok", result.ok == true, result)
  check("event", result.event == "get-item", result.event)
  check("status 200", result.payload.statusCode == 200, result.payload)
  check("logs", string.find(result.logs, "REPORT RequestId", 1, true) ~= nil, result.logs)
  check("notified", vim.wait(5000, function() return #notifications > 0 end, 20), notifications)
  check("same result", notifications[1].id == result.id, notifications[1])
  vim.lsp.stop_client(client_id)
  vim.wait(5000, function() return vim.lsp.get_client_by_id(client_id) == nil end, 20)
  finish(true, "ok")
end)
if not ok then finish(false, tostring(err)) end
