-- Argo CD health check for plrd.dev/ModelFamily, read from the status the operator writes.
-- Argo CD runs it on gopher-lua (Lua 5.1) and the tests on LuaJ (Lua 5.2): keep to the
-- common subset, and guard every field, since any of them may be absent.
-- Custom checks get only the base and table libraries (no string, no math) unless
-- useOpenLibs is set, so this script uses nothing else.

local generation = 0
if obj.metadata ~= nil and obj.metadata.generation ~= nil then
  generation = obj.metadata.generation
end

-- Lua 5.1 and 5.2 print whole numbers without ".0", so concatenation formats them as integers.
local waitingForGeneration = {
  status = "Progressing",
  message = "Waiting for the operator to observe generation " .. generation
}

local status = obj.status
if status == nil or status.observedGeneration == nil or status.observedGeneration < generation then
  return waitingForGeneration
end

local function text(value)
  if value == nil then
    return ""
  end
  return value
end

-- A condition written for an older generation says nothing about the current spec.
local function stale(condition)
  return condition.observedGeneration ~= nil and condition.observedGeneration < generation
end

local conditions = {}
if status.conditions ~= nil then
  for _, condition in ipairs(status.conditions) do
    if condition.type ~= nil then
      conditions[condition.type] = condition
    end
  end
end

local function holds(conditionType)
  local condition = conditions[conditionType]
  return condition ~= nil and condition.status == "True" and not stale(condition)
end

if holds("Suspended") then
  local message = text(conditions.Suspended.message)
  if message == "" then
    message = "Suspended"
  end
  return { status = "Suspended", message = message }
end

if holds("Degraded") then
  local degraded = conditions.Degraded
  return { status = "Degraded", message = text(degraded.reason) .. ": " .. text(degraded.message) }
end

if holds("Ready") then
  return { status = "Healthy", message = text(conditions.Ready.message) }
end

local ready = conditions.Ready
if ready == nil then
  return { status = "Progressing", message = "Waiting for status" }
end
if stale(ready) then
  return waitingForGeneration
end
local message = text(ready.reason) .. ": " .. text(ready.message)
if text(status.currentStage) ~= "" then
  message = status.currentStage .. ": " .. message
end
return { status = "Progressing", message = message }
