#!/bin/bash
# Creates ./secrets/ for docker-compose.yml on the first start (an existing file is kept):
# passwords, the replica-set keyfile, the app's MongoDB URI, the admin and metrics tokens, and
# a self-signed TLS certificate to replace with a real one (docs/operations.md "First start").
set -euo pipefail
cd "$(dirname "$0")/.."
umask 077
mkdir -p secrets
new() { [ -s "secrets/$1" ] || openssl rand -hex 32 > "secrets/$1"; }
new mongo_root_password
new mongo_app_password
new mongo_backup_password
new survey_admin_token
new survey_metrics_token
[ -s secrets/mongo_keyfile ] || openssl rand -base64 756 > secrets/mongo_keyfile
[ -s secrets/mongodb_uri ] || printf 'mongodb://survey:%s@mongo:27017/digital_adoption?replicaSet=rs0&authSource=admin\n' \
  "$(cat secrets/mongo_app_password)" > secrets/mongodb_uri
if [ ! -s secrets/tls_certificate ]; then
  host="${SURVEY_HOSTNAME:-localhost}"
  openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=$host" -addext "subjectAltName=DNS:$host" \
    -keyout secrets/tls_certificate_key -out secrets/tls_certificate 2>/dev/null
fi
# Docker secrets from files keep the files' modes, and the app and nginx run as other users than
# root: the files are readable by all, the folder (0700) by root only.
chmod 444 secrets/*
echo "secrets ready in $(pwd)/secrets (admin token: secrets/survey_admin_token)"
