//! The `scr-hub import` command: interrupted with the test hook (exit 130),
//! or killed outright after a checkpoint, then run again to finish.

use std::process::Command;

#[test]
fn import_command_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("waste.csv");
    let mut csv =
        "local_id,given_name,family_name,date_of_birth,gender,address_lines,postcode\n".to_owned();
    for i in 0..40 {
        csv.push_str(&format!(
            "W{i},Person,Number{},{}-01-02,U,{i} Bin Lane|Acocks Green,B27 6AA\n",
            "x".repeat(i % 5 + 1),
            1950 + i
        ));
    }
    std::fs::write(&file, csv).unwrap();
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_scr-hub"))
            .args(["import", "--system", "waste"])
            .arg("--data-dir")
            .arg(dir.path().join("data"))
            .args(extra)
            .arg(&file)
            .output()
            .unwrap()
    };
    let first = run(&["--stop-after", "10"]);
    assert_eq!(first.status.code(), Some(130));
    assert!(String::from_utf8_lossy(&first.stdout).contains("INTERRUPTED"));
    let second = run(&[]);
    let out = String::from_utf8_lossy(&second.stdout);
    assert!(second.status.success(), "{out}");
    assert!(out.contains("rows read:              40"), "{out}");
    assert!(
        !out.contains("Bin Lane") && !String::from_utf8_lossy(&second.stderr).contains("Bin Lane")
    );
}

#[tokio::test]
async fn killed_import_resumes_without_duplicate_links() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("finance.csv");
    let rows = 1500;
    let mut csv =
        "local_id,given_name,family_name,date_of_birth,gender,address_line_1,postcode\n".to_owned();
    for i in 0..rows {
        csv.push_str(&format!(
            "F{i},Given{},Family{},{}-{:02}-{:02},U,{} Mill Lane,B{} 1AA\n",
            "a".repeat(i % 7 + 1),
            "b".repeat(i % 11 + 1),
            1930 + i % 60,
            1 + i % 12,
            1 + i % 28,
            i + 1,
            1 + i % 70,
        ));
    }
    std::fs::write(&file, csv).unwrap();
    let data = dir.path().join("data");
    let command = || {
        let mut c = Command::new(env!("CARGO_BIN_EXE_scr-hub"));
        c.args([
            "import",
            "--system",
            "finance",
            "--checkpoint-rows",
            "100",
            "--data-dir",
        ])
        .arg(&data)
        .arg(&file);
        c
    };
    let mut child = command()
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let checkpoint = scr_hub::import::checkpoint_path(&file);
    let started = std::time::Instant::now();
    while !checkpoint.exists() && started.elapsed().as_secs() < 60 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // SIGKILL: no chance to save anything more.
    child.kill().unwrap();
    child.wait().unwrap();
    let saved: scr_hub::import::Checkpoint =
        serde_json::from_slice(&std::fs::read(&checkpoint).unwrap()).unwrap();
    assert!(!saved.finished, "the import finished before it was killed");

    let second = command().output().unwrap();
    let out = String::from_utf8_lossy(&second.stdout);
    assert!(second.status.success(), "{out}");
    assert!(
        out.contains(&format!("rows read:              {rows}")),
        "{out}"
    );
    assert!(out.contains("already linked, updated: 0"), "{out}");

    let url = format!("sqlite://{}", data.join("scr.db").display());
    let store = scr_hub::store::open(
        &url,
        std::sync::Arc::new(scr_hub::audit::Keyring::generate()),
    )
    .await
    .unwrap();
    let mut linked = 0;
    for i in 0..rows {
        let id = crate::customer_of(&store, "finance", &format!("F{i}")).await;
        let customer = store
            .load_customer(&scr_hub::record::CustomerId::parse(&id.unwrap()).unwrap())
            .await
            .unwrap()
            .unwrap();
        let mine: Vec<_> = customer
            .links
            .iter()
            .filter(|l| l.local_id.as_str() == format!("F{i}"))
            .collect();
        assert_eq!(mine.len(), 1, "one link for F{i}");
        linked += 1;
    }
    assert_eq!(linked, rows);
}
