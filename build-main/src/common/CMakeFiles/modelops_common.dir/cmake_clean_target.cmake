file(REMOVE_RECURSE
  "libmodelops_common.a"
)
