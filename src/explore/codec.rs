//! The words of a checkpoint (src/explore/checkpoint.rs): little-endian
//! values folded into a checksum as they are written and read, and why a
//! file cannot be read back. The visited set (src/explore/store.rs) saves
//! and restores its shards through these, so both modules depend on this
//! one and not on each other.

use std::io::{self, BufReader, BufWriter, Read, Write};

use crate::hash::mix;

/// The version of the format; another is refused. (2: the checksum folds
/// values with [`crate::hash::mix`].)
pub(super) const VERSION: u32 = 2;
/// Values read at a time into a growing vector.
const CHUNK: usize = 1 << 13;

/// Why a checkpoint cannot be resumed from.
#[derive(Debug)]
pub enum Unreadable {
    /// The file could not be read.
    Io(io::Error),
    /// Not a checkpoint of dsmc's at all.
    NotACheckpoint,
    /// A checkpoint in another version of the format.
    Version(u32),
    /// Damaged: cut short, or its parts do not fit together.
    Corrupt(&'static str),
    /// A checkpoint of another spec or configuration: how it differs.
    Mismatch(String),
}

impl From<io::Error> for Unreadable {
    fn from(e: io::Error) -> Unreadable {
        match e.kind() {
            io::ErrorKind::UnexpectedEof => Unreadable::Corrupt("it ends early"),
            _ => Unreadable::Io(e),
        }
    }
}

impl Unreadable {
    /// The problem in words.
    pub fn describe(&self) -> String {
        match self {
            Unreadable::Io(e) => format!("it cannot be read: {e}"),
            Unreadable::NotACheckpoint => "it is not a dsmc checkpoint".to_string(),
            Unreadable::Version(v) => {
                format!("it is in checkpoint format {v}; this dsmc reads format {VERSION}")
            }
            Unreadable::Corrupt(what) => format!("it is damaged: {what}"),
            Unreadable::Mismatch(how) => format!("it belongs to another check: {how}"),
        }
    }
}

/// A checkpoint being written: buffered, with its checksum.
pub struct Out<'w> {
    pub(super) w: BufWriter<&'w mut dyn Write>,
    pub(super) sum: u64,
}

impl Out<'_> {
    pub fn u64(&mut self, value: u64) -> io::Result<()> {
        self.sum = mix(self.sum, value);
        self.w.write_all(&value.to_le_bytes())
    }

    /// A length and the values.
    pub(crate) fn u64s(&mut self, values: &[u64]) -> io::Result<()> {
        self.u64(values.len() as u64)?;
        values.iter().try_for_each(|&v| self.u64(v))
    }

    /// A length and the values.
    pub(crate) fn u32s(&mut self, values: &[u32]) -> io::Result<()> {
        self.u64(values.len() as u64)?;
        self.u32_values(values)
    }

    /// The values alone.
    pub(crate) fn u32_values(&mut self, values: &[u32]) -> io::Result<()> {
        for &v in values {
            self.sum = mix(self.sum, v as u64);
            self.w.write_all(&v.to_le_bytes())?;
        }
        Ok(())
    }
}

/// A checkpoint being read: buffered, with its checksum.
pub struct In<'r> {
    pub(super) r: BufReader<&'r mut dyn Read>,
    pub(super) sum: u64,
}

impl In<'_> {
    pub fn u64(&mut self) -> io::Result<u64> {
        let mut bytes = [0; 8];
        self.r.read_exact(&mut bytes)?;
        let value = u64::from_le_bytes(bytes);
        self.sum = mix(self.sum, value);
        Ok(value)
    }

    pub fn u32(&mut self) -> io::Result<u32> {
        let mut bytes = [0; 4];
        self.r.read_exact(&mut bytes)?;
        let value = u32::from_le_bytes(bytes);
        self.sum = mix(self.sum, value as u64);
        Ok(value)
    }

    /// What [`Out::u64s`] wrote. The vector grows as values come, so a
    /// damaged length cannot allocate more than the file holds.
    pub(crate) fn u64s(&mut self) -> io::Result<Vec<u64>> {
        let len = self.u64()?;
        let mut out = Vec::with_capacity((len as usize).min(CHUNK));
        for _ in 0..len {
            out.push(self.u64()?);
        }
        Ok(out)
    }

    /// What [`Out::u32s`] wrote.
    pub(crate) fn u32s(&mut self) -> io::Result<Vec<u32>> {
        let len = self.u64()?;
        let mut out = Vec::with_capacity((len as usize).min(CHUNK));
        self.u32_values(len as usize, &mut out)?;
        Ok(out)
    }

    /// `n` values, pushed onto `to`.
    pub(crate) fn u32_values(&mut self, n: usize, to: &mut Vec<u32>) -> io::Result<()> {
        for _ in 0..n {
            to.push(self.u32()?);
        }
        Ok(())
    }
}
