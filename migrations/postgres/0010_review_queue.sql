-- The review queue runs the likeliest first: by score, then queue order.
DROP INDEX review_tasks_status;
CREATE INDEX review_tasks_queue ON review_tasks (status, score DESC, seq);
