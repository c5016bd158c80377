-- Argo CD health check for modelops.dev/ModelDeployment
-- (argocd-cm key: resource.customizations.health.modelops.dev_ModelDeployment; see README.md here).
--
-- Argo CD sets the object in the global `obj` and reads the returned table: status is one of Healthy,
-- Progressing, Degraded, Suspended, Missing, Unknown; message is shown next to it. Scripts configured in
-- argocd-cm run without the string library, so this one only compares and concatenates.
--
-- status.phase (written by the operator) -> Argo CD health:
--   Healthy                                   -> Healthy
--   Progressing                               -> Progressing
--   Paused                                    -> Suspended   (waits for a person: promote, resume, abort)
--   Degraded, RolledBack, Failed, Invalid     -> Degraded    (what git declares is not what serves)
--   absent, or status older than the spec    -> Progressing (the operator has not acted on it yet)
--   anything else                             -> Unknown

local hs = {}

local function withMessage(phase, status)
  if status.message ~= nil and status.message ~= "" then
    return phase .. ": " .. status.message
  end
  return "ModelDeployment is " .. phase
end

local status = obj.status
if status == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the modelops operator to reconcile the ModelDeployment"
  return hs
end

-- A status written for an older spec says nothing about the current one (e.g. right after a sync that
-- changed spec.model.version, before the operator has started the rollout).
local generation = nil
if obj.metadata ~= nil then
  generation = obj.metadata.generation
end
if generation ~= nil and (status.observedGeneration == nil or status.observedGeneration < generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the modelops operator to observe generation " .. generation
  return hs
end

local phase = status.phase
if phase == nil or phase == "" then
  hs.status = "Progressing"
  hs.message = "Waiting for the modelops operator to report a phase"
elseif phase == "Healthy" then
  hs.status = "Healthy"
  hs.message = withMessage(phase, status)
elseif phase == "Progressing" then
  hs.status = "Progressing"
  hs.message = withMessage(phase, status)
elseif phase == "Paused" then
  hs.status = "Suspended"
  hs.message = withMessage(phase, status)
elseif phase == "Degraded" or phase == "RolledBack" or phase == "Failed" or phase == "Invalid" then
  hs.status = "Degraded"
  hs.message = withMessage(phase, status)
else
  hs.status = "Unknown"
  hs.message = "Unknown ModelDeployment phase " .. phase
end
return hs
