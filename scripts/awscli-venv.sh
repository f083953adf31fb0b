#!/usr/bin/env bash
# Installs the pinned AWS CLI into .venv-awscli when it is not there yet: the by-hand tests run
# every command awslab prints with it, as a student pastes them. Kept apart from moto's venv so
# that the CLI's botocore pin never changes the emulator's. Sourced by scripts/test.sh.
AWSCLI_VERSION=1.46.3
if ! .venv-awscli/bin/aws --version 2>&1 | grep -q "aws-cli/$AWSCLI_VERSION "; then
  echo "installing awscli==$AWSCLI_VERSION into .venv-awscli (first run only)" >&2
  python3 -m venv .venv-awscli
  .venv-awscli/bin/pip install --quiet --disable-pip-version-check "awscli==$AWSCLI_VERSION"
fi
