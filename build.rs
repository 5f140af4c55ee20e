//! Compiles proto/ with protox (pure Rust), so a build needs no system protoc,
//! and keeps the descriptor set for gRPC server reflection.

use prost::Message;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protos = [
        "proto/scr/v1/types.proto",
        "proto/scr/v1/customer_records.proto",
        "proto/scr/v1/admin.proto",
        "proto/scr/v1/match_review.proto",
        "proto/scr/v1/consents.proto",
        "proto/scr/v1/events.proto",
        "proto/scr/v1/search.proto",
        "proto/scr/v1/subject_rights.proto",
        "proto/scr/v1/audit.proto",
        "proto/scr/v1/statistics.proto",
    ];
    println!("cargo:rerun-if-changed=proto");
    let fds = protox::compile(protos, ["proto"])?;
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(out.join("scr_descriptor.bin"), fds.encode_to_vec())?;
    tonic_prost_build::configure().compile_fds(fds)?;
    Ok(())
}
