"""Splink (DuckDB) baseline for the initial-load benchmark (issue 7).

Reads the eight systems' CSVs and truth.csv that
`cargo bench --bench import -- --rows N --keep DIR` leaves in DIR, dedupes
all rows with Splink 4, clusters at a match probability of 0.9 and prints
the time taken and pairwise precision/recall/F1 against the generator's
truth, the same measure the Rust benchmark prints. Not part of the tests.

    python3 -m venv venv && venv/bin/pip install splink pandas
    venv/bin/python bench/splink_baseline.py DIR
"""

import sys
import time
from collections import Counter
from pathlib import Path

import pandas as pd
import splink.comparison_library as cl
from splink import Linker, SettingsCreator, block_on

try:  # Splink 5
    from splink.backends.duckdb import DuckDBAPI
except ImportError:  # Splink 4
    from splink import DuckDBAPI

SYSTEMS = [
    "libraries", "waste", "leisure", "trading_standards",
    "adult_social_care", "finance", "benefits", "council_tax",
]


def load(directory: Path) -> pd.DataFrame:
    frames = []
    for system in SYSTEMS:
        df = pd.read_csv(directory / f"{system}.csv", dtype=str, keep_default_na=False)
        df["uid"] = system + ":" + df["local_id"]
        frames.append(df)
    df = pd.concat(frames, ignore_index=True)
    # Half the systems export UK dates: normalise as the hub's import does.
    dob = df["date_of_birth"]
    uk = dob.str.contains("/")
    df.loc[uk, "date_of_birth"] = pd.to_datetime(dob[uk], format="%d/%m/%Y").dt.strftime("%Y-%m-%d")
    for col in ["given_name", "family_name", "address_line_1"]:
        df[col] = df[col].str.lower()
    df = df.replace("", None)
    return df[["uid", "given_name", "family_name", "date_of_birth", "gender", "address_line_1", "postcode"]]


def pairs(n: int) -> int:
    return n * (n - 1) // 2


def main() -> None:
    directory = Path(sys.argv[1])
    df = load(directory)
    truth = pd.read_csv(directory / "truth.csv", dtype=str)
    truth = dict(zip(truth["system"] + ":" + truth["local_id"], truth["person"]))
    started = time.time()
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="uid",
        comparisons=[
            cl.NameComparison("given_name"),
            cl.NameComparison("family_name"),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True),
            cl.ExactMatch("gender"),
            cl.PostcodeComparison("postcode"),
            cl.LevenshteinAtThresholds("address_line_1", 2),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("family_name", "date_of_birth"),
            block_on("given_name", "date_of_birth"),
            block_on("postcode", "family_name"),
            block_on("postcode", "date_of_birth"),
        ],
    )
    db_api = DuckDBAPI()
    if hasattr(db_api, "register"):  # Splink 5: register, then link
        linker = Linker(db_api.register(df), settings)
    else:
        linker = Linker(df, settings, db_api=db_api)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "family_name", "date_of_birth")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("postcode"))
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=0.9
    ).as_pandas_dataframe()
    elapsed = time.time() - started

    cells = Counter(zip(clusters["cluster_id"], clusters["uid"].map(truth)))
    by_cluster, by_person = Counter(), Counter()
    for (c, p), n in cells.items():
        by_cluster[c] += n
        by_person[p] += n
    tp = sum(pairs(n) for n in cells.values())
    precision = tp / max(1, sum(pairs(n) for n in by_cluster.values()))
    recall = tp / max(1, sum(pairs(n) for n in by_person.values()))
    f1 = 2 * precision * recall / max(1e-12, precision + recall)
    print(f"splink: {len(df)} rows in {elapsed:.1f} s = {len(df) / elapsed:.0f} rows/s")
    print(f"pairwise: precision {precision:.4f}, recall {recall:.4f}, F1 {f1:.4f} "
          f"({len(by_cluster)} clusters for {len(by_person)} people)")


if __name__ == "__main__":
    main()
