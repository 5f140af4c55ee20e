//! Text encodings an import accepts: UTF-8 (a leading BOM is skipped by the
//! reader) and Windows-1252, the legacy default of many council systems.

use serde::Deserialize;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Encoding {
    #[default]
    #[value(name = "utf-8")]
    Utf8,
    #[value(name = "windows-1252")]
    Windows1252,
}

impl Encoding {
    /// One field's bytes as text; `None` when they are not valid UTF-8.
    /// Windows-1252 maps every byte, so it never fails.
    pub fn decode(self, bytes: &[u8]) -> Option<String> {
        match self {
            Encoding::Utf8 => std::str::from_utf8(bytes).ok().map(str::to_owned),
            Encoding::Windows1252 => {
                let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
                Some(text.into_owned())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_both() {
        assert_eq!(
            Encoding::Windows1252.decode(b"Zo\xeb").as_deref(),
            Some("Zoë")
        );
        assert_eq!(Encoding::Utf8.decode(b"Zo\xeb"), None);
        assert_eq!(
            Encoding::Utf8.decode("Zoë".as_bytes()).as_deref(),
            Some("Zoë")
        );
    }
}
