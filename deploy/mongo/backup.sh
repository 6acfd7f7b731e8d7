#!/bin/bash
# The backup container's command: a consistent dump (--oplog: one point in time across
# collections) every BACKUP_INTERVAL_SECONDS, as a gzip archive in /backups, keeping the archives
# of the last BACKUP_KEEP_DAYS days. Restore: docs/operations.md "Backups".
set -euo pipefail
interval="${BACKUP_INTERVAL_SECONDS:-86400}"
keep_days="${BACKUP_KEEP_DAYS:-14}"
# The password goes in a private config file, not on the command line (where ps shows it).
umask 077
printf 'password: "%s"\n' "$(cat /run/secrets/mongo_backup_password)" > /tmp/mongodump.yaml
log() { printf '{"time": "%s", "level": "%s", "logger": "backup", "message": "%s"}\n' \
  "$(date -u +%Y-%m-%dT%H:%M:%S.000+00:00)" "$1" "$2"; }
while true; do
  name="/backups/survey-$(date -u +%Y-%m-%dT%H-%M-%SZ).archive.gz"
  if mongodump --host mongo:27017 --username backup --authenticationDatabase admin \
      --config /tmp/mongodump.yaml --oplog --gzip --archive="$name.partial" --quiet; then
    mv "$name.partial" "$name"
    log INFO "dump written: $name"
  else
    rm -f "$name.partial"
    log ERROR "dump failed"
  fi
  find /backups -name 'survey-*.archive.gz' -mtime "+$keep_days" -delete
  sleep "$interval"
done
