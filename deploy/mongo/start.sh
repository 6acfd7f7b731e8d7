#!/bin/bash
# The mongo container's command: mongod as a one-member replica set with a keyfile (which turns
# on authentication). mongod refuses a keyfile that others can read, and a Docker secret is
# mounted read-only for everyone, so a private copy is made at every start.
set -euo pipefail
install -m 400 -o mongodb -g mongodb /run/secrets/mongo_keyfile /tmp/mongo-keyfile
exec docker-entrypoint.sh mongod --replSet rs0 --bind_ip_all --keyFile /tmp/mongo-keyfile
