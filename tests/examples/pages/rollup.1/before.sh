# The Lambda seed's sessions: a creation time and a model id.
jq -c '{created_at: (.occurred_at // .created_at), modelId, user_id}' \
    events.jsonl >sessions.jsonl
