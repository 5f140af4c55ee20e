//! The reject file, `FILE.csv.rejects.csv`: line, field, reason, then the
//! row's own columns so it can be corrected and loaded again. A refused
//! minor's row keeps its line and reason only: the hub must not hold the data.

use csv::Writer;
use std::fs::{File, OpenOptions};
use std::path::Path;

pub struct Rejects {
    writer: Writer<File>,
    columns: usize,
}

impl Rejects {
    /// Starts a new file, or reopens one cut back to `resume_len` bytes so
    /// rows after the checkpoint are not written twice.
    pub fn open(path: &Path, headers: &[String], resume_len: Option<u64>) -> std::io::Result<Self> {
        let fresh = resume_len.is_none_or(|len| len == 0);
        let file = if fresh {
            File::create(path)?
        } else {
            let file = OpenOptions::new().write(true).open(path)?;
            file.set_len(resume_len.unwrap_or(0))?;
            let mut file = file;
            std::io::Seek::seek(&mut file, std::io::SeekFrom::End(0))?;
            file
        };
        let mut writer = csv::WriterBuilder::new().from_writer(file);
        if fresh {
            let mut header = vec!["line".to_owned(), "field".into(), "reason".into()];
            header.extend(headers.iter().cloned());
            writer.write_record(&header)?;
        }
        Ok(Self {
            writer,
            columns: headers.len(),
        })
    }

    /// One rejected row; `row` is `None` when its data must not be kept.
    pub fn write(
        &mut self,
        line: u64,
        field: &str,
        reason: &str,
        row: Option<&[String]>,
    ) -> std::io::Result<()> {
        let mut record = vec![line.to_string(), field.to_owned(), reason.to_owned()];
        let mut values: Vec<String> = row.map(<[String]>::to_vec).unwrap_or_default();
        values.resize(self.columns, String::new());
        record.extend(values);
        self.writer
            .write_record(&record)
            .map_err(std::io::Error::other)
    }

    /// Flushes and returns the file's length, for the checkpoint.
    pub fn flush_len(&mut self) -> std::io::Result<u64> {
        self.writer.flush()?;
        Ok(self.writer.get_ref().metadata()?.len())
    }
}
