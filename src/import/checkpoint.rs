//! The resume point, `FILE.csv.scr-import.json`: the last line whose rows
//! (and all before it) are committed, the counts so far and the length of
//! the reject file then. Written atomically (temporary file, then rename).

use super::summary::Counts;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// SHA-256 of the whole input: a changed file does not resume.
    pub file_sha256: String,
    pub system: String,
    /// Every row on or before this line is done.
    pub line: u64,
    /// Bytes of the reject file that belong to rows up to `line`.
    pub rejects_len: u64,
    pub counts: Counts,
    pub finished: bool,
}

pub fn path_for(input: &Path) -> PathBuf {
    suffixed(input, ".scr-import.json")
}

pub fn suffixed(input: &Path, suffix: &str) -> PathBuf {
    let mut name = input.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

pub fn load(path: &Path) -> std::io::Result<Option<Checkpoint>> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

pub fn save(path: &Path, checkpoint: &Checkpoint) -> std::io::Result<()> {
    let tmp = suffixed(path, ".tmp");
    let json = serde_json::to_vec_pretty(checkpoint).map_err(std::io::Error::other)?;
    {
        use std::io::Write;
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(&json)?;
        file.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = path_for(&dir.path().join("a.csv"));
        assert!(path.ends_with("a.csv.scr-import.json"));
        assert_eq!(load(&path).unwrap(), None);
        let c = Checkpoint {
            line: 42,
            ..Default::default()
        };
        save(&path, &c).unwrap();
        assert_eq!(load(&path).unwrap(), Some(c));
    }
}
