#!/bin/sh
# deploy/redis-acl.sh DIR [ACL_FILE] [GROUP]: Redis's ACL file for Fleksi, from the users
# of deploy/redis-users.acl.
#
# Every user there but "default" gets a password in DIR/<user>.password: made on first
# run (32 random bytes as hex, no newline, mode 0600) and kept afterwards, so running
# this again changes nothing but the file it writes. ACL_FILE (default DIR/users.acl,
# mode 0600) holds the users with their passwords as SHA-256 hashes, never in clear:
# start Redis with --aclfile ACL_FILE. With GROUP (a group name or id), the services'
# password files are readable by that group (mode 0640), for services running as
# another user than this script (docker-compose.yml); admin's never is.
# Used by deploy/run.sh, docker-compose.yml and tests/system/harness.py.
set -eu
dir=$1
acl=${2:-$dir/users.acl}
group=${3:-}
users=$(dirname "$0")/redis-users.acl
umask 077
mkdir -p "$dir"

# The users, one line each: comments and blank lines dropped, continuations joined
joined() {
  awk '/^[ \t]*(#.*)?$/ { next }
       /^[ \t]/ { line = line " " $0; next }
       { if (line != "") print line; line = $0 }
       END { if (line != "") print line }' "$users" | tr -s ' \t' '  '
}

tmp="$acl.new"
joined | while read -r keyword name rules; do
  if [ "$keyword" != user ]; then
    echo "redis-acl.sh: $users: not a user line: $keyword $name" >&2
    exit 1
  fi
  if [ "$name" = default ]; then
    echo "user default $rules"
    continue
  fi
  file="$dir/$name.password"
  if [ ! -s "$file" ]; then
    od -An -N32 -tx1 /dev/urandom | tr -d ' \n' > "$file.new"
    mv "$file.new" "$file"
  fi
  if [ -n "$group" ] && [ "$name" != admin ]; then
    chgrp "$group" "$file"
    chmod 0640 "$file"
  fi
  hash=$(tr -d '\r\n' < "$file" | sha256sum | cut -d' ' -f1)
  echo "user $name #$hash $rules"
done > "$tmp"
mv "$tmp" "$acl"
