//! Reads the CSV on its own thread, decodes and validates each row, and hands
//! batches to the importer: parsing never blocks the async runtime.

use super::ImportError;
use super::columns::ColumnMap;
use super::decode::Encoding;
use super::row::parse_row;
use crate::record::{DepartmentalRecord, FieldViolation, SystemCode};
use chrono::NaiveDate;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;
use tokio::sync::mpsc;

/// One data row: its line, its raw values (for the reject file) and the
/// record it makes or why it cannot.
pub struct Row {
    pub line: u64,
    pub raw: Vec<String>,
    pub parsed: Result<DepartmentalRecord, Vec<FieldViolation>>,
}

pub struct Input {
    reader: csv::Reader<BufReader<File>>,
    pub headers: Vec<String>,
    pub map: ColumnMap,
    encoding: Encoding,
}

/// Opens `path`, skips a UTF-8 byte-order mark and resolves the header.
pub fn open(
    path: &Path,
    encoding: Encoding,
    overrides: &BTreeMap<String, String>,
) -> Result<Input, ImportError> {
    let mut file = BufReader::with_capacity(1 << 20, File::open(path)?);
    if file.fill_buf()?.starts_with(b"\xEF\xBB\xBF") {
        file.consume(3);
    }
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(file);
    let header = reader.byte_headers()?.clone();
    if header.is_empty() {
        return Err(ImportError::Input("the file has no header row".into()));
    }
    let headers: Vec<String> = header
        .iter()
        .map(|h| {
            encoding
                .decode(h)
                .unwrap_or_else(|| String::from_utf8_lossy(h).into_owned())
        })
        .collect();
    let map = ColumnMap::resolve(&headers, overrides).map_err(ImportError::Input)?;
    Ok(Input {
        reader,
        headers,
        map,
        encoding,
    })
}

/// Batches of rows after line `skip_through`, in file order; the channel ends
/// at end of file, or carries the error that stopped reading.
pub fn spawn(
    mut input: Input,
    system: SystemCode,
    today: NaiveDate,
    skip_through: u64,
    batch_rows: usize,
) -> mpsc::Receiver<Result<Vec<Row>, ImportError>> {
    let (tx, rx) = mpsc::channel(4);
    std::thread::spawn(move || {
        let mut record = csv::ByteRecord::new();
        let mut batch = Vec::with_capacity(batch_rows);
        loop {
            match input.reader.read_byte_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    let _ = tx.blocking_send(Err(e.into()));
                    return;
                }
            }
            let line = record.position().map_or(0, |p| p.line());
            if line <= skip_through {
                continue;
            }
            batch.push(row(&input, &record, line, &system, today));
            if batch.len() >= batch_rows
                && tx
                    .blocking_send(Ok(std::mem::replace(
                        &mut batch,
                        Vec::with_capacity(batch_rows),
                    )))
                    .is_err()
            {
                return;
            }
        }
        if !batch.is_empty() {
            let _ = tx.blocking_send(Ok(batch));
        }
    });
    rx
}

fn row(
    input: &Input,
    record: &csv::ByteRecord,
    line: u64,
    system: &SystemCode,
    today: NaiveDate,
) -> Row {
    let mut undecodable = Vec::new();
    let raw: Vec<String> = record
        .iter()
        .enumerate()
        .map(|(i, bytes)| {
            input.encoding.decode(bytes).unwrap_or_else(|| {
                let column = input.headers.get(i).map_or("?", String::as_str);
                undecodable.push(FieldViolation::new(
                    column,
                    "is not valid UTF-8 (is the file Windows-1252? use --encoding windows-1252)",
                ));
                String::from_utf8_lossy(bytes).into_owned()
            })
        })
        .collect();
    let parsed = if undecodable.is_empty() {
        parse_row(&raw, &input.map, system, today)
    } else {
        Err(undecodable)
    };
    Row { line, raw, parsed }
}

/// SHA-256 of the file and its number of lines (for the ETA), in one pass.
pub fn fingerprint(path: &Path) -> std::io::Result<(String, u64)> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut lines = 0u64;
    let mut last = b'\n';
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        lines += buf[..n].iter().filter(|b| **b == b'\n').count() as u64;
        last = buf[n - 1];
    }
    if last != b'\n' {
        lines += 1;
    }
    Ok((hex::encode(hasher.finalize()), lines))
}
