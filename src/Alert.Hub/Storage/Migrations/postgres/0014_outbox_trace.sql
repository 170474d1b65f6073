-- The W3C trace context (traceparent, tracestate) of the request that wrote the row: the relay publishes later, in a
-- service of its own, and publishes under it, so the bus and the deliveries join the intake request's trace.
-- NULL when no trace was being recorded.
ALTER TABLE outbox ADD COLUMN trace_parent TEXT;
ALTER TABLE outbox ADD COLUMN trace_state TEXT;
