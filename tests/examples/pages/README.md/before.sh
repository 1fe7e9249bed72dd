# The tour's data is the demo's: its tables and files, generated here.
"$SLUICE_ROOT/scripts/demo" --prepare >/dev/null
# The tour's backup holds its events under .events.
cp backup.json.wrapped backup.json
