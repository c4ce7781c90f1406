#!/usr/bin/env bash
# The example third-party adapter is checked, from packed tarballs outside the repository, together with
# every publishable package by scripts/package-check.sh (one pack, one npm install): this name is kept for
# the docs and habits that use it.
exec bash "$(dirname "$0")/package-check.sh" "$@"
