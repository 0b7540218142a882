-- Which experiments the API key that stored a GenAI event was limited to (NULL: a key without limits, or no
-- authentication). An event sent for a span that is not stored yet waits for it; when the span arrives, the event
-- is joined to it only if that key could write to the span's experiment, so a key limited to experiments can
-- never change data of another experiment, not even ahead of time (docs/operations.md, "Access control").
ALTER TABLE genai_events ADD COLUMN IF NOT EXISTS writer_experiments text[];
