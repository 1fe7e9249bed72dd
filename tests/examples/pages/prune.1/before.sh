# An earlier load that recorded a watermark on analytics_events.
head -n 200 sorted.jsonl | pg-load -q -t analytics_events \
    --map created_at='.occurred_at // .created_at' --ledger \
    --run-id seed --watermark '.occurred_at // .created_at'
