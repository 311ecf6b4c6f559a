//! One enabled audit device: where its lines go (a file, stdout, nowhere), how it renders
//! entries (`log_raw`, `hmac_accessor`, `elide_list_responses`, `prefix`) and its salt.

use super::entry::{request_entry, response_entry, Hashing, LogInput};
use super::table::AuditEntry;
use crate::barrier::hmac_hex;
use crate::logical::decode::parse_bool;
use crate::logical::go::go_quote;
use crate::CoreError;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::sync::Mutex;
use zeroize::Zeroizing;

/// Where a device writes.
enum Sink {
    /// Appends to a file, opened again if a write fails (the file was rotated or removed).
    File {
        path: String,
        mode: u32,
        file: Mutex<Option<File>>,
    },
    Stdout,
    Discard,
}

pub struct Device {
    pub path: String,
    sink: Sink,
    salt: Zeroizing<Vec<u8>>,
    log_raw: bool,
    hmac_accessor: bool,
    elide_lists: bool,
    prefix: String,
}

impl std::fmt::Debug for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Device").field("path", &self.path).finish_non_exhaustive()
    }
}

fn flag(entry: &AuditEntry, name: &str, default: bool) -> Result<bool, CoreError> {
    match entry.options.get(name) {
        None => Ok(default),
        Some(v) => parse_bool(v)
            .ok_or_else(|| CoreError::invalid(format!("strconv.ParseBool: parsing {}: invalid syntax", go_quote(v)))),
    }
}

impl Device {
    /// Builds the device an entry describes, with Vault's checks and texts; a file must open
    /// for appending now, so a bad path fails the enable rather than every later request.
    pub fn new(entry: &AuditEntry, salt: Zeroizing<Vec<u8>>) -> Result<Device, CoreError> {
        if entry.kind != "file" {
            return Err(CoreError::invalid(format!("unknown backend type: {}", go_quote(&entry.kind))));
        }
        let path = entry
            .options
            .get("file_path")
            .or_else(|| entry.options.get("path"))
            .ok_or_else(|| CoreError::invalid("file_path is required"))?;
        let format = entry.options.get("format").map_or("json", String::as_str);
        if format != "json" {
            return Err(CoreError::invalid(format!("unknown format type {}", go_quote(format))));
        }
        let mode = match entry.options.get("mode") {
            None => 0o600,
            Some(m) => u32::from_str_radix(m, 8).map_err(|_| {
                CoreError::invalid(format!("strconv.ParseUint: parsing {}: invalid syntax", go_quote(m)))
            })?,
        };
        let sink = match path.to_ascii_lowercase().as_str() {
            "stdout" => Sink::Stdout,
            "discard" => Sink::Discard,
            _ => {
                let file = open(path, mode).map_err(|e| {
                    let why = e.to_string();
                    let why = why.split(" (os error").next().unwrap_or_default().to_lowercase();
                    CoreError::invalid(format!(
                        "sanity check failed; unable to open {} for writing: open {path}: {why}",
                        go_quote(path)
                    ))
                })?;
                Sink::File { path: path.clone(), mode, file: Mutex::new(Some(file)) }
            }
        };
        Ok(Device {
            path: entry.path.clone(),
            sink,
            salt,
            log_raw: flag(entry, "log_raw", false)?,
            hmac_accessor: flag(entry, "hmac_accessor", true)?,
            elide_lists: flag(entry, "elide_list_responses", false)?,
            prefix: entry.options.get("prefix").cloned().unwrap_or_default(),
        })
    }

    /// `sys/audit-hash`: the string as this device's entries show it.
    pub fn hash(&self, input: &str) -> Result<String, CoreError> {
        Ok(format!("hmac-sha256:{}", hmac_hex(&self.salt, input)?))
    }

    fn log(&self, input: &LogInput, response: bool) -> Result<(), CoreError> {
        if matches!(self.sink, Sink::Discard) {
            return Ok(());
        }
        let hash = |s: &str| self.hash(s).unwrap_or_else(|_| "hmac-sha256:".to_string());
        let hashing = Hashing {
            hash: if self.log_raw { None } else { Some(&hash) },
            accessors: self.hmac_accessor,
            elide_lists: self.elide_lists,
        };
        let entry = if response { response_entry(input, &hashing) } else { request_entry(input, &hashing) };
        let mut line = self.prefix.clone().into_bytes();
        serde_json::to_writer(&mut line, &entry)?;
        line.push(b'\n');
        self.write(&line)
    }

    pub fn log_request(&self, input: &LogInput) -> Result<(), CoreError> {
        self.log(input, false)
    }

    pub fn log_response(&self, input: &LogInput) -> Result<(), CoreError> {
        self.log(input, true)
    }

    fn write(&self, line: &[u8]) -> Result<(), CoreError> {
        match &self.sink {
            Sink::Discard => Ok(()),
            Sink::Stdout => std::io::stdout().lock().write_all(line).map_err(io_error),
            Sink::File { path, mode, file } => {
                let mut guard = file.lock().map_err(|_| CoreError::internal("audit file lock poisoned"))?;
                if let Some(f) = guard.as_mut() {
                    if f.write_all(line).is_ok() {
                        return Ok(());
                    }
                }
                // Opened again once per entry: the file may have been rotated or removed.
                let mut f = open(path, *mode).map_err(io_error)?;
                let written = f.write_all(line).map_err(io_error);
                *guard = Some(f);
                written
            }
        }
    }
}

fn io_error(e: std::io::Error) -> CoreError {
    CoreError::internal(format!("audit device write failed: {}", e.kind()))
}

fn open(path: &str, mode: u32) -> std::io::Result<File> {
    let file = OpenOptions::new().append(true).create(true).mode(mode).open(path)?;
    if mode != 0 && path != "/dev/null" {
        file.set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    Ok(file)
}
