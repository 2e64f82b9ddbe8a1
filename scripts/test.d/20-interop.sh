#!/usr/bin/env bash
# Interop: tokens from an independent implementation (PyJWT) through `playgate check`, and back.
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
venv="$ROOT/target/venv-interop"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import jwt, cryptography' 2>/dev/null; then
  log "python venv for interop (PyJWT, cryptography)"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/interop/requirements.txt
fi
cargo build --quiet -p playgate-cli
"$venv/bin/python" tests/interop/pyjwt_interop.py "$ROOT/target/debug/playgate"
