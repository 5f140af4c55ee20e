//! The `scr-hub import` command: interrupted with the test hook (exit 130),
//! then run again to finish.

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
