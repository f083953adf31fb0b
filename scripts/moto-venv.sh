#!/usr/bin/env bash
# Installs the pinned moto emulator into .venv when it is not there yet (the version awslab's
# sandbox installs too: src/sandbox/moto.rs MOTO_VERSION). Sourced by the test and bench scripts
# from the project root.
MOTO_VERSION=5.2.1
if ! .venv/bin/python -c "import sys, moto; sys.exit(moto.__version__ != '$MOTO_VERSION')" 2>/dev/null; then
  echo "installing moto[server]==$MOTO_VERSION into .venv (first run only)" >&2
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
fi
