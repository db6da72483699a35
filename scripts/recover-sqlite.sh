#!/usr/bin/env bash
# Copies everything SQLite can still read from a damaged virtmon database into a new file.
#   bash scripts/recover-sqlite.sh DAMAGED.db NEW.db
# The collector must be stopped. The damaged file is only read. sqlite3's .dump skips the pages it cannot
# read and, having met them, ends its script with ROLLBACK: that is turned into COMMIT so the readable rows
# are kept. The schema version (PRAGMA user_version, which .dump leaves out) is carried over so that virtmon
# opens the new file without migrating it again.
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 DAMAGED.db NEW.db" >&2
  exit 2
fi
damaged=$1
new=$2
command -v sqlite3 >/dev/null || { echo "$0: sqlite3 is not installed (Debian: apt-get install sqlite3)" >&2; exit 1; }
[ -r "$damaged" ] || { echo "$0: cannot read $damaged" >&2; exit 1; }
[ ! -e "$new" ] || { echo "$0: $new exists; name a new file" >&2; exit 1; }
version=$(sqlite3 -readonly "$damaged" 'PRAGMA user_version')
sqlite3 -readonly "$damaged" .dump | sed 's/^ROLLBACK; -- due to errors$/COMMIT;/' | sqlite3 -bail "$new"
sqlite3 "$new" "PRAGMA user_version = $version; PRAGMA journal_mode = WAL;" >/dev/null
for table in series chunks rollups wal; do
  before=$(sqlite3 -readonly "$damaged" "SELECT count(*) FROM $table" 2>/dev/null || echo "unreadable")
  after=$(sqlite3 -readonly "$new" "SELECT count(*) FROM $table")
  echo "$table: $after rows recovered (the damaged file counts: $before)"
done
