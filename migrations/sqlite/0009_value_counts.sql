-- How many linked records hold each value of a field the matcher weighs by
-- frequency (given name, family name, street, postcode), and per field the
-- total and the sum of the counts' squares. Kept in the transaction that
-- adds, replaces or erases a record. Values are personal data: a count
-- that falls to zero is deleted, so an erased rare name leaves nothing.
CREATE TABLE value_counts (
    field TEXT NOT NULL,
    value TEXT NOT NULL,
    n     INTEGER NOT NULL,
    PRIMARY KEY (field, value)
);
-- Empty until the store first counts its records (on opening).
CREATE TABLE field_counts (
    field       TEXT PRIMARY KEY,
    total       INTEGER NOT NULL,
    sum_squares REAL NOT NULL
);
