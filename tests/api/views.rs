//! What each caller sees, over gRPC, on both stores: every read RPC x every
//! kind of caller x every state a record can be in, each cell asserting
//! exactly what comes back. The rules are `policy::view`; the expected
//! answers below are written from the privacy notice's rules, not from it.

use crate::helpers::*;
use scr_hub::api::pb;
use std::collections::BTreeMap;
use tonic::Code;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum State {
    /// Held by three departments; consent to share with waste.
    Ordinary,
    /// Council tax reported a move; waste (consent) is told, libraries not.
    Withheld,
    /// As Withheld, but the person objects to address sharing.
    Objection,
    /// A 12-year-old held by council tax on parental consent; the case
    /// worker has a need-to-know grant.
    Minor,
    /// As Ordinary, then the DPO restricted processing.
    Restricted,
    /// Libraries' record was a customer of its own, merged by a steward
    /// into the one council tax and waste hold; read by the merged ID.
    Merged,
    /// As Ordinary, then erased.
    Erased,
}

const STATES: [State; 7] = [
    State::Ordinary,
    State::Withheld,
    State::Objection,
    State::Minor,
    State::Restricted,
    State::Merged,
    State::Erased,
];

/// The callers, as tokens: council-tax supplied the record (and reports
/// moves), waste holds it with consent, libraries holds it without,
/// leisure never held it.
const SUPPLIER: &str = "council-tax";
const CONSENTING: &str = "waste";
const UNCONSENTED: &str = "libraries";
const UNLINKED: &str = "leisure";
const GRANTEE: &str = "case-worker";
const CALLER_KINDS: [&str; 9] = [
    SUPPLIER,
    CONSENTING,
    UNCONSENTED,
    UNLINKED,
    "agent",
    "steward",
    "dpo",
    GRANTEE,
    "libraries-feed",
];

const NEW_LINE: &str = "3 Selly Park Road";

/// Each state's person is someone else: another name, birthday and home.
fn given(state: State) -> &'static str {
    match state {
        State::Ordinary => "Amelia",
        State::Withheld => "Beatrice",
        State::Objection => "Chidinma",
        State::Minor => "Deborah",
        State::Restricted => "Esther",
        State::Merged => "Florence",
        State::Erased => "Gwendolyn",
    }
}

fn old_line(state: State) -> String {
    format!("{} Harborne Road", 10 + 7 * state as u8)
}

/// The family name and local-ID stem of each state's person.
fn family(state: State) -> &'static str {
    match state {
        State::Ordinary => "Adeyemi",
        State::Withheld => "Balogun",
        State::Objection => "Chukwuma",
        State::Minor => "Danjuma",
        State::Restricted => "Ezeani",
        State::Merged => "Fashola",
        State::Erased => "Gowonski",
    }
}

fn local_id(state: State, system: &str) -> String {
    format!("{}-{}", system.to_uppercase(), family(state))
}

fn birth(state: State) -> String {
    match state {
        State::Minor => born_years_ago(12),
        _ => format!(
            "19{}-0{}-1{}",
            40 + 7 * state as u8,
            1 + state as u8,
            state as u8
        ),
    }
}

/// A department's record of the person: each department keys the middle
/// name its own way, so a read shows whose facts it shows.
fn supplied(state: State, system: &str) -> pb::DepartmentalRecord {
    let middle = match system {
        SUPPLIER => "Jane",
        CONSENTING => "J",
        _ => "",
    };
    pb::DepartmentalRecord {
        system: system.into(),
        local_id: local_id(state, system),
        name: Some(pb::PersonName {
            given: given(state).into(),
            middle: middle.into(),
            family: family(state).into(),
        }),
        date_of_birth: birth(state),
        gender: pb::Gender::Female.into(),
        address: Some(address(&old_line(state), "B15 3DH")),
    }
}

fn address(line: &str, postcode: &str) -> pb::Address {
    pb::Address {
        lines: vec![line.into()],
        town: "Birmingham".into(),
        postcode: postcode.into(),
        uprn: String::new(),
    }
}

fn evidence() -> pb::ConsentEvidence {
    pb::ConsentEvidence {
        channel: "phone".into(),
        reference: "CALL-1".into(),
        captured_by: String::new(),
    }
}

async fn submit_as(app: &TestApp, token: &str, request: pb::SubmitRecordRequest) -> String {
    app.records()
        .submit_record(authed(token, request))
        .await
        .unwrap()
        .into_inner()
        .customer_id
}

/// Makes a person in `state`; returns the ID the matrix reads.
async fn make(app: &TestApp, state: State) -> String {
    if state == State::Minor {
        let mut request = submit(supplied(state, SUPPLIER), "");
        request.minor_basis = Some(pb::MinorBasis {
            kind: pb::MinorBasisKind::ParentalConsent.into(),
            reference: "GUARDIAN-1".into(),
            expires_at: None,
        });
        let id = submit_as(app, SUPPLIER, request).await;
        app.subject_rights()
            .grant_need_to_know(authed(
                "dpo",
                pb::GrantNeedToKnowRequest {
                    customer_id: id.clone(),
                    grantee: GRANTEE.into(),
                    reason: "safeguarding case".into(),
                    expires_at: timestamp(chrono::Utc::now() + chrono::Duration::days(1)),
                },
            ))
            .await
            .unwrap();
        return id;
    }
    let id = submit_as(app, SUPPLIER, submit(supplied(state, SUPPLIER), "")).await;
    let waste = submit_as(app, CONSENTING, submit(supplied(state, CONSENTING), "")).await;
    assert_eq!(waste, id, "{state:?}: waste's record links");
    let mut libraries = supplied(state, UNCONSENTED);
    if state == State::Merged {
        // Keyed with the wrong year: a customer of its own until merged.
        libraries.date_of_birth = "1931-03-14".into();
    }
    let lib = submit_as(app, UNCONSENTED, submit(libraries, "")).await;
    assert_eq!(
        lib == id,
        state != State::Merged,
        "{state:?}: libraries' link"
    );
    app.consents()
        .grant_consent(authed(
            "agent",
            pb::GrantConsentRequest {
                customer_id: id.clone(),
                system: CONSENTING.into(),
                scope: pb::ConsentScope::AddressChanges.into(),
                evidence: Some(evidence()),
            },
        ))
        .await
        .unwrap();
    let rights = || app.subject_rights();
    match state {
        State::Withheld | State::Objection => {
            if state == State::Objection {
                rights()
                    .record_objection(authed(
                        "dpo",
                        pb::RecordObjectionRequest {
                            customer_id: id.clone(),
                            grounds: "does not want the move shared".into(),
                            scope: pb::ObjectionScope::AddressSharing.into(),
                        },
                    ))
                    .await
                    .unwrap();
            }
            app.records()
                .change_address(authed(
                    SUPPLIER,
                    pb::ChangeAddressRequest {
                        customer_id: id.clone(),
                        new_address: Some(address(NEW_LINE, "B29 7PN")),
                        effective_date: "2026-01-15".into(),
                        ..Default::default()
                    },
                ))
                .await
                .unwrap();
        }
        State::Restricted => {
            rights()
                .restrict_processing(authed(
                    "dpo",
                    pb::RestrictProcessingRequest {
                        customer_id: id.clone(),
                        reason: "accuracy contested".into(),
                    },
                ))
                .await
                .unwrap();
        }
        State::Merged => {
            app.match_review_merge(&id, &lib).await;
            return lib;
        }
        State::Erased => {
            rights()
                .erase_customer(authed(
                    "dpo",
                    pb::EraseCustomerRequest {
                        customer_id: id.clone(),
                        reason: "right to erasure".into(),
                    },
                ))
                .await
                .unwrap();
        }
        State::Ordinary | State::Minor => {}
    }
    id
}

/// What a call came back with, reduced to what the matrix compares.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seen {
    Denied,
    NotFound,
    /// The middle name shown (whose facts), the address line shown, how
    /// many earlier addresses, the systems whose links are listed, and
    /// whether the merged ID was named.
    Record {
        middle: String,
        line: String,
        history: usize,
        links: Vec<String>,
        merged_from: bool,
    },
    /// ResolveLink: the systems of the links shown.
    Links(Vec<String>),
    /// ListConsents: the systems named in the history.
    Consents(Vec<String>),
    /// Search: whether the person was among the hits.
    Hit(bool),
    /// A write to a merged-away ID: refused, naming the survivor (only to
    /// a caller who may see it).
    Merged,
    Ok,
}

fn outcome<T>(result: Result<T, tonic::Status>, seen: impl FnOnce(T) -> Seen) -> Seen {
    match result {
        Ok(value) => seen(value),
        Err(s) if s.code() == Code::PermissionDenied => Seen::Denied,
        Err(s) if s.code() == Code::NotFound => Seen::NotFound,
        Err(s) if error_reason(&s).as_deref() == Some("CUSTOMER_MERGED") => Seen::Merged,
        Err(s) => panic!("unexpected status {s:?}"),
    }
}

fn systems(links: &[pb::Link]) -> Vec<String> {
    let mut s: Vec<String> = links.iter().map(|l| l.system.clone()).collect();
    s.sort();
    s
}

async fn observe(app: &TestApp, rpc: &str, token: &str, state: State, id: &str) -> Seen {
    let purpose = "matrix".to_string();
    match rpc {
        "GetCustomer" => outcome(
            app.records()
                .get_customer(authed(
                    token,
                    pb::GetCustomerRequest {
                        customer_id: id.into(),
                        purpose,
                    },
                ))
                .await,
            |r| {
                let c = r.into_inner().customer.unwrap();
                Seen::Record {
                    middle: c.name.unwrap().middle,
                    line: c.address.unwrap().lines[0].clone(),
                    history: c.previous_addresses.len(),
                    links: systems(&c.links),
                    merged_from: !c.merged_from.is_empty(),
                }
            },
        ),
        "ResolveLink" => {
            // A department resolves its own ID; staff the supplier's.
            let system = match token {
                SUPPLIER | CONSENTING | UNCONSENTED | UNLINKED => token,
                "libraries-feed" => UNCONSENTED,
                _ => SUPPLIER,
            };
            outcome(
                app.records()
                    .resolve_link(authed(
                        token,
                        pb::ResolveLinkRequest {
                            system: system.into(),
                            local_id: local_id(state, system),
                            purpose,
                        },
                    ))
                    .await,
                |r| Seen::Links(systems(&r.into_inner().links)),
            )
        }
        "ListConsents" => outcome(
            app.consents()
                .list_consents(authed(
                    token,
                    pb::ListConsentsRequest {
                        customer_id: id.into(),
                        ..Default::default()
                    },
                ))
                .await,
            |r| {
                let mut s: Vec<String> = r
                    .into_inner()
                    .history
                    .into_iter()
                    .map(|c| c.system)
                    .collect();
                s.dedup();
                Seen::Consents(s)
            },
        ),
        "SearchCustomers" => outcome(
            app.search()
                .search_customers(authed(
                    token,
                    pb::SearchCustomersRequest {
                        query: format!("{} {}", given(state), family(state)),
                        purpose,
                        ..Default::default()
                    },
                ))
                .await,
            |r| {
                let hits = r.into_inner().hits;
                Seen::Hit(hits.iter().any(|h| h.family_name == family(state)))
            },
        ),
        "VerifyIdentity" => outcome(
            app.identity()
                .verify_identity(authed(
                    token,
                    pb::VerifyIdentityRequest {
                        customer_id: id.into(),
                        claims: Some(pb::IdentityClaims {
                            date_of_birth: birth(state),
                            ..Default::default()
                        }),
                    },
                ))
                .await,
            |r| {
                assert!(r.into_inner().verified);
                Seen::Ok
            },
        ),
        "SetVerificationFacts" => outcome(
            app.identity()
                .set_verification_facts(authed(
                    token,
                    pb::SetVerificationFactsRequest {
                        customer_id: id.into(),
                        facts: vec![pb::VerificationFact {
                            kind: "library_card".into(),
                            value: "LC-1".into(),
                        }],
                    },
                ))
                .await,
            |_| Seen::Ok,
        ),
        "ExportSubjectData" => outcome(
            app.subject_rights()
                .export_subject_data(authed(
                    token,
                    pb::ExportSubjectDataRequest {
                        customer_id: id.into(),
                    },
                ))
                .await,
            |_| Seen::Ok,
        ),
        "ListAccessRecords" => outcome(
            app.audit()
                .list_access_records(authed(
                    token,
                    pb::ListAccessRecordsRequest {
                        customer_id: id.into(),
                        ..Default::default()
                    },
                ))
                .await,
            |_| Seen::Ok,
        ),
        other => panic!("no such RPC {other}"),
    }
}

const RPCS: [&str; 8] = [
    "GetCustomer",
    "ResolveLink",
    "ListConsents",
    "SearchCustomers",
    "VerifyIdentity",
    "SetVerificationFacts",
    "ExportSubjectData",
    "ListAccessRecords",
];

fn is_department(token: &str) -> bool {
    matches!(token, SUPPLIER | CONSENTING | UNCONSENTED | UNLINKED)
}

fn is_staff(token: &str) -> bool {
    matches!(token, "agent" | "steward" | "dpo" | GRANTEE)
}

/// Whether `token` may know the person in `state` exists at all.
fn visible(state: State, token: &str) -> bool {
    match state {
        State::Erased => false,
        State::Restricted => token == "dpo",
        State::Minor => matches!(token, SUPPLIER | "dpo" | GRANTEE),
        _ => is_staff(token) || matches!(token, SUPPLIER | CONSENTING | UNCONSENTED),
    }
}

/// Which roles may make each call at all (the role table).
fn role_allows(rpc: &str, token: &str) -> bool {
    match rpc {
        "GetCustomer" | "ResolveLink" => is_department(token) || is_staff(token),
        "ListConsents" => is_department(token) || matches!(token, "agent" | "dpo" | GRANTEE),
        "SearchCustomers" | "VerifyIdentity" => is_staff(token),
        "SetVerificationFacts" => is_department(token) || matches!(token, "agent" | GRANTEE),
        "ExportSubjectData" | "ListAccessRecords" => token == "dpo",
        _ => false,
    }
}

/// The answer the privacy notice's rules call for.
fn expected(rpc: &str, token: &str, state: State) -> Seen {
    if !role_allows(rpc, token) {
        return Seen::Denied;
    }
    // The access trail outlives the person (IDs only): the DPO answers
    // complaints about who looked, even after an erasure.
    if rpc == "ListAccessRecords" {
        return Seen::Ok;
    }
    if !visible(state, token) {
        return match rpc {
            "SearchCustomers" => Seen::Hit(false),
            _ => Seen::NotFound,
        };
    }
    let moved = matches!(state, State::Withheld | State::Objection);
    let all = vec![
        "council-tax".to_string(),
        "libraries".into(),
        "waste".into(),
    ];
    let held = if state == State::Minor {
        vec!["council-tax".to_string()]
    } else {
        all
    };
    match rpc {
        "GetCustomer" if is_staff(token) => Seen::Record {
            middle: "Jane".into(),
            line: if moved {
                NEW_LINE.into()
            } else {
                old_line(state)
            },
            history: usize::from(moved),
            links: held,
            merged_from: state == State::Merged,
        },
        // A department: its own facts; the new address only where it
        // reported it (council tax) or consent stands without objection.
        "GetCustomer" => {
            let sees_move = match token {
                SUPPLIER => true,
                CONSENTING => state != State::Objection,
                _ => false,
            };
            Seen::Record {
                middle: match token {
                    SUPPLIER => "Jane",
                    CONSENTING => "J",
                    _ => "",
                }
                .into(),
                line: if moved && sees_move {
                    NEW_LINE.into()
                } else {
                    old_line(state)
                },
                history: 0,
                links: vec![token.to_string()],
                merged_from: state == State::Merged,
            }
        }
        "ResolveLink" if is_department(token) => Seen::Links(vec![token.to_string()]),
        "ResolveLink" => Seen::Links(held),
        "ListConsents" => Seen::Consents(match (state, token) {
            (State::Minor, _) => vec![],
            (_, CONSENTING | "agent" | "dpo" | GRANTEE) => vec!["waste".into()],
            _ => vec![],
        }),
        "SearchCustomers" => Seen::Hit(true),
        "VerifyIdentity" | "SetVerificationFacts" if state == State::Merged => Seen::Merged,
        _ => Seen::Ok,
    }
}

async fn matrix(app: TestApp) {
    let mut ids = BTreeMap::new();
    for state in STATES {
        ids.insert(state, make(&app, state).await);
    }
    // Wait until the search index holds the last change made.
    let last = ids[&State::Erased].clone();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while observe(&app, "SearchCustomers", "agent", State::Merged, &last).await != Seen::Hit(true)
        || observe(&app, "SearchCustomers", "dpo", State::Restricted, &last).await
            != Seen::Hit(true)
    {
        assert!(
            std::time::Instant::now() < deadline,
            "search index caught up: {:?} {:?}",
            observe(&app, "SearchCustomers", "agent", State::Merged, &last).await,
            observe(&app, "SearchCustomers", "dpo", State::Restricted, &last).await
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let mut wrong = Vec::new();
    for state in STATES {
        for token in CALLER_KINDS {
            for rpc in RPCS {
                let seen = observe(&app, rpc, token, state, &ids[&state]).await;
                let want = expected(rpc, token, state);
                if seen != want {
                    wrong.push(format!(
                        "{rpc} by {token} of {state:?}: got {seen:?}, want {want:?}"
                    ));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} cells wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    app.stop().await;
}

#[tokio::test]
async fn every_read_shows_each_caller_what_it_may_see_on_sqlite() {
    matrix(spawn_app().await).await;
}

#[tokio::test]
async fn every_read_shows_each_caller_what_it_may_see_on_postgres() {
    if let Some(app) = spawn_app_on(Backend::Postgres).await {
        matrix(app).await;
    }
}
