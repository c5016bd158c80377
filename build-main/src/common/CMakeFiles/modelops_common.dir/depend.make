# Empty dependencies file for modelops_common.
# This may be replaced when dependencies are built.
