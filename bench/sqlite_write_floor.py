"""The storage floor of the initial load (issue 7) on SQLite.

Writes, for N records, only the rows `scr-hub import` must write for a record
that makes a new customer: the customer, its link, six blocking keys, an
audit entry, an outbox event and the saved request. The schema is the hub's
own (migrations/sqlite) with the hub's settings (WAL, synchronous=NORMAL,
foreign keys, a 32 MiB page cache). There is no matching, no reading and no
Rust: the rows go straight from Python's sqlite3 module, one transaction per
batch. Whatever this takes, an import through the hub cannot take less.

Variants (combine with commas):
  seq        customer IDs in insertion order instead of random UUIDs
  norowid    link_keys as a WITHOUT ROWID table
  stateonly  no audit entry, outbox event or saved request
  cache      a 512 MiB page cache

    python3 bench/sqlite_write_floor.py ROWS BATCH [VARIANTS] [DIR]

Not part of the tests.
"""

import glob
import os
import random
import sqlite3
import sys
import time
import uuid
from pathlib import Path

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations" / "sqlite"
AT = "2026-12-01T00:00:00Z"


def open_store(path, variants):
    for f in glob.glob(str(path) + "*"):
        os.remove(f)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    db.execute(f"PRAGMA cache_size={-524288 if 'cache' in variants else -32768}")
    for f in sorted(MIGRATIONS.glob("*.sql")):
        db.executescript(f.read_text())
    if "norowid" in variants:
        db.executescript(
            "DROP TABLE link_keys;"
            "CREATE TABLE link_keys (match_key TEXT NOT NULL, system TEXT NOT NULL,"
            " local_id TEXT NOT NULL, PRIMARY KEY (match_key, system, local_id),"
            " FOREIGN KEY (system, local_id) REFERENCES links (system, local_id)) WITHOUT ROWID;"
            "CREATE INDEX link_keys_link ON link_keys (system, local_id);"
        )
    return db


def batch_rows(first, count, variants, rng):
    """The rows of records first..first+count, table by table."""
    rows = {t: [] for t in ("customers", "links", "keys", "audit", "outbox", "requests")}
    for i in range(first, first + count):
        cid = f"{i:032x}" if "seq" in variants else str(uuid.uuid4())
        local = f"L{i:09d}"
        family, year = f"F{rng.randrange(20000)}", rng.randint(1930, 2005)
        rows["customers"].append(
            (cid, "Given", "", "Family", f"{year}-01-01", "female", '["1 High Street"]',
             "Birmingham", "B1 1AA", None, 1, AT, AT, None, 0, 0))
        rows["links"].append(
            ("libraries", local, cid, AT, "new_customer", 1.0, "r" * 160, AT, "m" * 70))
        # The scheme's six keys: name and year, two name sounds with the
        # date, two initials with the postcode, both name sounds.
        for key in (f"ny:G|{family}|{year}",
                    f"nd:G{rng.randrange(1000)}|{year}-01-{rng.randint(1, 28)}",
                    f"nd:{family}|{year}-{rng.randint(1, 12)}-01",
                    f"pi:B{rng.randrange(100000)}|G", f"pi:B{rng.randrange(100000)}|F",
                    f"nn:G{rng.randrange(1000)}|{family}"):
            rows["keys"].append((key, "libraries", local))
        rows["audit"].append(
            (AT, "import:libraries", "department", "submit_record", cid, None, "p" * 64, "h" * 64))
        rows["outbox"].append(
            (str(uuid.uuid4()), "libraries", cid, "record_linked", f'{{"customer_id":"{cid}"}}', AT))
        rows["requests"].append(("submit:libraries", f"import:0123456789abcdef:{i}", "f" * 64, "s" * 210, AT))
    return rows


def write(db, rows, variants):
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO customers (id, given_name, middle_name, family_name, date_of_birth, gender,"
        " address_lines, town, postcode, uprn, version, created_at, updated_at, minor_basis,"
        " processing_restricted, legal_hold) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        rows["customers"])
    db.executemany(
        "INSERT INTO links (system, local_id, customer_id, linked_at, method, confidence, record,"
        " updated_at, match_data) VALUES (?,?,?,?,?,?,?,?,?)", rows["links"])
    db.executemany(
        "INSERT INTO link_keys (match_key, system, local_id) VALUES (?,?,?) ON CONFLICT DO NOTHING",
        rows["keys"])
    if "stateonly" not in variants:
        db.executemany(
            "INSERT INTO audit_log (at, caller, role, operation, customer_id, purpose, prev_hash,"
            " hash) VALUES (?,?,?,?,?,?,?,?)", rows["audit"])
        db.executemany(
            "INSERT INTO outbox (event_id, system, customer_id, event_type, data, occurred_at)"
            " VALUES (?,?,?,?,?,?)", rows["outbox"])
        db.executemany(
            "INSERT INTO requests (scope, request_id, fingerprint, response, created_at)"
            " VALUES (?,?,?,?,?)", rows["requests"])
    db.execute("COMMIT")


def main():
    n, batch = int(sys.argv[1].replace("_", "")), int(sys.argv[2])
    variants = set(sys.argv[3].split(",")) if len(sys.argv) > 3 and sys.argv[3] else set()
    directory = Path(sys.argv[4]) if len(sys.argv) > 4 else Path(".")
    db = open_store(directory / "write_floor.db", variants)
    rng = random.Random(1)
    writing = 0.0
    for first in range(0, n, batch):
        rows = batch_rows(first, min(batch, n - first), variants, rng)
        started = time.perf_counter()
        write(db, rows, variants)
        writing += time.perf_counter() - started
    print(f"{','.join(sorted(variants)) or 'as the hub'}: {n} records, {batch} a transaction: "
          f"{writing:.1f} s writing ({n / writing:.0f} records/s)")


if __name__ == "__main__":
    main()
