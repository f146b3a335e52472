#!/usr/bin/env bash
# Start a throw-away Virtuoso (Debian's virtuoso-opensource) on loopback for the tests.
# Usage: source .ci/virtuoso.sh   (exports PLANKG_TEST_ENDPOINT etc. and VIRTUOSO_PID)
# Facts this relies on are in ../shared/notes/virtuoso.md; .ci/packages.sh installs it.


VIRTUOSO_DIR=$(mktemp -d)
VIRTUOSO_HTTP_PORT=${VIRTUOSO_HTTP_PORT:-18890}
VIRTUOSO_SQL_PORT=${VIRTUOSO_SQL_PORT:-11111}
sed -e "s|^DatabaseFile.*|DatabaseFile = $VIRTUOSO_DIR/virtuoso.db|" \
    -e "s|^ErrorLogFile.*|ErrorLogFile = $VIRTUOSO_DIR/virtuoso.log|" \
    -e "s|^TransactionFile.*|TransactionFile = $VIRTUOSO_DIR/virtuoso.trx|" \
    -e "s|^xa_persistent_file.*|xa_persistent_file = $VIRTUOSO_DIR/virtuoso.pxa|" \
    -e "s|^ServerPort[[:space:]]*=[[:space:]]*1111.*|ServerPort = 127.0.0.1:$VIRTUOSO_SQL_PORT|" \
    -e "s|^ServerPort[[:space:]]*=[[:space:]]*8890.*|ServerPort = 127.0.0.1:$VIRTUOSO_HTTP_PORT|" \
    /etc/virtuoso-opensource-7/virtuoso.ini > "$VIRTUOSO_DIR/virtuoso.ini"
# The [TempDatabase] section names its own files: point them into the folder too.
awk -v dir="$VIRTUOSO_DIR" '
  /^\[TempDatabase\]/ {temp=1} /^\[/ && !/^\[TempDatabase\]/ {temp=0}
  temp && /^DatabaseFile/ {print "DatabaseFile = " dir "/virtuoso-temp.db"; next}
  temp && /^TransactionFile/ {print "TransactionFile = " dir "/virtuoso-temp.trx"; next}
  {print}' "$VIRTUOSO_DIR/virtuoso.ini" > "$VIRTUOSO_DIR/v.ini" && mv "$VIRTUOSO_DIR/v.ini" "$VIRTUOSO_DIR/virtuoso.ini"

(cd "$VIRTUOSO_DIR" && exec virtuoso-t +foreground +configfile "$VIRTUOSO_DIR/virtuoso.ini" >"$VIRTUOSO_DIR/stdout.log" 2>&1) &
VIRTUOSO_PID=$!
export VIRTUOSO_PID VIRTUOSO_DIR

for _ in $(seq 1 120); do  # a loaded machine can take over a minute
  if curl -sf "http://127.0.0.1:$VIRTUOSO_HTTP_PORT/sparql?query=ASK%7B%7D" >/dev/null 2>&1; then break; fi
  sleep 1
done
if ! curl -sf "http://127.0.0.1:$VIRTUOSO_HTTP_PORT/sparql?query=ASK%7B%7D" >/dev/null 2>&1; then
  echo "Virtuoso did not come up; its log:" >&2
  tail -n 20 "$VIRTUOSO_DIR/virtuoso.log" "$VIRTUOSO_DIR/stdout.log" >&2
  return 1 2>/dev/null || exit 1
fi
# The answer must be ours: another Virtuoso already on these ports would answer while ours exits, and vanish later.
if ! kill -0 "$VIRTUOSO_PID" 2>/dev/null; then
  echo "Virtuoso exited: ports $VIRTUOSO_HTTP_PORT/$VIRTUOSO_SQL_PORT are taken (set VIRTUOSO_HTTP_PORT, VIRTUOSO_SQL_PORT)" >&2
  tail -n 5 "$VIRTUOSO_DIR/virtuoso.log" >&2
  return 1 2>/dev/null || exit 1
fi
# A throw-away instance: let SPARQL and the Graph Store Protocol write.
isql-vt "127.0.0.1:$VIRTUOSO_SQL_PORT" dba dba exec='GRANT SPARQL_UPDATE TO "SPARQL";' >/dev/null

export PLANKG_TEST_ENDPOINT="http://127.0.0.1:$VIRTUOSO_HTTP_PORT/sparql-auth"
export PLANKG_TEST_GSP="http://127.0.0.1:$VIRTUOSO_HTTP_PORT/sparql-graph-crud-auth"
export PLANKG_TEST_USER=dba PLANKG_TEST_PASSWORD=dba
echo "Virtuoso is up (pid $VIRTUOSO_PID) at $PLANKG_TEST_ENDPOINT" >&2
