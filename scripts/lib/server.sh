# Shell functions shared by scripts/crash-test.sh and scripts/api-fuzz.sh (sourced, not run).

# start_server LOG: starts `$FIXLOG serve --demo --db $DB` on a free loopback port with the
# caller's environment (e.g. `FIXLOG_LOG=error start_server server.log`), writing its output to
# LOG; sets SERVER_PID, and URL once the listening line appeared. Returns 1 (printing LOG) when
# the server exits or does not listen within 60 s.
start_server() {
    local log=$1
    : > "$log"
    "$FIXLOG" serve --demo --db "$DB" --listen 127.0.0.1:0 > "$log" 2>&1 &
    SERVER_PID=$!
    URL=
    for _ in $(seq 1 600); do
        URL=$(sed -n 's/^listening on //p' "$log")
        [ -n "$URL" ] && return 0
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "server did not start:" >&2
    cat "$log" >&2
    return 1
}

# pg_schema_url BASE SCHEMA: creates SCHEMA in the PostgreSQL database at BASE and prints BASE
# with its search_path set to SCHEMA (the form `fixlog serve --db` takes).
pg_schema_url() {
    psql -q "$1" -c "CREATE SCHEMA $2" >/dev/null
    local separator='?'
    [[ $1 == *\?* ]] && separator='&'
    printf '%s%soptions=-csearch_path%%3D%s\n' "$1" "$separator" "$2"
}
