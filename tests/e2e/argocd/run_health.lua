-- Runs an Argo CD health script as Argo CD runs one configured in argocd-cm, for the e2e.argocd test.
-- Usage: lua5.4 -e 'obj = {...}' run_health.lua path/to/health.lua
-- Prints "<status>\t<message>" on one line.
--
-- Argo CD opens only the base, table, package and a reduced os library for such scripts, not the string
-- library; the script runs here with the base functions and table alone, and the string metatable loses its
-- methods, so a script that relies on string functions fails this test as it would fail in Argo CD.

local path = assert(arg[1], "usage: run_health.lua HEALTH_LUA")
local write = io.write

local env = {obj = obj, table = table}
for _, name in ipairs({"assert", "error", "ipairs", "next", "pairs", "pcall", "rawequal", "rawget", "rawlen",
                       "rawset", "select", "tonumber", "tostring", "type", "xpcall"}) do
  env[name] = _G[name]
end
getmetatable("").__index = nil

local chunk = assert(loadfile(path, "t", env))
local hs = chunk()
if type(hs) ~= "table" then
  error("the health script returned " .. type(hs) .. ", not a table")
end
write(tostring(hs.status), "\t", tostring(hs.message), "\n")
