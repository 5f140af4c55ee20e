//! One load: good rows, bad rows, a refused minor, Windows-1252, and a
//! person in two systems' files linked to one customer.

use crate::{both_stores, customer_of, hub, import, options};

const HEADER: &str = "local_id,given_name,middle_name,family_name,date_of_birth,gender,address_line_1,address_line_2,town,postcode,uprn\n";

both_stores!(loads_validates_and_links, windows_1252_and_mapping);

async fn loads_validates_and_links(pg: bool) {
    let dir = tempfile::tempdir().unwrap();
    let Some((hub, store)) = hub(dir.path(), pg).await else {
        return;
    };
    let libraries = dir.path().join("libraries.csv");
    std::fs::write(
        &libraries,
        format!(
            "\u{feff}{HEADER}\
             L1,Margaret,Anne,Thatcher,13/10/1955,F,10 Downing Street,,Birmingham,B1 1AA,\n\
             L2,Harold,,Wilson,1946-03-11,M,1 Lord Street,,Birmingham,b2 4qa,\n\
             L3,Bad,,Postcode,1950-01-01,M,2 High Street,,Birmingham,NOT A POSTCODE,\n\
             L4,Nofamily,,,1950-01-01,F,3 High Street,,Birmingham,B3 2AA,\n\
             L5,Future,,Child,2030-05-05,M,4 High Street,,Birmingham,B3 2AB,\n\
             L6,Tiny,,Minor,2015-06-01,F,5 Secret Lane,,Birmingham,B5 5ZZ,\n"
        ),
    )
    .unwrap();
    let summary = import(&hub, options("libraries", &libraries)).await;
    let c = &summary.counts;
    assert_eq!(c.rows_read, 6);
    assert_eq!(c.new_customers, 2);
    assert_eq!(c.linked, 0);
    assert_eq!(c.rejected, 3);
    assert_eq!(c.minors_refused, 1);
    assert_eq!(c.reasons.len(), 3, "{:?}", c.reasons);
    assert!(c.reasons.keys().any(|r| r.starts_with("postcode:")));
    assert!(c.reasons.contains_key("family_name: is required"));
    assert!(
        c.reasons
            .contains_key("date_of_birth: must not be in the future")
    );
    let rendered = summary.render();
    assert!(!rendered.contains("Thatcher") && !rendered.contains("Minor"));

    let rejects = std::fs::read_to_string(dir.path().join("libraries.csv.rejects.csv")).unwrap();
    let lines: Vec<&str> = rejects.lines().collect();
    assert!(lines[0].starts_with("line,field,reason,local_id,given_name"));
    assert!(lines[1].starts_with("4,postcode,"), "{}", lines[1]);
    assert!(lines[1].contains("NOT A POSTCODE"));
    assert!(lines[2].starts_with("5,family_name,is required,L4,Nofamily"));
    assert!(lines[3].starts_with("6,date_of_birth,must not be in the future,L5"));
    // The refused minor: line and rule, nothing of the person.
    assert!(lines[4].starts_with("7,date_of_birth,MINOR_WITHOUT_LAWFUL_BASIS"));
    for secret in ["Tiny", "Minor", "Secret", "B5 5ZZ", "2015", "L6"] {
        assert!(
            !rejects.contains(secret),
            "{secret} leaked into the reject file"
        );
    }
    assert_eq!(lines.len(), 5);
    assert!(customer_of(&store, "libraries", "L6").await.is_none());

    // The same people as Council Tax holds them: linked, not new.
    let council_tax = dir.path().join("council_tax.csv");
    std::fs::write(
        &council_tax,
        format!(
            "{HEADER}\
             CT-9,Margaret,,Thatcher,1955-10-13,F,10 Downing St,,Birmingham,B1 1AA,\n\
             CT-10,Harold,,Wilson,11/03/1946,M,1 Lord St,,Birmingham,B2 4QA,\n\
             CT-11,Someone,,Else,1980-01-01,U,9 Other Road,,Birmingham,B9 9AA,\n"
        ),
    )
    .unwrap();
    let summary = import(&hub, options("council_tax", &council_tax)).await;
    assert_eq!(summary.counts.linked, 2, "{}", summary.render());
    assert_eq!(summary.counts.new_customers, 1);
    assert_eq!(
        customer_of(&store, "council_tax", "CT-9").await,
        customer_of(&store, "libraries", "L1").await
    );
    assert_eq!(
        customer_of(&store, "council_tax", "CT-10").await,
        customer_of(&store, "libraries", "L2").await
    );
}

async fn windows_1252_and_mapping(pg: bool) {
    let dir = tempfile::tempdir().unwrap();
    let Some((hub, store)) = hub(dir.path(), pg).await else {
        return;
    };
    let file = dir.path().join("leisure.csv");
    let mut bytes = b"Member No,Forename,Surname,DOB,Sex,Address,Postcode\n".to_vec();
    bytes.extend_from_slice(b"M1,Zo\xeb,Br\xfbl\xe9,02/03/1990,F,12 Caf\xe9 Row|Moseley,B13 9AA\n");
    std::fs::write(&file, &bytes).unwrap();
    let mut opts = options("leisure", &file);
    opts.encoding = scr_hub::import::Encoding::Windows1252;
    for m in [
        "local_id=Member No",
        "given_name=Forename",
        "family_name=Surname",
        "date_of_birth=DOB",
        "gender=Sex",
        "address_lines=Address",
    ] {
        let (field, header) = scr_hub::import::parse_mapping(m).unwrap();
        opts.columns.insert(field, header);
    }
    let summary = import(&hub, opts.clone()).await;
    assert_eq!(summary.counts.new_customers, 1, "{}", summary.render());
    let id = customer_of(&store, "leisure", "M1").await.unwrap();
    let customer = store
        .load_customer(&scr_hub::record::CustomerId::parse(&id).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(customer.person.name.given, "Zoë");
    assert_eq!(customer.person.name.family, "Brûlé");
    assert_eq!(
        customer.person.address.lines,
        vec!["12 Café Row", "Moseley"]
    );

    // Read as UTF-8, the same bytes are rejected, never mangled into the hub.
    let utf8 = dir.path().join("leisure2.csv");
    std::fs::write(&utf8, &bytes).unwrap();
    opts.file = utf8;
    opts.encoding = scr_hub::import::Encoding::Utf8;
    let summary = import(&hub, opts).await;
    assert_eq!(summary.counts.rejected, 1);
    assert!(
        summary
            .counts
            .reasons
            .keys()
            .any(|r| r.contains("not valid UTF-8"))
    );
}
